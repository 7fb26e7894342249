"""The demo's residents who answer on their phones, through the residents' own flows.

In the programme open to the web, some households apply online from the link on their notice
instead of posting the form (some forget a photo, are told what is missing, and add it a day
later). In the push programme (支給のお知らせ), every mailed household is texted its notice; a few
decline or change their account from the link before the decline-by date E, and the day after E
the supervisor's job approves the rest. The demo never moves an application itself: the flows do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import cv2
import numpy
from sqlmodel import Session, select

from mailroom.printing.letters import record_letter_mailing
from mailroom.scanning.images import ScanLimits
from online import push
from online.push_letters import print_push_letters
from online.flows import Answers, submit
from secretariat.core.applications.models import Application
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import JST, replaying_at
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme

CONFIRMATIONS = ["confirm_tax_exempt", "confirm_not_dependent"]
ONLINE_SHARE = 0.4  # of the web programme's replies, those made online
FORGETS_A_PHOTO = 0.1  # of online applicants, those who leave out a photo and add it later
PUSH_DECLINES, PUSH_CHANGES, PUSH_PAPER = 0.03, 0.05, 0.04  # of a push programme's households


@dataclass
class OnlineTally:
    applied: int = 0
    told_to_fix: int = 0
    fixed: int = 0
    texted: int = 0
    by_letter: int = 0
    letters_mailed: int = 0
    push_declined: int = 0
    push_changed: int = 0
    push_approved: int = 0

    def stages(self) -> list[tuple[str, int, str]]:
        return [
            ("オンライン申請", self.applied,
             f"通知書の QR コードか短縮 URL から、世帯主の生年月日を入れて申請。写真の添付漏れ {self.told_to_fix} 件は"
             f"その場で追加するものを案内し、{self.fixed} 件が翌日に追加"),
            ("支給のお知らせ", self.texted,
             f"世帯ごとのリンクを SMS で送信。携帯電話のない {self.by_letter} 世帯には郵送"
             f"（{self.letters_mailed} 通を印刷・発送、それぞれに専用の QR コード）"),
            ("辞退・口座変更", self.push_declined + self.push_changed,
             f"辞退の期限までにリンクから辞退 {self.push_declined} 件、口座変更 {self.push_changed} 件"),
            ("期限後の支給決定", self.push_approved,
             "残りは辞退の期限の翌日にジョブが申請書なしで支給決定"),
        ]


@dataclass
class PushPlan:
    """A push programme's dates, set by the supervisor when its notices go out."""

    programme: object
    decline_by: date
    pay_by: date
    mailing_days: set[date] = field(default_factory=set)


