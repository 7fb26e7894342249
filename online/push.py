"""Push-type programmes (支給のお知らせ, プッシュ型: paid unless declined), each business step one flow.

1. `set_push_dates`: the supervisor sets the programme's two dates, decline or change the account
   by E (`decline_by_date`), paid by D (`pay_by_date`).
2. `send_push_notices`: every mailed household of the programme is told by SMS (the core outbox)
   "X円を D までに登録口座へお振込みします。辞退・口座変更は E までに <link>", with a new link of its
   own (`online.flows.issue_token`). A household without a mobile number gets no link now: it is
   listed for a letter (`PushNotice.by_letter`), and `online.push_letters.print_push_letters`
   prints that letter, issuing its link as it is drawn (a link exists whole only where it is sent),
   as a print-room letter run whose mailing date is recorded like any mailing's. Sending again
   reaches only households not yet told; printing again, only households not yet printed.
3. The household opens its link, answers the second factor (`online.access`, the same throttle as
   the online application) and sees `push_page`: the amount, D, the account on file masked but for
   its last three digits, and two answers until E:
   - `decline`: the core's one decline flow (`record_decline`), the web page as its evidence;
   - `change_account`: the new account goes the way of an online application's
     (`online.flows.submit`: a web receipt, the form's rules, the resident's entry as the first of
     the double entry, a second operator keys it from the bank-book photo). The application leaves
     mailed, so it is not approved at E: it goes to the decision list like any checked form.
4. `approve_undecided`: after E, the applications still mailed (nobody declined or changed the
   account) move mailed → approved, the step this module owns; in batches, each committed by the
   caller (the job `online.push_approve`, or the CLI), so it resumes and never approves twice.
   Before E it refuses. Approved applications go into payment batches like those the liaison
   approved on a decision list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from mailroom.printing.letters import PUSH_NOTICE, lettered_households
from mailroom.scanning.images import ScanLimits
from online import flows
from online.accounts import account_parts, masked_account
from online.access import resident_actor
from online.catalogue import JA, ResidentConflict, Said, plain
from online.push_models import ACCOUNT_CHANGED, DECLINED, PushNotice, PushSetting
from secretariat.core.applications.declines import record_decline
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import application_for_household, transition_all
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Channel, Programme
from secretariat.core.sms.service import has_mobile, request_sms

PUSH_MANAGERS = (Role.admin, Role.supervisor)
SMS_KIND = "push_notice"
APPROVE_BATCH = 200  # applications approved per committed batch


def japanese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def short_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


# --- the programme's dates -----------------------------------------------------------------------

def is_push(programme: Programme) -> bool:
    return Channel.push.value in (programme.channels or [])


def push_setting(session: Session, programme_id: int) -> PushSetting | None:
    return session.exec(select(PushSetting).where(PushSetting.programme_id == programme_id)).first()


def managed(actor: Actor, programme: Programme) -> None:
    actor.require(*PUSH_MANAGERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    if not is_push(programme):
        raise Conflict(f"事業「{programme.name}」はプッシュ型（支給のお知らせ）の事業ではありません。")


def setting_of(session: Session, programme: Programme) -> PushSetting:
    setting = push_setting(session, programme.id)
    if setting is None:
        raise Conflict("先に、辞退・口座変更の期限（E）と支給日（D）を設定してください。")
    return setting


def set_push_dates(*, session: Session, actor: Actor, programme: Programme, decline_by: date,
                   pay_by: date) -> PushSetting:
    """The programme's decline-or-change-by date E and pay-by date D (E before D, E by the deadline)."""
    managed(actor, programme)
    if decline_by >= pay_by:
        raise InvalidInput(f"辞退・口座変更の期限（{japanese_date(decline_by)}）は、支給日（{japanese_date(pay_by)}）"
                           "より前の日にしてください。")
    if decline_by > programme.deadline_date:
        raise InvalidInput(f"辞退・口座変更の期限（{japanese_date(decline_by)}）は、事業の申請期限"
                           f"（{japanese_date(programme.deadline_date)}）までの日にしてください。")
    setting = push_setting(session, programme.id) or PushSetting(
        programme_id=programme.id, municipality_id=programme.municipality_id, decline_by_date=decline_by,
        pay_by_date=pay_by, set_by="")
    setting.decline_by_date, setting.pay_by_date = decline_by, pay_by
    setting.set_by, setting.set_at = actor.username, utcnow()
    session.add(setting)
    record_audit(session=session, actor=actor, action="push_dates", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"decline_by={decline_by} pay_by={pay_by}")
    session.flush()
    return setting


# --- the notices ---------------------------------------------------------------------------------

