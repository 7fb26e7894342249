"""Applications: one per household per programme, and the only place their status changes."""
