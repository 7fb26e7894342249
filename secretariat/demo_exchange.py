"""The demo's exchange with its municipalities, for real: an SFTP drop on loopback, each
municipality's target list pushed into it as the municipality's system would export it (CP932,
和暦, half-width kana), one first attempt with mistakes and its report, and at the end the
result files and a Zengin payment file written to their outbox and fetched back over SFTP."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import paramiko
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.drop.accounts import create_drop_account
from exchange.drop.client import pull, push, sftp_session
from exchange.drop.processing import process_dropped_file
from exchange.drop.server import DropServer, host_key_line, load_host_key
from exchange.results.files import cp932_csv
from exchange.results.models import PaymentLine
from exchange.results.payments import (approve_payment_batch, export_payment_batch, import_payment_results,
                                       prepare_payment_batch)
from exchange.results.profiles import set_bank_profile
from exchange.results.status import write_result_files
from exchange.targets.models import TargetFile
from exchange.targets.samples import target_rows
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import User
from secretariat.core.auth.roles import Role
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.households.models import Person
from secretariat.core.tenancy.models import Municipality
from secretariat.core.synthetic import real_branches


@dataclass
class Drop:
    """The running drop and a client key per municipality."""

    server: DropServer
    port: int
    keys: dict[str, Path] = field(default_factory=dict)
    at: datetime | None = None  # when the files now arriving "arrived", on the programme's calendar

    def sftp(self, code: str):
        """The municipality's SFTP session with the drop (a context manager)."""
        return sftp_session(host="127.0.0.1", port=self.port, username=f"lg{code}", key_file=self.keys[code],
                            host_key_line=host_key_line(self.server.host_key))


def open_drop(engine: Engine, directory: Path, municipalities, programmes, actor: Actor) -> Drop:
    """Start the drop on a free loopback port, with an account and a fresh key for each municipality."""
    server = DropServer(engine=engine, drop_root=directory / "drop", host_key=load_host_key(directory / "drop-host-key"))
    drop = Drop(server=server, port=server.start("127.0.0.1", 0))
    server.processor = lambda login, path, name: process_dropped_file(engine, login, path, name, at=drop.at)
    keys = directory / "keys"
    keys.mkdir()
    with Session(engine) as session:
        for municipality, programme in zip(municipalities, programmes):
            private = paramiko.ECDSAKey.generate()
            path = keys / f"lg{municipality.code}"
            private.write_private_key_file(str(path))
            drop.keys[municipality.code] = path
            create_drop_account(session=session, actor=actor, municipality=municipality,
                                username=f"lg{municipality.code}", programme=programme,
                                public_keys=[f"{private.get_name()} {private.get_base64()} demo"])
        session.commit()
    return drop


