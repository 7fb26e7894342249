"""Asking for a text to a resident: what domains call. The call center's SMS job sends them."""

from __future__ import annotations

from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household
from secretariat.core.jobs.service import enqueue
from secretariat.core.sms.models import SmsRequest, SmsState

MOBILE_PREFIXES = ("070", "080", "090")  # Japanese mobile numbers; SMS reaches no landline
MAX_BODY = 670  # ten concatenated UCS-2 segments of 67 characters
# The call center's job that sends the outbox (callcenter/telephony/sms_jobs.py registers it under
# this name); one job for the whole outbox, joined by every request while it waits to start.
SEND_SMS_JOB = "callcenter.send_sms"
OUTBOX_KEY = "outbox"


def has_mobile(household: Household) -> bool:
    return household.phone.replace("-", "").startswith(MOBILE_PREFIXES)


def request_sms(*, session: Session, actor: Actor, household: Household, kind: str, body: str) -> SmsRequest | None:
    """Put a text to the household's mobile in the outbox, in the caller's transaction (it goes
    only if that commits), and queue the SMS job that sends it; None when the household has no
    mobile number. Opt-outs are honoured when the text is sent, since a STOP may arrive in between."""
    if not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(f"SMSの本文は1〜{MAX_BODY}文字にしてください（{len(body)}文字）")
    if not has_mobile(household):
        return None
    request = SmsRequest(household_id=household.id, municipality_id=household.municipality_id, kind=kind,
                         body=body, requested_by=actor.username)
    session.add(request)
    session.flush()
    record_audit(session=session, actor=actor, action="sms_requested", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id, detail=f"kind={kind}")
    enqueue(session, SEND_SMS_JOB, OUTBOX_KEY, created_by=actor.username)
    return request


def waiting_requests(session: Session, *, limit: int = 100) -> list[SmsRequest]:
    """The oldest texts not yet taken by the SMS job."""
    return list(session.exec(select(SmsRequest).where(SmsRequest.state == SmsState.waiting.value)
                             .order_by(SmsRequest.id).limit(limit)))


def requests_for(session: Session, household: Household) -> list[SmsRequest]:
    """The household's texts, newest first (for its timeline and the caller's record)."""
    return list(session.exec(select(SmsRequest).where(SmsRequest.household_id == household.id)
                             .order_by(SmsRequest.id.desc())))