def notice_text(*, amount_yen: int, setting: PushSetting, link: str, has_account: bool = True) -> str:
    """The push notice's SMS. A household with no account on file is not promised a transfer to one:
    it is asked to give an account (or decline) by E."""
    if not has_account:
        return (f"【給付金のお知らせ】{amount_yen:,}円をお支払いします。登録された口座がないため、"
                f"受取口座の届出・辞退は{short_date(setting.decline_by_date)}までに {link}")
    return (f"【給付金のお知らせ】{amount_yen:,}円を{short_date(setting.pay_by_date)}までに登録口座へお振込みします。"
            f"辞退・口座変更は{short_date(setting.decline_by_date)}までに {link}")


@dataclass
class NoticesSent:
    texted: int = 0
    by_letter: list[str] = field(default_factory=list)  # 世帯番号 of households without a mobile number
    already: int = 0  # told before


def send_push_notices(*, session: Session, actor: Actor, programme: Programme, base_url: str) -> NoticesSent:
    """Tell every mailed household not yet told (see the module docstring); in the caller's transaction."""
    managed(actor, programme)
    setting = setting_of(session, programme)
    if today_jst() > setting.decline_by_date:
        raise Conflict(f"辞退・口座変更の期限（{japanese_date(setting.decline_by_date)}）を過ぎたため、"
                       "お知らせは送れません。")
    told = set(session.exec(select(PushNotice.household_id).where(PushNotice.programme_id == programme.id)))
    rows = session.exec(select(Application, Household).join(Household, Household.id == Application.household_id)
                        .where(Application.programme_id == programme.id,
                               Application.status == Status.mailed.value)
                        .order_by(Household.household_number)).all()
    sent = NoticesSent(already=len(told))
    for application, household in rows:
        if household.id in told:
            continue
        notice = PushNotice(household_id=household.id, municipality_id=household.municipality_id,
                            programme_id=programme.id, amount_yen=application.amount_yen, sent_by=actor.username)
        if has_mobile(household):
            token = flows.issue_token(session=session, actor=actor, household=household)
            text = notice_text(amount_yen=application.amount_yen, setting=setting,
                               link=flows.short_url(base_url, token), has_account=bool(household.account_number))
            notice.sms_request_id = request_sms(session=session, actor=actor, household=household, kind=SMS_KIND,
                                                body=text).id
            sent.texted += 1
        else:
            notice.by_letter = True
            sent.by_letter.append(household.household_number)
        session.add(notice)
    record_audit(session=session, actor=actor, action="push_notices", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id,
                 detail=f"texted={sent.texted} by_letter={len(sent.by_letter)} already={sent.already}")
    session.flush()
    return sent


@dataclass(frozen=True)
class PushSummary:
    """The supervisor's view of a push programme."""

    setting: PushSetting | None
    mailed: int  # still waiting for E (undecided)
    texted: int
    by_letter: list[str]
    letters_printed: int  # of the by-letter households, those whose letter is printed
    declined: int
    account_changed: int
    approved: int

    @property
    def after_decline_by(self) -> bool:
        return self.setting is not None and today_jst() > self.setting.decline_by_date


def push_summary(*, session: Session, actor: Actor, programme: Programme) -> PushSummary:
    managed(actor, programme)
    notices = list(session.exec(select(PushNotice).where(PushNotice.programme_id == programme.id)))
    by_status = dict(session.exec(select(Application.status, func.count()).where(
        Application.programme_id == programme.id).group_by(Application.status)).all())
    letter_ids = [notice.household_id for notice in notices if notice.by_letter]
    letters = list(session.exec(select(Household.household_number).where(Household.id.in_(letter_ids))
                                .order_by(Household.household_number))) if letter_ids else []
    return PushSummary(setting=push_setting(session, programme.id), mailed=by_status.get(Status.mailed.value, 0),
                       texted=sum(1 for notice in notices if notice.sms_request_id is not None), by_letter=letters,
                       letters_printed=len(lettered_households(session, programme, PUSH_NOTICE)),
                       declined=sum(1 for notice in notices if notice.answer == DECLINED),
                       account_changed=sum(1 for notice in notices if notice.answer == ACCOUNT_CHANGED),
                       approved=by_status.get(Status.approved.value, 0))


# --- the resident's answer -----------------------------------------------------------------------

ENDED = (Status.withdrawn.value, Status.ineligible.value, Status.expired.value)  # nothing will be paid


