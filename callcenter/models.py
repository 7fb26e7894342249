"""Every table of the call center, imported in one place for the migrations."""

from callcenter.inquiries.answers import AnswerTemplate
from callcenter.inquiries.models import AddressChange, Callback, Escalation, Inquiry
from callcenter.telephony.models import CallRecord, SmsNotice, SmsOptOut

__all__ = ["AddressChange", "AnswerTemplate", "CallRecord", "Callback", "Escalation", "Inquiry", "SmsNotice",
           "SmsOptOut"]
