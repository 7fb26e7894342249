"""Staffing from call volume: Erlang C and Erlang A, per interval, vectorised."""