@dataclass
class PushPage:
    household: Household
    amount_yen: int
    pay_by: date
    decline_by: date
    account_masked: str
    status: str
    answer: str

    @property
    def to_pay(self) -> bool:
        """Whether the amount is still to be paid (the page then says when and how)."""
        return self.status not in (Status.declined.value, Status.paid.value, *ENDED)

    @property
    def open(self) -> bool:
        """Whether the household may still decline or change its account."""
        return today_jst() <= self.decline_by and self.status in flows.OPEN_TO_APPLY

    @property
    def account_parts(self) -> dict[str, str] | None:
        """The masked account's parts, for the resident's page to word the account type in its language."""
        return account_parts(self.household)

    @property
    def closed_said(self) -> Said:
        """Why the household may no longer answer, in the resident's words (online/messages)."""
        if self.status == Status.declined.value:
            return Said("push.closed_declined")
        if self.status == Status.paid.value:
            return Said("push.closed_paid")
        if self.status in ENDED:
            return Said("push.closed_ended")
        if today_jst() > self.decline_by:
            return Said("push.closed_after", {"date": self.decline_by})
        return Said("push.closed_changed")

    @property
    def closed_sentence(self) -> str:
        return plain(JA, self.closed_said)


def push_household(session: Session, household: Household) -> bool:
    """Whether the household's link leads to the push answer (its programme is push-type)."""
    programme = session.get(Programme, household.programme_id)
    return programme is not None and is_push(programme)


def _notice_of(session: Session, household: Household) -> tuple[PushNotice, PushSetting]:
    notice = session.exec(select(PushNotice).where(PushNotice.household_id == household.id)).first()
    setting = push_setting(session, household.programme_id)
    if notice is None or setting is None:
        raise NotFound("この世帯への支給のお知らせは見つかりません。")
    return notice, setting


def push_page(*, session: Session, household: Household) -> PushPage:
    notice, setting = _notice_of(session, household)
    application = application_for_household(session=session, household_id=household.id)
    return PushPage(household=household, amount_yen=notice.amount_yen, pay_by=setting.pay_by_date,
                    decline_by=setting.decline_by_date, account_masked=masked_account(household),
                    status=application.status, answer=notice.answer)


def _may_answer(page: PushPage) -> None:
    if not page.open:
        raise ResidentConflict(page.closed_said)


def decline(*, session: Session, household: Household, address: str = "") -> PushNotice:
    """The household declines from its link, through the core's one decline flow."""
    page = push_page(session=session, household=household)
    _may_answer(page)
    notice, _ = _notice_of(session, household)
    application = application_for_household(session=session, household_id=household.id)
    actor = resident_actor(address)
    record_decline(session=session, actor=actor, application=application,
                   evidence="支給のお知らせへの回答: 住民が本人確認のうえWeb画面で辞退")
    notice.answer, notice.answered_at = DECLINED, utcnow()
    session.add(notice)
    record_audit(session=session, actor=actor, action="push_decline", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id)
    session.flush()
    return notice


def change_account(*, session: Session, household: Household, answers: flows.Answers, photos: dict[str, bytes],
                   data_dir: Path, limits: ScanLimits, address: str = "") -> flows.Submitted:
    """A new account from the link: an online application receiving to a new account (see the
    module docstring); bad input is refused whole, as the online application refuses it."""
    page = push_page(session=session, household=household)
    _may_answer(page)
    answers.choice, answers.account_choice = "receive", "new"
    submitted = flows.submit(session=session, household=household, answers=answers, photos=photos,
                             data_dir=data_dir, limits=limits, address=address)
    notice, _ = _notice_of(session, household)
    notice.answer, notice.answered_at = ACCOUNT_CHANGED, utcnow()
    session.add(notice)
    record_audit(session=session, actor=resident_actor(address), action="push_account_change", entity="household",
                 entity_id=household.id, municipality_id=household.municipality_id,
                 detail=f"receipt={submitted.receipt.id} outcome={submitted.verdict.outcome.value}")
    session.flush()
    return submitted


# --- after E -------------------------------------------------------------------------------------

def require_after_decline_by(session: Session, actor: Actor, programme: Programme) -> PushSetting:
    managed(actor, programme)
    setting = setting_of(session, programme)
    if today_jst() <= setting.decline_by_date:
        raise Conflict(f"辞退・口座変更の期限（{japanese_date(setting.decline_by_date)}）がまだ来ていません。"
                       "期限の翌日から支給決定できます。")
    return setting


def undecided(session: Session, programme: Programme, *, limit: int | None = None) -> list[Application]:
    query = (select(Application).where(Application.programme_id == programme.id,
                                       Application.status == Status.mailed.value).order_by(Application.id))
    return list(session.exec(query.limit(limit) if limit else query))


@owns((Status.mailed, Status.approved))
def approve_undecided(*, session: Session, actor: Actor, programme: Programme, limit: int = APPROVE_BATCH) -> int:
    """Approve (支給決定) up to `limit` applications still mailed after E; how many moved. The caller
    commits each batch; asking again after the last finds none."""
    setting = require_after_decline_by(session, actor, programme)
    batch = undecided(session, programme, limit=limit)
    return transition_all(session=session, applications=batch, to=Status.approved, actor=actor,
                          reason=f"支給のお知らせ: 期限（{japanese_date(setting.decline_by_date)}）までに"
                                 "辞退・口座変更の申出なし")
