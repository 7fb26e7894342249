"""The channel mix the forecast plans with: the share of households expected to answer online or by
push (web and push together, オンライン・プッシュ), and how often such a household calls against one
that answers on paper.

The expected online share, first that applies:
1. measured: the programme's answers so far (`mailroom.checkin.channels`), once `MIN_ANSWERS`
   households have answered. Online answers come in faster than posted forms, so an early share
   leans online; the threshold keeps the first handful from deciding;
2. the supervisor's expected share for the programme (`ForecastSetting`, set on the staffing page
   or with `secretariat callcenter forecast --online-share`);
3. a default by the programme's channels: paper only 0, no paper at all 1, with push
   `DEFAULT_PUSH_SHARE`, with the web form `DEFAULT_WEB_SHARE`.

The relative call rate is `ONLINE_CALL_RATE` (model.py) until the programme's own calls measure
it: calls from the programme's households (telephony's call records matched to a household, and
phone inquiries an agent linked to one without a call record) per household of each channel, once
both the paper and the online households have made `MIN_CALLS` calls. Calls from households that
have not answered yet count for neither.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, select

from callcenter.forecast.model import ONLINE_CALL_RATE
from callcenter.forecast.models import ForecastSetting
from callcenter.inquiries.models import Inquiry
from callcenter.telephony.models import CallRecord
from mailroom.checkin.channels import application_channels
from secretariat.core.applications.models import Application
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Channel, Programme

MIN_ANSWERS = 50
MIN_CALLS = 30
DEFAULT_WEB_SHARE = 0.3    # ファストパス uptake beside paper: about a third of households
DEFAULT_PUSH_SHARE = 0.8   # most push households answer by letting the notice stand

MEASURED, SUPERVISOR, DEFAULT, ASSUMED = "measured", "supervisor", "default", "assumed"


@dataclass(frozen=True)
class ChannelMix:
    online_share: float
    share_source: str                     # measured | supervisor | default
    online_call_rate: float
    rate_source: str                      # measured | assumed
    answered: int = 0                     # households that have answered so far
    setting: ForecastSetting | None = None

    @property
    def paper_share(self) -> float:
        return 1.0 - self.online_share

    def describe(self) -> list[str]:
        """The mix in the staffing page's and the CLI's words, each figure marked measured or assumed."""
        share = {MEASURED: f"実績（回答済み {self.answered:,} 世帯から算出）",
                 SUPERVISOR: f"見込み（監督者の設定: {self.setting.set_by if self.setting else ''}）",
                 DEFAULT: "見込み（事業の申請経路からの既定値）"}[self.share_source]
        rate = ("実績（この事業の入電から算出）" if self.rate_source == MEASURED
                else "仮定（オンライン申請では記入方法・不備の問い合わせがほぼなくなるため）")
        lines = [f"オンライン・プッシュ型の割合 {self.online_share:.0%}: {share}",
                 f"紙の申請書の割合 {self.paper_share:.0%}",
                 f"オンライン・プッシュ型の世帯の入電は紙の世帯の {self.online_call_rate:.0%}: {rate}"]
        if self.setting is not None and self.share_source == MEASURED:
            lines.append(f"監督者の見込み {self.setting.expected_online_share:.0%} は、回答が {MIN_ANSWERS} 世帯"
                         "以上になったため使っていません。")
        return lines


def default_online_share(programme: Programme) -> float:
    channels = set(programme.channels or [Channel.paper.value])
    if Channel.paper.value not in channels:
        return 1.0
    if Channel.push.value in channels:
        return DEFAULT_PUSH_SHARE
    if Channel.web.value in channels:
        return DEFAULT_WEB_SHARE
    return 0.0


def setting_for(session: Session, programme: Programme) -> ForecastSetting | None:
    return session.exec(select(ForecastSetting).where(ForecastSetting.programme_id == programme.id)).first()


def channel_mix(session: Session, programme: Programme) -> ChannelMix:
    """The programme's expected online share and relative call rate, measured where it can be."""
    setting = setting_for(session, programme)
    channels = application_channels(session, programme)
    answered = Counter(channel for channel in channels.values() if channel)
    total = sum(answered.values())
    if total >= MIN_ANSWERS:
        share, source = 1.0 - answered[Channel.paper.value] / total, MEASURED
    elif setting is not None:
        share, source = setting.expected_online_share, SUPERVISOR
    else:
        share, source = default_online_share(programme), DEFAULT
    rate = _measured_call_rate(session, programme, channels)
    return ChannelMix(online_share=share, share_source=source, answered=total, setting=setting,
                      online_call_rate=ONLINE_CALL_RATE if rate is None else rate,
                      rate_source=ASSUMED if rate is None else MEASURED)


