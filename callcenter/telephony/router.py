"""Twilio's webhooks. Each request's X-Twilio-Signature is checked against the public base URL
Twilio was given (behind a proxy, the URL the app sees is not the one that was signed); a
missing, forged or altered request answers 403 and changes nothing."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callcenter.agents import callbacks, routing
from callcenter.telephony.calls import call_status, choose_language, inbound, queue_result
from callcenter.telephony.sms import inbound_sms, sms_status
from secretariat.core.config import Settings
from secretariat.core.web.deps import AppSettings, DbSession

log = logging.getLogger("secretariat.callcenter.telephony")
router = APIRouter(prefix="/twilio", include_in_schema=False)
WEBHOOK_PREFIX = "/twilio/"


async def signed_params(request: Request, settings: AppSettings) -> dict[str, str]:
    """The webhook's parameters, once its signature is proven; otherwise 403."""
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    url = settings.public_base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("x-twilio-signature", "")
    if not (settings.twilio_auth_token and signature
            and RequestValidator(settings.twilio_auth_token).validate(url, params, signature)):
        log.warning("refused a webhook without a valid signature on %s", request.url.path)
        raise HTTPException(status_code=403, detail="invalid or missing X-Twilio-Signature")
    return params


Signed = Annotated[dict[str, str], Depends(signed_params)]


def twilio_client(request: Request) -> Client | None:
    """The REST client; tests put a local HTTP client in `app.state.twilio_http_client`."""
    settings: Settings = request.app.state.settings
    if not settings.twilio_account_sid:
        return None
    http = getattr(request.app.state, "twilio_http_client", None) or TwilioHttpClient(timeout=10)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)


def _whole(value: str | None) -> int:
    """A count Twilio sends (QueuePosition, QueueTime); 0 when missing or malformed."""
    return int(value) if value and value.isdigit() else 0


def twiml(body: str) -> Response:
    return Response(body, media_type="application/xml")


@router.post("/voice/inbound")
def voice_inbound(session: DbSession, params: Signed):
    body = inbound(session, call_sid=params.get("CallSid", ""), from_number=params.get("From", ""))
    session.commit()
    return twiml(body)


@router.post("/voice/language")
def voice_language(session: DbSession, settings: AppSettings, params: Signed):
    body = choose_language(session, call_sid=params.get("CallSid", ""), digits=params.get("Digits", "1"),
                           base_url=settings.public_base_url)
    session.commit()
    return twiml(body)


@router.post("/voice/wait")
def voice_wait(session: DbSession, settings: AppSettings, params: Signed):
    """The queue's waitUrl, polled by Twilio while the caller waits."""
    body = routing.waiting(session, call_sid=params.get("CallSid", ""), position=_whole(params.get("QueuePosition")),
                           queue_time=_whole(params.get("QueueTime")), fallback_s=settings.queue_fallback_s,
                           offer_wait_s=settings.callback_offer_wait_s,
                           interpreter_languages=set(settings.interpreter_numbers))
    session.commit()
    return twiml(body)


@router.post("/voice/callback")
def voice_callback(session: DbSession, params: Signed):
    """The caller's answer to the callback offer (virtual hold)."""
    body = callbacks.accept(session, call_sid=params.get("CallSid", ""), digits=params.get("Digits", ""))
    session.commit()
    return twiml(body)


@router.post("/voice/queue-result")
def voice_queue_result(request: Request, session: DbSession, settings: AppSettings, params: Signed):
    body = queue_result(session, call_sid=params.get("CallSid", ""), result=params.get("QueueResult", ""),
                        queue_time=params.get("QueueTime", "0"), client=twilio_client(request),
                        interpreter_numbers=settings.interpreter_numbers, our_number=settings.twilio_number,
                        base_url=settings.public_base_url)
    session.commit()
    return twiml(body)


@router.post("/voice/agent-leg")
def voice_agent_leg(session: DbSession, params: Signed):
    """The agent's softphone leg changed: answered (statusCallbackEvent of `<Client>`)."""
    if params.get("CallStatus") == "in-progress":
        routing.agent_answered(session, call_sid=params.get("ParentCallSid", ""))
        session.commit()
    return Response(status_code=204)


@router.post("/voice/agent-result")
def voice_agent_result(session: DbSession, settings: AppSettings, params: Signed):
    """The `<Dial>` to an agent ended (its action URL): talked, or not answered."""
    body = routing.agent_leg_ended(session, call_sid=params.get("CallSid", ""),
                                   dial_status=params.get("DialCallStatus", ""),
                                   duration=params.get("DialCallDuration", "0"), base_url=settings.public_base_url)
    session.commit()
    return twiml(body)


@router.post("/voice/status")
def voice_status(session: DbSession, params: Signed):
    call_status(session, call_sid=params.get("CallSid", ""), status=params.get("CallStatus", ""),
                duration=params.get("CallDuration", "0"))
    session.commit()
    return Response(status_code=204)


@router.post("/voice/conference")
def voice_conference(params: Signed):
    return Response(status_code=204)


@router.post("/sms/inbound")
def sms_inbound(session: DbSession, params: Signed):
    inbound_sms(session, from_number=params.get("From", ""), body=params.get("Body", ""))
    session.commit()
    return twiml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")


@router.post("/sms/status")
def sms_status_callback(session: DbSession, params: Signed):
    sms_status(session, message_sid=params.get("MessageSid", ""), status=params.get("MessageStatus", ""))
    session.commit()
    return Response(status_code=204)
