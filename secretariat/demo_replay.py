"""The demo's weeks between mail-out and today, replayed day by day through the product's flows.

Each mailed household is given a plausible life (an envelope back undelivered, a decline by phone,
a reply in the first fortnight or later or never, a form with something missing that goes back and
returns corrected, a new bank account written on it). Every step then happens the way staff would
make it, on its day (`clock.replaying_at`): the operator checks the envelope in at the station and
judges the paper by hand, the supervisor prints return letters on Mondays and Thursdays, two
operators key new accounts blind every evening, the supervisor proposes a decision list every
Monday and the municipality's liaison approves it, the agent records a decline from a call.
The demo never moves an application itself: the flows do, and own each step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, select

from callcenter.inquiries.service import log_inquiry, record_decline
from exchange.decisions.flows import approve_decision_list, propose_decision_list, ready_for_decision
from mailroom.checkin.by_hand import check_by_hand, receipt_for_code
from mailroom.checkin.returns import print_return_letters
from mailroom.checkin.service import check_in_code, record_undeliverable
from mailroom.keying.flows import DISPUTED, WAITING_SECOND, next_task, submit_entry, verify
from mailroom.keying.models import KeyingEntry
from mailroom.printing.models import IssuedForm
from mailroom.printing.page_code import PageCode
from online import push
from secretariat.core.applications.models import Application
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import JST, replaying_at, utcnow
from secretariat.core.households.models import Household, Person
from secretariat.core.synthetic import real_branches
from secretariat.demo_exchange import WeeklyPayments, demo_actor, demo_liaison
from secretariat.demo_online import FORGETS_A_PHOTO, ONLINE_SHARE, Residents
from templates.loader import default_templates

FORM = "kakuninsho-hikazei"
COVER = "cover-letter"
RETURN_DAYS = (0, 3)  # Monday and Thursday: the return letters go out twice a week
DECISION_DAY = 0  # Monday: the week's decision list
TRANSFER_SENT, TRANSFER_DAY = 2, 4  # Wednesday: the Zengin file for Friday's transfers


@dataclass
class Tally:
    """What the replay did, for the demo's summary."""

    undeliverable: int = 0
    declined: int = 0
    received: int = 0
    returned: int = 0
    complete: int = 0
    approved: int = 0
    keyed: int = 0
    decision_lists: int = 0

    def stages(self) -> list[tuple[str, int, str]]:
        return [
            ("宛所不明", self.undeliverable, "郵便局から戻った封筒を、窓から見えるコードで受付"),
            ("辞退", self.declined, "電話で受けた辞退をコールセンターが記録"),
            ("受付", self.received, "受付端末で受け付けた申請書（訂正して再提出されたものを含む）"),
            ("返戻", self.returned, "不備のある申請書。返戻通知は月曜と木曜に印刷"),
            ("審査完了", self.complete, "オペレーターが審査完了と判定した申請書"),
            ("申請データ入力", self.keyed, "新しい口座を毎晩2人のオペレーターが互いに見ずに入力し、"
                                         "相違はスーパーバイザーが確定"),
            ("支給決定", self.approved, f"毎週の支給決定リスト {self.decision_lists} 件（スーパーバイザーが作成し、"
                                      "自治体担当者が承認）"),
        ]

    @staticmethod
    def payment_stage(payments: WeeklyPayments) -> tuple[str, int, str]:
        return ("毎週の振込", payments.paid,
                f"毎週の振込データ {payments.batches} 回で支給: 水曜に全銀ファイルを送付（スーパーバイザーが作成し、"
                "自治体担当者が承認）、金曜に銀行の結果を受領")


@dataclass(order=True)
class Event:
    """One thing that happens to one application at one moment."""

    at: datetime
    order: int
    kind: str = field(compare=False)
    application_id: int = field(compare=False)
    ticked: frozenset[str] = field(default=frozenset(), compare=False)
    attachments: int = field(default=0, compare=False)
    new_account: bool = field(default=False, compare=False)
    forgets: bool = field(default=False, compare=False)


