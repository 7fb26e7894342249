"""What comes back from the provider: the redemption file (引換データ: code, redeemed_at) moves each
application whose code was used to paid; codes past their expiry and never used are reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import Session, select

from exchange.giftcodes.issuance import codes_named, parse_date, read_provider_csv, refused
from exchange.giftcodes.models import CodeState, GiftCode, GiftCodeLine
from exchange.giftcodes.setting import required_setting, visible
from exchange.giftcodes.withdrawal import void_withdrawn
from exchange.results.files import cp932_csv
from exchange.targets.encoding import Limits
from exchange.targets.validate import Problem
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, as_utc, today_jst
from secretariat.core.programmes.models import Programme

REDEMPTION_HEADINGS = ("code", "redeemed_at")
UNREDEEMED_HEADINGS = ["世帯番号", "コード（末尾4桁）", "金額", "有効期限", "状態"]
_WAITING = (CodeState.assigned.value, CodeState.delivered.value, CodeState.expired.value)


@dataclass
class Redemptions:
    paid: int = 0
    already: int = 0  # rows of codes recorded as redeemed by an earlier import (the same file again)
    errors: list[Problem] = field(default_factory=list)  # the file cannot be read: nothing applied
    unknown: list[Problem] = field(default_factory=list)  # rows left aside: unknown code, no approved application

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.unknown

    @property
    def summary(self) -> str:
        return (f"取込完了: 引換済 {self.paid} 件（支給済みにしました）, 取込済み {self.already} 件, "
                f"対象外 {len(self.unknown)} 件" if self.ok else refused(self.errors))


def parse_moment(text: str) -> datetime | None:
    """A redemption time as the provider writes it (ISO 8601, or a date), Japan time unless it says."""
    if day := parse_date(text):
        return datetime.combine(day, time(), JST)
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=JST)


@owns((Status.approved, Status.paid), means="gift_code")
def import_redemptions(*, session: Session, actor: Actor, programme: Programme, path: Path,
                       limits: Limits = Limits()) -> Redemptions:
    """The provider's redemption file: each row's code redeemed, its application paid (audited).
    A code already recorded as redeemed is counted, not changed, so the same file may come twice."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    setting = required_setting(session=session, actor=actor, programme=programme)
    result = Redemptions()
    rows, result.errors = read_provider_csv(path, REDEMPTION_HEADINGS, limits)
    moments = {}
    for number, (code, redeemed_at) in ((n, cells) for n, cells in rows if len(cells) == 2):
        if (moment := parse_moment(redeemed_at)) is None:
            result.errors.append(Problem(number, "redeemed_at", redeemed_at[:100], "bad_date",
                                         "引換日時は日時（例: 2027-01-15T10:30:00+09:00）か日付で書いてください"))
        moments[number] = moment
    if result.errors:
        return result
    named = codes_named(session, setting.provider, [cells[0] for _, cells in rows])
    codes = {name: code for name, code in named.items() if code.programme_id == programme.id}
    void_withdrawn(session=session, actor=actor, programme=programme)
    mover = actor.acting_as("exchange")  # the provider's file says it; moving it is ours
    for number, (code_text, _) in rows:
        code = codes.get(code_text)
        if code is None:
            result.unknown.append(Problem(number, "code", code_text[:100], "unknown_code",
                                          "この事業で取り込んだコードではありません"))
        elif code.state == CodeState.redeemed.value:
            result.already += 1
        elif code.state == CodeState.void.value or code.reissue_allowed_at is not None:
            result.unknown.append(Problem(number, "code", code_text[:100], "cancelled_code",
                                          "取消を依頼したコード（辞退・取下げ、または再発行済み）が引き換えられました。"
                                          "支給済みにはしていません。提供事業者と自治体に確認してください"))
        elif code.state not in _WAITING or code.application_id is None:
            result.unknown.append(Problem(number, "code", code_text[:100], "not_assigned",
                                          "まだ世帯に割り当てていないコードです"))
        else:
            application = session.get(Application, code.application_id)
            if application.status != Status.approved.value:
                result.unknown.append(Problem(number, "code", code_text[:100], "not_approved",
                                              f"申請が支給決定の状態ではありません（{application.status}）"))
                continue
            transition(session=session, application=application, to=Status.paid, actor=mover,
                       reason="デジタルギフト引換済")
            code.state, code.redeemed_at = CodeState.redeemed.value, as_utc(moments[number])
            session.add(code)
            result.paid += 1
    record_audit(session=session, actor=actor, action="giftcode_redemptions", entity="programme",
                 entity_id=programme.id, municipality_id=programme.municipality_id,
                 detail=f"{result.paid} paid, {result.already} already, {len(result.unknown)} left aside")
    session.flush()
    return result


def expire_unredeemed(*, session: Session, actor: Actor, programme: Programme,
                      today: date | None = None) -> list[tuple[GiftCode, str]]:
    """Assigned or delivered codes past their expiry become expired; every expired code, with its
    household's number, for the report (未引換). The application stays approved: what follows
    (a transfer instead, or the municipality's decision) is not this step's to decide."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    void_withdrawn(session=session, actor=actor, programme=programme)  # a declined household's code: void
    today = today or today_jst()
    for code in session.exec(select(GiftCode).where(
            GiftCode.programme_id == programme.id, GiftCode.expires_on < today,
            GiftCode.state.in_([CodeState.assigned.value, CodeState.delivered.value]))):
        code.state = CodeState.expired.value
        session.add(code)
        record_audit(session=session, actor=actor, action="giftcode_expired", entity="giftcode",
                     entity_id=code.id, municipality_id=programme.municipality_id,
                     detail=f"application={code.application_id} amount={code.amount_yen}")
    session.flush()
    return unredeemed_codes(session=session, actor=actor, programme=programme)


def unredeemed_codes(*, session: Session, actor: Actor, programme: Programme) -> list[tuple[GiftCode, str]]:
    """Every code that expired unredeemed (未引換), with its household's number."""
    visible(actor, programme)
    return list(session.exec(select(GiftCode, GiftCodeLine.household_number)
                             .join(GiftCodeLine, GiftCodeLine.gift_code_id == GiftCode.id)
                             .where(GiftCode.programme_id == programme.id, GiftCode.state == CodeState.expired.value)
                             .order_by(GiftCodeLine.household_number)))


def unredeemed_csv(expired: list[tuple[GiftCode, str]]) -> bytes:
    """The unredeemed report for the municipality (CP932); a code's last four characters only, as the
    whole code is money."""
    return cp932_csv(UNREDEEMED_HEADINGS, [[number, code.code[-4:], code.amount_yen, code.expires_on.isoformat(),
                                            "期限切れ（再発行済み）" if code.reissue_allowed_at else "期限切れ"]
                                           for code, number in expired])