def push_target_list(drop: Drop, code: str, households: list, folder: Path, at: datetime,
                     with_mistakes: bool) -> list[str]:
    """The municipality sends its list; with_mistakes, a first attempt with typing errors comes back
    with a report and the corrected file follows. Returns the report summaries, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(target_rows(households, messy=True, accounts=True, seed=int(code)))
    attempts = []
    if with_mistakes:
        broken = [list(row) for row in rows]
        broken[3][4] = "令和元年2月30日"   # no such day
        broken[5][7] = "263-99999"        # one digit too many
        broken[8][6] = ""                 # 続柄 left empty
        attempts.append(broken)
    attempts.append(rows)
    summaries = []
    with drop.sftp(code) as sftp:
        for number, attempt in enumerate(attempts, start=1):
            path = folder / f"taishosha-{code}-{number}.csv"
            buffer = io.StringIO(newline="")
            csv.writer(buffer, lineterminator="\r\n").writerows(attempt)
            path.write_bytes(buffer.getvalue().encode("cp932"))
            drop.at = at
            push(sftp, path)
            drop.server.wait_idle()
            report = folder / f"taishosha-{code}-{number}.report.csv"
            with report.open("wb") as handle:
                sftp.getfo(f"outbox/{report.name}", handle)
            summaries.append(list(csv.reader(io.StringIO(report.read_bytes().decode("cp932"))))[1][-1])
    return summaries


def imported_files(session: Session) -> int:
    return len(session.exec(select(TargetFile.id).where(TargetFile.status == "imported")).all())


# Each municipality's paying account as its bank gave it, and what that bank wants of a Zengin
# file: Chiba's bank takes CRLF after every record and zeros in 手形交換所番号, Sakai's takes
# records back to back and spaces. Synthetic codes; real bank and branch numbers.
BANK_PROFILES = {
    "121002": dict(requester_code="1210020001", requester_name="チバシ　キユウフキン", from_bank_code="0134",
                   from_branch_code="076", from_account_number="1234567", record_separator="crlf",
                   clearing_house_fill="zeros"),
    "271403": dict(requester_code="2714030001", requester_name="サカイシ　キユウフキン", from_bank_code="0009",
                   from_branch_code="178", from_account_number="7654321", record_separator="none",
                   clearing_house_fill="spaces"),
}


@dataclass
class Payments:
    batch_lines: int = 0
    total_yen: int = 0
    paid: int = 0
    failed: int = 0
    files: list[Path] = field(default_factory=list)


@dataclass
class WeeklyPayments:
    """The replay's weekly transfers: a batch exported on Wednesday for Friday, its results that Friday."""

    folder: Path
    waiting: dict[int, list[str]] = field(default_factory=dict)  # programme → 世帯番号 of the batch sent
    batches: int = 0
    paid: int = 0

    def send(self, session: Session, programme, day: date) -> None:
        """Wednesday: the supervisor prepares Friday's transfers, the liaison approves and exports them."""
        code = session.get(Municipality, programme.municipality_id).code
        checker = demo_liaison(session, programme)
        set_bank_profile(session=session, actor=checker, programme=programme, **BANK_PROFILES[code])
        prepared = prepare_payment_batch(session=session, actor=demo_actor(session, "supervisor"),
                                         programme=programme, transfer_date=day + timedelta(days=2))
        if prepared.batch is None:
            return
        approve_payment_batch(session=session, actor=checker, batch=prepared.batch)
        export_payment_batch(session=session, actor=checker, batch=prepared.batch, out_dir=self.folder / code)
        self.waiting[programme.id] = list(session.exec(select(PaymentLine.household_number)
                                                       .where(PaymentLine.batch_id == prepared.batch.id)))
        self.batches += 1

    def results(self, session: Session, programme, at: datetime) -> None:
        """Friday evening: the bank's results (every transfer made) come back and are imported."""
        numbers = self.waiting.pop(programme.id, None)
        if not numbers:
            return
        path = self.folder / f"results-{programme.id}-{at:%Y%m%d}.csv"
        path.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], [[number, "振込済", ""] for number in numbers]))
        imported = import_payment_results(session=session, actor=demo_liaison(session, programme),
                                          programme=programme, path=path, at=at)
        self.paid += imported.paid


def pay(engine: Engine, drop: Drop, programme, code: str, folder: Path, today: date, seed: int) -> Payments:
    """Maker-checker payment: the municipality's liaison sets its bank profile once, the
    secretariat's supervisor prepares, the liaison approves, the Zengin file goes to the outbox;
    the municipality's bank results come back through the drop and move each application to
    paid or payment_failed."""
    rng = random.Random(seed)
    outcome = Payments()
    with Session(engine, expire_on_commit=False) as session:
        checker = demo_liaison(session, programme)
        set_bank_profile(session=session, actor=checker, programme=programme, **BANK_PROFILES[code])
        maker = demo_actor(session, "supervisor")
        prepared = prepare_payment_batch(session=session, actor=maker, programme=programme, transfer_date=today)
        if prepared.batch is None:
            session.commit()
            return outcome
        approve_payment_batch(session=session, actor=checker, batch=prepared.batch)
        export_payment_batch(session=session, actor=checker, batch=prepared.batch, out_dir=drop.server.drop_root
                             / code / "outbox")
        outcome.batch_lines, outcome.total_yen = prepared.batch.line_count, prepared.batch.total_yen
        lines = session.exec(select(PaymentLine).where(PaymentLine.batch_id == prepared.batch.id)).all()
        session.commit()
    rows = [[line.household_number, "振込不能" if rng.random() < 0.02 else "振込済", ""] for line in lines]
    for row in rows:
        if row[1] == "振込不能":
            row[2] = rng.choice(["口座なし", "名義相違", "口座解約済"])
    folder.mkdir(parents=True, exist_ok=True)
    result_file = folder / f"payment-result-{code}.csv"
    result_file.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], rows))
    with drop.sftp(code) as sftp:
        drop.at = None  # the bank's results arrive now
        push(sftp, result_file)
        drop.server.wait_idle()
    outcome.failed = sum(row[1] == "振込不能" for row in rows)
    outcome.paid = len(rows) - outcome.failed
    return outcome


