"""Telephony through Twilio: the inbound call flow (TwiML), call records from status callbacks,
interpreter conferences and SMS notices. Every webhook is verified before it is read."""