class Replay:
    """The staff of the demo, and the steps they take."""

    def __init__(self, session: Session, programmes: list, directory: Path, rng: random.Random,
                 base_url: str = "http://127.0.0.1:8000"):
        self.session, self.programmes, self.directory, self.rng = session, programmes, directory, rng
        self.operator, self.second, self.supervisor, self.agent = (
            self.staff(name) for name in ("operator", "operator2", "supervisor", "agent"))
        self.liaisons = {p.id: demo_liaison(session, p) for p in programmes}
        self.branches = real_branches()
        self.residents = Residents(session, directory, base_url, self.supervisor, rng, self.branches)
        self.programme_of = {}
        self.payments = WeeklyPayments(directory / "weekly-transfers")
        self.tally = Tally()
        self._order = 0

    def staff(self, username: str) -> Actor:
        return demo_actor(self.session, username)

    # --- the lives -------------------------------------------------------------------------

    def lives(self, mailed_on: dict[int, date], today: date) -> list[Event]:
        """Every application's events up to now, planned with the demo's seed."""
        now = utcnow().astimezone(JST)
        self.programme_of = dict(self.session.exec(select(Application.id, Application.programme_id)
                                                   .where(Application.id.in_(list(mailed_on)))).all())
        plans = {p.id: self.residents.plan_push(p, mailed_on, today) for p in self.programmes if push.is_push(p)}
        events: list[Event] = []
        for application_id, mailed in sorted(mailed_on.items()):
            plan = plans.get(self.programme_of[application_id])
            life = self._push_life(plan, application_id, mailed) if plan else self._life(application_id, mailed, today)
            events += [e for e in life if e.at <= now]
        return sorted(events)

    def _push_life(self, plan, application_id: int, mailed: date) -> list[Event]:
        """A push household mostly lets its notice stand; a few answer from the link or on paper."""
        kind = self.residents.push_life(plan, application_id, mailed)
        if kind is None:
            return []
        at = self._moment(self.residents.answer_day(plan, mailed), 8, 21)
        if kind != "arrive":
            return [self._event(kind, at, application_id)]
        ticked, attachments = self._filled_in(new_account=True)
        return [self._event("arrive", at, application_id),
                self._event("judge", self._moment(at.date() + timedelta(days=1), 13, 16), application_id,
                            ticked=ticked, attachments=attachments)]

    def _moment(self, day: date, first_hour: int, last_hour: int) -> datetime:
        return datetime.combine(day, time(self.rng.randint(first_hour, last_hour), self.rng.randint(0, 59)), JST)

    def _event(self, kind: str, at: datetime, application_id: int, **extra) -> Event:
        self._order += 1
        return Event(at, self._order, kind, application_id, **extra)

    def _life(self, application_id: int, mailed: date, today: date) -> list[Event]:
        rng = self.rng
        if rng.random() < 0.025:
            return [self._event("undeliverable", self._moment(mailed + timedelta(days=rng.randint(3, 8)), 9, 11),
                                application_id)]
        if rng.random() < 0.02:
            return [self._event("decline", self._moment(mailed + timedelta(days=rng.randint(2, 20)), 9, 17),
                                application_id)]
        # Replies bunch up in the first fortnight after mailing and thin out after (the busy curve).
        reply_after = int(rng.expovariate(1 / 9)) + 2
        if rng.random() > 0.85 or mailed + timedelta(days=reply_after) > today:
            return []
        household = self.session.get(Household, self.session.get(Application, application_id).household_id)
        new_account = household.bank_code is None or rng.random() < 0.3
        arrived = mailed + timedelta(days=reply_after)
        checked = arrived + timedelta(days=rng.randint(0, 2))
        programme = next(p for p in self.programmes if p.id == self.programme_of.get(application_id))
        if "web" in programme.channels and rng.random() < ONLINE_SHARE:
            forgets = rng.random() < FORGETS_A_PHOTO
            applied = max(mailed + timedelta(days=1), arrived - timedelta(days=2))  # no post on the way
            events = [self._event("online", self._moment(applied, 7, 23), application_id, new_account=new_account,
                                  forgets=forgets)]
            if forgets:
                events.append(self._event("online_fix", self._moment(applied + timedelta(days=1), 7, 23),
                                          application_id, new_account=new_account))
            return events
        events = [self._event("arrive", self._moment(arrived, 9, 11), application_id)]
        if rng.random() < 0.12:
            ticked, attachments = self._filled_in(new_account, missing=rng.choice(["signature", "phone", "id_copy"]))
            events.append(self._event("judge", self._moment(checked, 13, 16), application_id, ticked=ticked,
                                      attachments=attachments))
            back = checked + timedelta(days=rng.randint(8, 18))  # after Monday's or Thursday's return letter
            if rng.random() > 0.7:
                return events
            events.append(self._event("arrive", self._moment(back, 9, 11), application_id))
            checked = back + timedelta(days=1)
        ticked, attachments = self._filled_in(new_account)
        events.append(self._event("judge", self._moment(checked, 13, 16), application_id, ticked=ticked,
                                  attachments=attachments))
        return events

    @staticmethod
    def _filled_in(new_account: bool, missing: str = "") -> tuple[frozenset[str], int]:
        """The boxes a resident filled in, and the pages they enclosed; `missing` one left out."""
        ticked = {"confirm_tax_exempt", "confirm_not_dependent", "receive", "phone", "signed_date", "signature",
                  "attach_id", "account_choice=" + ("new" if new_account else "on_file")}
        attachments = 1
        if new_account:
            ticked |= {"bank_name", "branch_name", "account_type=ordinary", "account_number", "account_holder_kana",
                       "attach_bank"}
            attachments += 1
        if missing == "id_copy":
            attachments -= 1
        ticked.discard(missing)
        return frozenset(ticked), attachments

    # --- playing them ----------------------------------------------------------------------

    def play(self, events: list[Event], first_day: date, today: date, advance=lambda: None) -> Tally:
        """Play the events in order, with each day's office routines after its last event."""
        pending = iter(events)
        upcoming = next(pending, None)
        day = first_day
        while day <= today:
            while upcoming is not None and upcoming.at.date() == day:
                with replaying_at(upcoming.at):
                    getattr(self, f"_{upcoming.kind}")(upcoming)
                advance()
                upcoming = next(pending, None)
            self.residents.push_routines(day)
            if day < today:
                self.office_routines(day)
            self.session.commit()
            day += timedelta(days=1)
        return self.tally

    def office_routines(self, day: date) -> None:
        """The evening's keying, the return letters on their days, Monday's decision lists."""
        if day.weekday() == DECISION_DAY:
            with replaying_at(datetime.combine(day, time(10), JST)):
                for programme in self.programmes:
                    self.decide(programme)
        with replaying_at(datetime.combine(day, time(17, 30), JST)):
            if day.weekday() in RETURN_DAYS:
                for programme in self.programmes:
                    batch = print_return_letters(session=self.session, actor=self.supervisor, programme=programme,
                                                 out_root=self.directory / "returns")
                    self.tally.returned += batch.letter_count if batch else 0
        with replaying_at(datetime.combine(day, time(18), JST)):
            self.key_open_tasks()
        self.weekly_payments(day)

    def weekly_payments(self, day: date) -> None:
        """Wednesday's transfer file for Friday; Friday evening the bank's results."""
        for programme in self.programmes:
            if day.weekday() == TRANSFER_SENT:
                with replaying_at(datetime.combine(day, time(11), JST)):
                    self.payments.send(self.session, programme, day)
            elif day.weekday() == TRANSFER_DAY:
                moment = datetime.combine(day, time(17), JST)
                with replaying_at(moment):
                    self.payments.results(self.session, programme, moment)

    def _code(self, application_id: int, template: str) -> str:
        household_id = self.session.get(Application, application_id).household_id
        form_id = self.session.exec(select(IssuedForm.form_id).where(IssuedForm.household_id == household_id,
                                                                      IssuedForm.voided_at.is_(None))).one()
        return PageCode(form_id=form_id, household_id=household_id, page=1,
                        template=default_templates()[template].key).text

    def _undeliverable(self, event: Event) -> None:
        record_undeliverable(session=self.session, actor=self.operator, code=self._code(event.application_id, COVER),
                             returned_on=event.at.date())
        self.tally.undeliverable += 1

    def _decline(self, event: Event) -> None:
        application = self.session.get(Application, event.application_id)
        programme = next(p for p in self.programmes if p.id == application.programme_id)
        inquiry = log_inquiry(session=self.session, actor=self.agent, programme=programme,
                              household=self.session.get(Household, application.household_id), category="decline",
                              text="受け取らないとの申出")
        record_decline(session=self.session, actor=self.agent, inquiry=inquiry)
        self.tally.declined += 1

    def _online(self, event: Event) -> None:
        self.residents.apply(event.application_id, new_account=event.new_account, forget_a_photo=event.forgets)

    def _online_fix(self, event: Event) -> None:
        self.residents.fix(event.application_id, new_account=event.new_account)

    def _push_decline(self, event: Event) -> None:
        self.residents.decline(event.application_id)

    def _push_change(self, event: Event) -> None:
        self.residents.change_account(event.application_id)

    def _arrive(self, event: Event) -> None:
        arrival = check_in_code(session=self.session, actor=self.operator, code=self._code(event.application_id, FORM),
                                arrived_on=event.at.date())
        self.tally.received += arrival.new

    def _judge(self, event: Event) -> None:
        receipt = receipt_for_code(session=self.session, actor=self.operator,
                                   code=self._code(event.application_id, FORM))
        verdict = check_by_hand(session=self.session, actor=self.operator, receipt=receipt, ticked=event.ticked,
                                attachment_pages=event.attachments)
        self.tally.complete += verdict.outcome.value == "complete"

    def key_open_tasks(self, slip_every: int = 0) -> int:
        """Every task in the keying queue keyed by the first operator, then blind by the second;
        with `slip_every`, every so often the second slips on the last digit and a supervisor settles it."""
        keyed: dict[int, dict[str, str]] = {}
        while (task := next_task(session=self.session, actor=self.operator)) is not None and task.id not in keyed:
            if task.status == WAITING_SECOND:  # applied online: the resident's entry is the first, the operator
                submit_entry(session=self.session, actor=self.operator, task=task,  # keys the bank book's photo
                             raw=self._first_entry(task.id))
                continue
            head = self.session.exec(select(Person).where(Person.household_id == task.household_id,
                                                          Person.is_head.is_(True))).one()
            bank, branch = self.rng.choice(self.branches)
            keyed[task.id] = dict(bank_code=bank, branch_code=branch, account_type="普通",
                                  account_number=f"{self.rng.randint(0, 9_999_999):07d}",
                                  account_holder_kana=head.name_kana, phone="")
            submit_entry(session=self.session, actor=self.operator, task=task, raw=keyed[task.id])
        for index, _task_id in enumerate(keyed):
            task = next_task(session=self.session, actor=self.second)
            values = dict(keyed[task.id])
            if slip_every and index % slip_every == 1:
                digits = values["account_number"]
                values["account_number"] = digits[:-1] + str((int(digits[-1]) + 1) % 10)
            task = submit_entry(session=self.session, actor=self.second, task=task, raw=values)
            if task.status == DISPUTED:
                verify(session=self.session, actor=self.supervisor, task=task, choice="first")
        self.tally.keyed += len(keyed)
        return len(keyed)

    def _first_entry(self, task_id: int) -> dict[str, str]:
        entry = self.session.exec(select(KeyingEntry).where(KeyingEntry.task_id == task_id,
                                                            KeyingEntry.round == 1)).one()
        return dict(bank_code=entry.bank_code, branch_code=entry.branch_code, account_type=entry.account_type,
                    account_number=entry.account_number, account_holder_kana=entry.account_holder_kana,
                    phone=entry.phone)

    def decide(self, programme):
        """The supervisor proposes every complete, keyed form; the municipality's liaison approves."""
        if not ready_for_decision(self.session, programme):
            return None
        decision = propose_decision_list(session=self.session, actor=self.supervisor, programme=programme,
                                         out_root=self.directory / "decisions")
        self.tally.approved += approve_decision_list(session=self.session, actor=self.liaisons[programme.id],
                                                     decision=decision)
        self.tally.decision_lists += 1
        return decision