def repay_failures(engine: Engine, drop: Drop, programme, code: str, folder: Path, today: date, seed: int) -> int:
    """振込不能 closed through the product: each resident whose transfer failed calls with the right
    account, an agent takes the call, two operators key the account blind, and the applications go
    back to approved; a second batch (prepared, approved by the liaison, exported) pays them, and the
    bank's results come back through the drop. Returns how many were paid the second time."""
    from exchange.results.failures import failure_queue, get_failure, take_corrected_account
    from mailroom.keying.flows import next_task, submit_entry

    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        maker, checker = demo_actor(session, "supervisor"), demo_liaison(session, programme)
        failures = failure_queue(session=session, actor=maker, programme=programme, on=today)
        if not failures:
            return 0
        agent, first, second = demo_actor(session, "agent"), demo_actor(session, "operator"), demo_actor(session, "operator2")
        branches = real_branches()
        for failure in failures:
            line = get_failure(session=session, actor=agent, line_id=failure.line.id)
            take_corrected_account(session=session, actor=agent, line=line, channel="phone")
        while (task := next_task(session=session, actor=first)) is not None:
            head = session.exec(select(Person).where(Person.household_id == task.household_id,
                                                     Person.is_head.is_(True))).one()
            bank, branch = rng.choice(branches)
            values = dict(bank_code=bank, branch_code=branch, account_type="普通",
                          account_number=f"{rng.randint(0, 9_999_999):07d}", account_holder_kana=head.name_kana)
            submit_entry(session=session, actor=first, task=task, raw=values)
            submit_entry(session=session, actor=second, task=task, raw=values)  # agreed: applied, approved again
        prepared = prepare_payment_batch(session=session, actor=maker, programme=programme, transfer_date=today)
        if prepared.batch is None:
            session.commit()
            return 0
        approve_payment_batch(session=session, actor=checker, batch=prepared.batch)
        export_payment_batch(session=session, actor=checker, batch=prepared.batch,
                             out_dir=drop.server.drop_root / code / "outbox")
        lines = session.exec(select(PaymentLine).where(PaymentLine.batch_id == prepared.batch.id)).all()
        session.commit()
    result_file = folder / f"payment-result-{code}-2.csv"
    result_file.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], [[line.household_number, "振込済", ""]
                                                                  for line in lines]))
    with drop.sftp(code) as sftp:
        push(sftp, result_file)
        drop.server.wait_idle()
    return len(lines)


def demo_actor(session: Session, username: str) -> Actor:
    """One of the demo's logins, acting from the demo's address (the audit trail says "demo")."""
    return actor_for(find_user(session=session, username=username), "demo")


def demo_liaison(session: Session, programme) -> Actor:
    """The municipality's own liaison: sets its bank profile and approves its batches."""
    return actor_for(session.exec(select(User).where(User.role == Role.liaison.value,
                                                     User.municipality_id == programme.municipality_id)).one(), "demo")


def results_back(engine: Engine, drop: Drop, programme, code: str, folder: Path, today: date) -> list[Path]:
    """The status file and the lists go to the outbox; the municipality fetches its whole outbox."""
    with Session(engine) as session:
        write_result_files(session=session, actor=Actor.system("demo"), programme=programme,
                           out_dir=drop.server.drop_root / code / "outbox", on=today)
        session.commit()
    with drop.sftp(code) as sftp:
        return pull(sftp, folder)
