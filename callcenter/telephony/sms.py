"""SMS notices (SMS通知) to residents, with opt-out: form received, form returned for
correction, payment scheduled. A number that answered STOP (or 停止) gets nothing more."""

from __future__ import annotations

from sqlmodel import Session, select
from twilio.rest import Client

from callcenter.inquiries.lookup import to_e164
from callcenter.telephony.models import SmsNotice, SmsOptOut
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household
from secretariat.core.sms.service import has_mobile

BODIES = {
    "received": "【給付金事務局】申請書を受け付けました。審査結果はあらためてお知らせします。配信停止はSTOPと返信",
    "returned": "【給付金事務局】申請書に不備があり、返送しました。同封の案内をご確認ください。配信停止はSTOPと返信",
    "payment_scheduled": "【給付金事務局】給付金の振込日が決まりました。通帳でご確認ください。配信停止はSTOPと返信",
}
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "停止", "配信停止", "ストップ"}


def send_notice(*, session: Session, actor: Actor, client: Client, household: Household, kind: str,
                from_number: str, status_callback: str | None = None) -> SmsNotice | None:
    """Send one notice; None when the household has no mobile number or has opted out."""
    if kind not in BODIES:
        raise InvalidInput(f"SMSのお知らせの種類「{kind}」はありません（使える種類: {'、'.join(BODIES)}）")
    e164 = recipient(session, household)
    if e164 is None:
        return None
    message = hand_over(client, to=e164, body=BODIES[kind], from_number=from_number, status_callback=status_callback)
    return record_notice(session=session, actor=actor, household=household, kind=kind, to=e164, message=message)


def recipient(session: Session, household: Household) -> str | None:
    """The household's mobile in E.164, or None when it has none or the number opted out (STOP)."""
    if not has_mobile(household):
        return None  # SMS reaches mobiles only
    e164 = to_e164(household.phone)
    if session.exec(select(SmsOptOut).where(SmsOptOut.e164 == e164)).first():
        return None
    return e164


def hand_over(client: Client, *, to: str, body: str, from_number: str, status_callback: str | None = None):
    """Give one text to Twilio; its answer (sid, status), or TwilioRestException when refused."""
    return client.messages.create(to=to, from_=from_number, body=body,
                                  **({"status_callback": status_callback} if status_callback else {}))


def record_notice(*, session: Session, actor: Actor, household: Household, kind: str, to: str,
                  message) -> SmsNotice:
    """The call center's record of a text Twilio took, and its audit row."""
    notice = SmsNotice(household_id=household.id, municipality_id=household.municipality_id, kind=kind[:30],
                       to_e164=to, message_sid=message.sid or "", status=message.status or "queued")
    session.add(notice)
    record_audit(session=session, actor=actor, action="sms", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id, detail=f"kind={kind}")
    session.flush()
    return notice


def inbound_sms(session: Session, *, from_number: str, body: str) -> bool:
    """A reply to a notice; STOP (or 停止) opts the number out. Returns whether it did."""
    if body.strip().upper() not in STOP_WORDS:
        return False
    e164 = to_e164(from_number)
    if not session.exec(select(SmsOptOut).where(SmsOptOut.e164 == e164)).first():
        session.add(SmsOptOut(e164=e164))
    return True


def sms_status(session: Session, *, message_sid: str, status: str) -> None:
    notice = session.exec(select(SmsNotice).where(SmsNotice.message_sid == message_sid)).first()
    if notice is not None:
        notice.status = status[:20]
        session.add(notice)