class Residents:
    """The demo's residents on their phones, and the supervisor's push routine."""

    def __init__(self, session: Session, data_dir: Path, base_url: str, supervisor: Actor, rng: random.Random,
                 branches: list[tuple[str, str]]):
        self.session, self.data_dir, self.base_url = session, data_dir, base_url
        self.supervisor, self.rng, self.branches = supervisor, rng, branches
        self.limits = ScanLimits()
        self.tally = OnlineTally()
        self.plans: list[PushPlan] = []

    # --- the web programme -------------------------------------------------------------------

    def apply(self, application_id: int, *, new_account: bool, forget_a_photo: bool) -> None:
        household = self._household(application_id)
        photos = {"id_copy": self.photo("本人確認書類")}
        if new_account:
            photos["bank_book_copy"] = self.photo("通帳")
        if forget_a_photo:
            photos.pop("bank_book_copy" if new_account else "id_copy")
        submitted = submit(session=self.session, household=household, answers=self._answers(household, new_account),
                           photos=photos, data_dir=self.data_dir, limits=self.limits)
        self.tally.applied += 1
        self.tally.told_to_fix += submitted.verdict.outcome.value == "deficient"

    def fix(self, application_id: int, *, new_account: bool) -> None:
        """The resident opens the link again and adds the photo the page asked for."""
        household = self._household(application_id)
        photos = {"id_copy": self.photo("本人確認書類")}
        if new_account:
            photos["bank_book_copy"] = self.photo("通帳")
        submitted = submit(session=self.session, household=household, answers=self._answers(household, new_account),
                           photos=photos, data_dir=self.data_dir, limits=self.limits)
        self.tally.fixed += submitted.verdict.outcome.value == "complete"

    def _answers(self, household: Household, new_account: bool) -> Answers:
        account = {}
        if new_account:
            bank, branch = self.rng.choice(self.branches)
            account = dict(bank=bank, branch=branch, account_type="ordinary",
                           account_number=f"{self.rng.randint(0, 9_999_999):07d}",
                           account_holder_kana=self._head(household).name_kana)
        return Answers(confirmations=list(CONFIRMATIONS), choice="receive",
                       account_choice="new" if new_account else "on_file",
                       phone=household.phone or f"080{self.rng.randint(0, 99_999_999):08d}", **account)  # synthetic

    # --- the push programme ------------------------------------------------------------------

    def plan_push(self, programme, mailed_on: dict[int, date], today: date) -> PushPlan:
        """E two weeks after the last mail-out (and before today, so the demo sees the approvals),
        D a few days after today."""
        days = {day for application_id, day in mailed_on.items()
                if self.session.get(Application, application_id).programme_id == programme.id}
        plan = PushPlan(programme, decline_by=min(max(days) + timedelta(days=14), today - timedelta(days=3)),
                        pay_by=today + timedelta(days=3), mailing_days=days)
        with replaying_at(datetime.combine(min(days), time(9), JST)):
            push.set_push_dates(session=self.session, actor=self.supervisor, programme=programme,
                                decline_by=plan.decline_by, pay_by=plan.pay_by)
        self.plans.append(plan)
        return plan

    def push_life(self, plan: PushPlan, application_id: int, mailed: date) -> str | None:
        """What this household does with its notice: decline, change, paper, or nothing (None)."""
        roll = self.rng.random()
        answer_by = (plan.decline_by - mailed).days
        if answer_by < 2:
            return None
        for kind, share in (("push_decline", PUSH_DECLINES), ("push_change", PUSH_CHANGES),
                            ("arrive", PUSH_PAPER)):
            if roll < share:
                return kind
            roll -= share
        return None

    def answer_day(self, plan: PushPlan, mailed: date) -> date:
        return mailed + timedelta(days=self.rng.randint(1, max(1, (plan.decline_by - mailed).days - 1)))

    def decline(self, application_id: int) -> None:
        push.decline(session=self.session, household=self._household(application_id))
        self.tally.push_declined += 1

    def change_account(self, application_id: int) -> None:
        household = self._household(application_id)
        answers = self._answers(household, new_account=True)
        push.change_account(session=self.session, household=household, answers=answers,
                            photos={"id_copy": self.photo("本人確認書類"), "bank_book_copy": self.photo("通帳")},
                            data_dir=self.data_dir, limits=self.limits)
        self.tally.push_changed += 1

    def push_routines(self, day: date) -> None:
        """On a mail-out day the supervisor texts the notices; the day after E the job approves."""
        for plan in self.plans:
            if day in plan.mailing_days:
                with replaying_at(datetime.combine(day, time(12), JST)):
                    sent = push.send_push_notices(session=self.session, actor=self.supervisor,
                                                  programme=plan.programme, base_url=self.base_url)
                self.tally.texted += sent.texted
                self.tally.by_letter += len(sent.by_letter)
                self.letters_for_the_rest(plan.programme, day)
            if day == plan.decline_by + timedelta(days=1):
                with replaying_at(datetime.combine(day, time(6), JST)):
                    while approved := push.approve_undecided(session=self.session, actor=Actor.system("push"),
                                                             programme=plan.programme):
                        self.tally.push_approved += approved
                        self.session.commit()

    def letters_for_the_rest(self, programme: Programme, day: date) -> None:
        """The households no SMS reaches get the notice by letter, printed and mailed the same day."""
        with replaying_at(datetime.combine(day, time(13), JST)):
            run = print_push_letters(session=self.session, actor=self.supervisor, programme=programme,
                                     out_root=self.data_dir / "push-letters", base_url=self.base_url)
            if run is not None:
                self.tally.letters_mailed += record_letter_mailing(session=self.session, actor=self.supervisor,
                                                                   run=run, mailed_on=day)

    # --- helpers -----------------------------------------------------------------------------

    def _household(self, application_id: int) -> Household:
        return self.session.get(Household, self.session.get(Application, application_id).household_id)

    def _head(self, household: Household) -> Person:
        return self.session.exec(select(Person).where(Person.household_id == household.id,
                                                      Person.is_head.is_(True))).one()

    def photo(self, title: str) -> bytes:
        """A phone's photo of a document: an off-white sheet with a few lines of print (synthetic)."""
        sheet = numpy.full((900, 1200, 3), 236, dtype=numpy.uint8)
        cv2.rectangle(sheet, (60, 60), (1140, 840), (250, 250, 250), -1)
        for row in range(8):
            width = self.rng.randint(500, 1000)
            cv2.line(sheet, (120, 160 + row * 80), (120 + width, 160 + row * 80), (40, 40, 40), 6)
        cv2.putText(sheet, str(len(title)), (120, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 20, 20), 3)
        return cv2.imencode(".jpg", sheet)[1].tobytes()
