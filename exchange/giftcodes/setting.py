"""A programme's payout method (振込 / デジタルギフト / 世帯の選択) and its gift-code provider."""

from __future__ import annotations

from sqlalchemy import union
from sqlmodel import Session, select

from exchange.giftcodes.models import Delivery, GiftCodeLine, GiftCodeSetting, Payout, PayoutChoice
from secretariat.core.applications.models import Application
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme


def visible(actor: Actor, programme: Programme) -> None:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)


def giftcode_setting(*, session: Session, actor: Actor, programme: Programme) -> GiftCodeSetting | None:
    visible(actor, programme)
    return session.exec(select(GiftCodeSetting).where(GiftCodeSetting.programme_id == programme.id)).first()


def required_setting(*, session: Session, actor: Actor, programme: Programme) -> GiftCodeSetting:
    """The setting of a programme that pays (some households) by gift code, or a clear refusal."""
    setting = giftcode_setting(session=session, actor=actor, programme=programme)
    if setting is None or setting.payout == Payout.transfer.value or not setting.provider:
        raise InvalidInput(f"事業 {programme.id} はデジタルギフトで支給する設定になっていません: "
                           f"secretariat giftcodes setting --programme {programme.id} --payout gift_code "
                           "--provider <提供事業者> で設定してください")
    return setting


def set_giftcode_setting(*, session: Session, actor: Actor, programme: Programme, payout: str, provider: str = "",
                         delivery: str = Delivery.letter.value, redemption_url: str = "") -> GiftCodeSetting:
    actor.require(Role.admin, Role.supervisor)
    visible(actor, programme)
    if payout not in {p.value for p in Payout}:
        raise InvalidInput(f"支給方法 {payout!r} は使えません: "
                           + "、".join(f"{label('payout', p)}（{p.value}）" for p in Payout))
    if delivery not in {d.value for d in Delivery}:
        raise InvalidInput(f"届け方 {delivery!r} は使えません: "
                           + "、".join(f"{label('gift_delivery', d)}（{d.value}）" for d in Delivery))
    if payout != Payout.transfer.value and not provider.strip():
        raise InvalidInput("デジタルギフトで支給するには提供事業者名が必要です")
    if redemption_url and "{code}" not in redemption_url:
        raise InvalidInput("引換URLには {code}（コードが入る位置）を含めてください")
    setting = session.exec(select(GiftCodeSetting).where(GiftCodeSetting.programme_id == programme.id)).first()
    if setting is None:
        setting = GiftCodeSetting(municipality_id=programme.municipality_id, programme_id=programme.id,
                                  updated_by=actor.username)
    setting.payout, setting.provider, setting.delivery = payout, provider.strip(), delivery
    setting.redemption_url, setting.updated_by, setting.updated_at = redemption_url, actor.username, utcnow()
    session.add(setting)
    record_audit(session=session, actor=actor, action="giftcode_setting", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"payout={payout} delivery={delivery}")
    session.flush()
    return setting


def record_payout_choice(*, session: Session, actor: Actor, programme: Programme, household: Household,
                         payout: str) -> PayoutChoice:
    """The household's choice (振込 or デジタルギフト) where its programme lets households choose; a
    later choice replaces the earlier one until the household's code is assigned."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.agent)
    visible(actor, programme)
    if household.programme_id != programme.id:
        raise NotFound.of(f"事業 {programme.id} の世帯", household.id)
    setting = giftcode_setting(session=session, actor=actor, programme=programme)
    if setting is None or setting.payout != Payout.choice.value:
        raise InvalidInput("この事業では支給方法を世帯が選べません（支給方法の設定が「世帯の選択」ではありません）")
    if payout not in (Payout.transfer.value, Payout.gift_code.value):
        raise InvalidInput(f"世帯が選べる支給方法は {label('payout', Payout.transfer)}（transfer）か "
                           f"{label('payout', Payout.gift_code)}（gift_code）です: {payout!r}")
    choice = session.exec(select(PayoutChoice).where(PayoutChoice.programme_id == programme.id,
                                                     PayoutChoice.household_id == household.id)).first()
    if choice is None:
        choice = PayoutChoice(municipality_id=programme.municipality_id, programme_id=programme.id,
                              household_id=household.id, payout=payout, recorded_by=actor.username)
    choice.payout, choice.recorded_by, choice.recorded_at = payout, actor.username, utcnow()
    session.add(choice)
    record_audit(session=session, actor=actor, action="payout_choice", entity="household", entity_id=household.id,
                 municipality_id=programme.municipality_id, detail=f"payout={payout}")
    session.flush()
    return choice


def left_to_gift_codes(session: Session, programme: Programme):
    """The applications a bank transfer must leave alone (a subquery of application ids): those
    already in a gift-code line and, by the programme's payout, every one (`gift_code`) or those of
    the households that chose a gift code (`choice`). So no household is paid twice, or by the
    means it did not choose."""
    in_lines = select(GiftCodeLine.application_id).where(GiftCodeLine.programme_id == programme.id)
    setting = session.exec(select(GiftCodeSetting).where(GiftCodeSetting.programme_id == programme.id)).first()
    if setting is None or setting.payout == Payout.transfer.value:
        return in_lines
    of_programme = select(Application.id).where(Application.programme_id == programme.id)
    if setting.payout == Payout.gift_code.value:
        return of_programme
    chose = select(PayoutChoice.household_id).where(PayoutChoice.programme_id == programme.id,
                                                    PayoutChoice.payout == Payout.gift_code.value)
    return union(in_lines, of_programme.where(Application.household_id.in_(chose)))


def pays_by_gift_code(session: Session, household: Household) -> bool:
    """Whether the household is paid by a gift code: its programme pays so, or lets households choose
    and it chose so, or a gift-code batch already holds its application (what the resident's own
    page says, so it reads no actor: the page's link and second factor stand for the household)."""
    setting = session.exec(select(GiftCodeSetting).where(GiftCodeSetting.programme_id == household.programme_id)).first()
    if setting is not None and setting.payout == Payout.gift_code.value:
        return True
    in_line = session.exec(select(GiftCodeLine.id).join(Application, Application.id == GiftCodeLine.application_id)
                           .where(Application.household_id == household.id)).first()
    if in_line is not None:
        return True
    if setting is None or setting.payout != Payout.choice.value:
        return False
    chosen = session.exec(select(PayoutChoice.payout).where(PayoutChoice.programme_id == household.programme_id,
                                                            PayoutChoice.household_id == household.id)).first()
    return chosen == Payout.gift_code.value
