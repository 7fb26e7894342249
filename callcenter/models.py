"""Every table of the call center, imported in one place for the migrations."""

from callcenter.inquiries.models import AddressChange, Callback, Escalation, Inquiry

__all__ = ["AddressChange", "Callback", "Escalation", "Inquiry"]
