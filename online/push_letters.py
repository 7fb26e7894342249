"""支給のお知らせ by letter: a push programme's notice to the households an SMS cannot reach.

`send_push_notices` lists a household without a mobile number for a letter (`PushNotice.by_letter`);
`print_push_letters` prints that letter for every such household not yet printed, in postal-code
order (the bulk-mail discount), through the print room's renderer and layout
`templates/letters/push-notice-letter.yaml`: the amount, "paid to the account on file by D unless
declined or changed by E", the household's own QR and short URL, and the call center's number.

Each household's link is issued as its letter is drawn (`flows.issue_link`), as a printed notice's
is: it exists whole only on the paper, and replaces any earlier link of the household. The run is
the print room's record (`mailroom.printing.letters`, kind push_notice): its file, its letters, and
the day it goes to the post office. Printing again prints only the households not yet printed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlmodel import Session, select

from mailroom.printing.letters import PUSH_NOTICE, letters_path, lettered_households, open_letter_run
from mailroom.printing.models import IssuedForm, LetterRun
from mailroom.printing.notice_links import NoticeLink
from mailroom.printing.runs import RenderJob, addressees_for, render_job
from online import flows
from online.access import grouped
from online.push import japanese_date, managed, setting_of
from online.push_models import PushNotice
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

LETTER = "push-notice-letter"
INSTRUCTION = "スマートフォンで読み取るか、下のURLを入力すると、辞退・口座変更の手続きができます"


def awaiting_letter(session: Session, programme: Programme) -> list[tuple[int, str]]:
    """(household id, its current form id) of each household listed for a letter and not yet
    printed one, in postal-code order. The form id puts the pack's page code in the window, so
    undeliverable mail is recognised as the household's."""
    printed = lettered_households(session, programme, PUSH_NOTICE)
    rows = session.exec(select(Household.id, IssuedForm.form_id)
                        .join(PushNotice, PushNotice.household_id == Household.id)
                        .join(IssuedForm, (IssuedForm.household_id == Household.id) & IssuedForm.voided_at.is_(None))
                        .where(PushNotice.programme_id == programme.id, PushNotice.by_letter.is_(True))
                        .order_by(Household.postal_code, Household.household_number)).all()
    return [(household_id, form_id) for household_id, form_id in rows if household_id not in printed]


def print_push_letters(*, session: Session, actor: Actor, programme: Programme, out_root: Path,
                       base_url: str) -> LetterRun | None:
    """Print the notice letter of every by-letter household not yet printed; None when there is none.
    In the caller's transaction: the links issued stand only if the caller commits."""
    managed(actor, programme)
    setting = setting_of(session, programme)
    if today_jst() > setting.decline_by_date:
        raise Conflict(f"辞退・口座変更の期限（{japanese_date(setting.decline_by_date)}）を過ぎたため、"
                       "お知らせの手紙は印刷できません。")
    waiting = awaiting_letter(session, programme)
    if not waiting:
        return None
    households = [household_id for household_id, _ in waiting]
    run = open_letter_run(session=session, actor=actor, programme=programme, kind=PUSH_NOTICE, out_root=out_root,
                          household_ids=households)
    amounts = dict(session.exec(select(PushNotice.household_id, PushNotice.amount_yen)
                                .where(PushNotice.programme_id == programme.id)).all())
    # The letter says the amount the notice recorded, and D and E from the programme's setting.
    addressees = {household_id: replace(addressee, amount_yen=amounts[household_id], pay_by=setting.pay_by_date,
                                        decline_by=setting.decline_by_date)
                  for household_id, addressee in addressees_for(session, programme, households, None).items()}
    links = {form_id: _link(session, actor, household_id, base_url) for household_id, form_id in waiting}
    render_job(RenderJob(target=str(letters_path(run)), title=f"{programme.name} 支給のお知らせ {run.id}",
                         pack=(LETTER,), forms=tuple((form_id, household_id) for household_id, form_id in waiting),
                         addressees=addressees, manifest_part=False, links=links))
    return run


def _link(session: Session, actor: Actor, household_id: int, base_url: str) -> NoticeLink:
    issued = flows.issue_link(session=session, actor=actor, household=session.get(Household, household_id))
    return NoticeLink(url=flows.short_url(base_url, issued.token), typed=flows.short_url(base_url, grouped(issued.code)),
                      instruction=INSTRUCTION)
