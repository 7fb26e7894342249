"""Every table of the call center, imported in one place for the migrations."""

from callcenter.agents.models import AgentProfile, AgentStateSpell, QueueCallback
from callcenter.forecast.models import ForecastSetting
from callcenter.inquiries.answers import AnswerTemplate
from callcenter.inquiries.models import AddressChange, Callback, Escalation, Inquiry
from callcenter.telephony.models import CallRecord, SmsNotice, SmsOptOut

__all__ = ["AddressChange", "AgentProfile", "AgentStateSpell", "AnswerTemplate", "CallRecord", "Callback",
           "Escalation", "ForecastSetting", "Inquiry", "QueueCallback", "SmsNotice", "SmsOptOut"]
