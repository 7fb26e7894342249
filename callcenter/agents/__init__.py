"""The agents' side of telephony: who speaks what, what state each agent is in, and routing."""
