"""Sending the SMS outbox (secretariat.core.sms) as a background job: the only place texts that
other domains asked for reach Twilio.

`request_sms` queues this job in the requester's transaction, keyed by the outbox, so every
request made while it waits joins it; the job sends until the outbox is empty.

A text goes at most once. Each row is taken in a transaction of its own that commits before
Twilio is called: its state moves waiting → sending (a conditional UPDATE, so two workers never
take the same row) and its body leaves the store at that moment. Then Twilio is called, and the
answer is recorded in a second transaction (sent with the message SID and a `SmsNotice`, or failed
with Twilio's error code). A worker killed between the two leaves the row in `sending`: the next
attempt does not send it again, since a resident texted twice (or a receipt number sent twice)
is worse than one text whose delivery is unknown; Twilio's status callback still updates the
notice if the text went. The other order (call, then mark) would resend after every crash.

Opt-outs (STOP) and numbers that are no longer mobiles are checked when the row is taken: the row is
skipped, with the reason, and Twilio is not called.

Without telephony settings the job sends nothing, leaves every row waiting and fails with a message
saying so (shown on /jobs); once telephony is configured, the next request (or a retry) sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, func, select
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callcenter.telephony.sms import hand_over, record_notice, recipient
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import utcnow
from secretariat.core.config import Settings
from secretariat.core.errors import DomainError
from secretariat.core.households.models import Household
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.sms.models import SmsRequest, SmsState
from secretariat.core.sms.service import SEND_SMS_JOB, waiting_requests

BATCH = 50  # rows read per look at the outbox; each is still taken and sent one at a time
ACTOR = "sms-job"


@dataclass(frozen=True)
class Telephony:
    """What sending needs: Twilio's REST client, our number, and where Twilio reports delivery."""

    client: Client
    from_number: str
    status_callback: str


TelephonyFactory = Callable[[], "Telephony | None"]


class TelephonyNotConfigured(DomainError):
    """No Twilio account in the settings: texts wait in the outbox."""


def telephony_from(settings: Settings, http_client: HttpClient | None = None) -> Telephony | None:
    """The Twilio client from the settings (tests pass a local HTTP client); None when unconfigured."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_number):
        return None
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=http_client or TwilioHttpClient(timeout=10))
    return Telephony(client, settings.twilio_number, f"{settings.public_base_url}/twilio/sms/status")


def send_outbox(context: JobContext, *, telephony: TelephonyFactory) -> None:
    """Send every waiting text, oldest first, until the outbox is empty (texts requested while the
    job runs go in the same run). Progress is texts handled of those seen waiting."""
    line = telephony()
    with Session(context.engine, expire_on_commit=False) as session:
        if line is None:
            waiting = _waiting_count(session)
            if waiting:
                raise TelephonyNotConfigured(f"電話（Twilio）の設定がないため、SMS {waiting}件を送信待ちのままにしました")
            return
        done = 0
        while rows := waiting_requests(session, limit=BATCH):
            total = done + _waiting_count(session)
            for row in rows:
                send_one(session, line, row.id)
                done += 1
                context.progress(done, total)


def send_one(session: Session, line: Telephony, request_id: int) -> str | None:
    """Take one waiting text and send it; its new state, or None when another worker took it."""
    taken = _take(session, request_id)
    if taken is None:
        return None
    request, body = taken
    household = session.get(Household, request.household_id)
    to = recipient(session, household)
    if to is None:
        _finish(session, request_id, SmsState.skipped, error="携帯電話番号がないか、配信停止（STOP）の番号です")
        return SmsState.skipped.value
    try:
        message = hand_over(line.client, to=to, body=body, from_number=line.from_number,
                            status_callback=line.status_callback)
    except TwilioRestException as refused:  # its text may quote the number: keep only the code
        _finish(session, request_id, SmsState.failed, error=f"Twilioが受け付けませんでした（エラー {refused.code or refused.status}）")
        return SmsState.failed.value
    record_notice(session=session, actor=Actor.system(ACTOR), household=household, kind=request.kind, to=to,
                  message=message)
    _finish(session, request_id, SmsState.sent, sent_at=utcnow(), message_sid=message.sid or "")
    return SmsState.sent.value


def _take(session: Session, request_id: int) -> tuple[SmsRequest, str] | None:
    """Mark the row sending and blank its body, committed before anything is sent; the row and the
    body it had, or None when it was no longer waiting."""
    request = session.get(SmsRequest, request_id)
    session.refresh(request)
    body = request.body
    taken = session.execute(update(SmsRequest)
                         .where(SmsRequest.id == request_id, SmsRequest.state == SmsState.waiting.value)
                         .values(state=SmsState.sending.value, body=""))
    session.commit()
    if taken.rowcount != 1:
        return None
    return request, body


def _finish(session: Session, request_id: int, state: SmsState, **values) -> None:
    session.execute(update(SmsRequest).where(SmsRequest.id == request_id).values(state=state.value, body="", **values))
    session.commit()


def _waiting_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(SmsRequest)
                        .where(SmsRequest.state == SmsState.waiting.value)).one()


def sms_jobs(telephony: TelephonyFactory) -> tuple[JobKind, ...]:
    """The call center's SMS job kinds, sending through the telephony the composition root gives."""
    def send_sms_job(context: JobContext) -> None:
        send_outbox(context, telephony=telephony)

    return (JobKind(SEND_SMS_JOB, send_sms_job, "SMSの送信"),)