def _measured_call_rate(session: Session, programme: Programme, channels: dict[int, str | None]) -> float | None:
    """Calls per online (web or push) household over calls per paper household, or None while
    either group has made fewer than `MIN_CALLS` calls."""
    household_channel = {household_id: channels.get(application_id) for application_id, household_id in session.exec(
        select(Application.id, Application.household_id).where(Application.programme_id == programme.id))}
    calls = Counter(household_channel.get(household_id) for household_id in _calling_households(session, programme))
    households = Counter(household_channel.values())
    paper = (calls[Channel.paper.value], households[Channel.paper.value])
    online = tuple(sum(counter[c] for c in (Channel.web.value, Channel.push.value)) for counter in (calls, households))
    if min(paper[0], online[0]) < MIN_CALLS:
        return None
    return (online[0] / online[1]) / (paper[0] / paper[1])


def _calling_households(session: Session, programme: Programme) -> list[int]:
    """One household id per call from the programme's households: the call records matched to a
    household, and the phone inquiries linked to one (once per call, however it was linked)."""
    by_call: dict[str, int | None] = dict(session.exec(
        select(CallRecord.call_sid, CallRecord.household_id).join(Household, Household.id == CallRecord.household_id)
        .where(Household.programme_id == programme.id)).all())
    for inquiry_id, call_sid, household_id in session.exec(
            select(Inquiry.id, Inquiry.call_sid, Inquiry.household_id).where(
                Inquiry.programme_id == programme.id, Inquiry.channel == "phone",
                Inquiry.household_id.is_not(None))):
        by_call.setdefault(call_sid or f"inquiry-{inquiry_id}", household_id)
    return [household_id for household_id in by_call.values() if household_id is not None]


def parse_online_percent(text: str) -> float:
    """The supervisor's typed percentage (「40」「40%」「４０」) as a share between 0 and 1."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().removesuffix("%").strip()
    if not cleaned:
        raise InvalidInput("オンライン・プッシュ型の見込み割合を 0〜100 の数字（％）で入力してください")
    try:
        percent = float(cleaned)
    except ValueError:
        raise InvalidInput(f"オンライン・プッシュ型の見込み割合「{text}」は数字ではありません。"
                           "0〜100 の数字（％）で入力してください") from None
    if not 0 <= percent <= 100:
        raise InvalidInput(f"オンライン・プッシュ型の見込み割合は 0〜100％ の範囲で入力してください（入力: {cleaned}％）")
    return percent / 100


def set_expected_online_share(*, session: Session, actor: Actor, programme: Programme,
                              share: float) -> ForecastSetting:
    """The supervisor's expected online share for the programme (0 … 1), kept and audited."""
    actor.require(Role.supervisor, Role.admin)
    if not 0 <= share <= 1:
        raise InvalidInput(f"オンライン・プッシュ型の見込み割合は 0〜100％ の範囲で入力してください（入力: {share:.0%}）")
    setting = setting_for(session, programme) or ForecastSetting(programme_id=programme.id, expected_online_share=0,
                                                                 set_by=actor.username)
    previous = setting.expected_online_share if setting.id else None
    setting.expected_online_share, setting.set_by, setting.set_at = share, actor.username, utcnow()
    session.add(setting)
    session.flush()
    record_audit(session=session, actor=actor, action="forecast_online_share", entity="programme",
                 entity_id=programme.id, municipality_id=programme.municipality_id,
                 detail=f"expected online share {share:.4f}" + ("" if previous is None else f" (was {previous:.4f})"))
    return setting


__all__ = ["ChannelMix", "DEFAULT_PUSH_SHARE", "DEFAULT_WEB_SHARE", "MIN_ANSWERS", "MIN_CALLS", "channel_mix",
           "default_online_share", "parse_online_percent", "set_expected_online_share", "setting_for"]
