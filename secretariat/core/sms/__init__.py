"""Texts to residents asked for by any domain and sent by the call center's SMS job (an outbox)."""
