"""Delivering assigned codes: a printed letter per code with the code's QR (the print room's
layout `templates/letters/giftcode-letter.yaml`, in postal-code order, as bulk mail wants), or an
SMS with the provider's link when the programme delivers by SMS and the household has a mobile.
Either way the code becomes delivered. The letters are a print-room letter run (kind giftcode,
`mailroom.printing.letters`), in a folder of their own under `out_dir`, whose mailing date (発送日)
the print room records like any other mailing's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlmodel import Session, select

from exchange.giftcodes.models import CodeState, Delivery, GiftCode, GiftCodeSetting
from exchange.giftcodes.setting import required_setting
from exchange.giftcodes.withdrawal import void_withdrawn
from mailroom.printing.letters import GIFTCODE, letters_path, open_letter_run
from mailroom.printing.notice_links import NoticeLink
from mailroom.printing.runs import RenderJob, addressees_for, render_job
from secretariat.core.applications.models import Application
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from secretariat.core.sms.service import request_sms

LETTER = "giftcode-letter"


def instruction(setting: GiftCodeSetting, code: GiftCode) -> str:
    """The words beside the letter's QR: whose site takes the code, and until when (a letter that
    said only 有効期限まで left the resident to guess both)."""
    where = setting.provider or "提供事業者"
    return (f"スマートフォンで読み取るか、下のギフトコードを{where}のサイトで入力してお受け取りください。"
            f"有効期限: {code.expires_on.year}年{code.expires_on.month}月{code.expires_on.day}日まで")
SMS_KIND = "giftcode"


@dataclass
class Delivered:
    letters: Path | None = None  # the letters' PDF, in postal-code order
    letter_run_id: int | None = None  # the print room's record of the letters (発送日 recorded there)
    letter_count: int = 0
    texted: int = 0


def payload(setting: GiftCodeSetting, code: GiftCode) -> str:
    """What the QR code and the SMS carry: the provider's redemption URL with the code in it, or the code."""
    return setting.redemption_url.replace("{code}", quote(code.code, safe="")) if setting.redemption_url \
        else code.code


def deliver_giftcodes(*, session: Session, actor: Actor, programme: Programme, out_dir: Path) -> Delivered:
    """Deliver every assigned code not yet delivered; letters for those an SMS cannot reach. Codes of
    applications declined or withdrawn since their batch was frozen are voided first, never sent."""
    actor.require(Role.admin, Role.supervisor)
    setting = required_setting(session=session, actor=actor, programme=programme)
    void_withdrawn(session=session, actor=actor, programme=programme)
    waiting = session.exec(select(GiftCode, Household)
                           .join(Application, Application.id == GiftCode.application_id)
                           .join(Household, Household.id == Application.household_id)
                           .where(GiftCode.programme_id == programme.id, GiftCode.state == CodeState.assigned.value)
                           .order_by(Household.postal_code, Household.household_number)).all()
    result, letters = Delivered(), []
    by_sms = setting.delivery == Delivery.sms.value and bool(setting.redemption_url)
    for code, household in waiting:
        texted = by_sms and request_sms(
            session=session, actor=actor, household=household, kind=SMS_KIND,
            body=f"{programme.name}: 給付金をデジタルギフトでお届けします。{payload(setting, code)} "
                 f"有効期限 {code.expires_on:%Y年%m月%d日}") is not None
        result.texted += texted
        if not texted:
            letters.append((code, household))
        code.state, code.delivered_at = CodeState.delivered.value, utcnow()
        session.add(code)
    if letters:
        run = open_letter_run(session=session, actor=actor, programme=programme, kind=GIFTCODE, out_root=out_dir,
                              household_ids=[household.id for _, household in letters])
        result.letters, result.letter_run_id = letters_path(run), run.id
        forms = tuple((f"giftcode-{code.id}", household.id) for code, household in letters)
        render_job(RenderJob(target=str(result.letters), title=f"{programme.name} デジタルギフトのお知らせ",
                             pack=(LETTER,), forms=forms, manifest_part=False,
                             addressees=addressees_for(session, programme, [h.id for _, h in letters], None),
                             links={f"giftcode-{code.id}": NoticeLink(url=payload(setting, code), typed=code.code,
                                                                      instruction=instruction(setting, code))
                                    for code, _ in letters}))
        result.letter_count = len(letters)
    if waiting:
        record_audit(session=session, actor=actor, action="giftcode_delivered", entity="programme",
                     entity_id=programme.id, municipality_id=programme.municipality_id,
                     detail=f"{result.letter_count} letters, {result.texted} texts")
    session.flush()
    return result
