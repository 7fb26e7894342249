"""`secretariat exchange import` killed with SIGKILL at five points of its work, then run again.

An import is one transaction: wherever the kill lands, the store holds nothing of the list, and
the re-run imports all of it. Afterwards the store must hold exactly what an import that was never
killed holds: the same households, persons, applications and their first events, and one imported
file. Rows are compared by content on the municipality's own keys (世帯番号, 宛名番号), not by id:
on PostgreSQL a killed transaction has used sequence values, so ids after a kill legitimately differ.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from exchange.targets.models import TargetFile
from exchange.targets.samples import write_target_csv
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.db import make_engine
from secretariat.core.households.models import Household, Person
from secretariat.core.synthetic import HouseholdFactory
from tests.factories import Factory
from tests.faults.harness import digest, reference_then_kills, run_once, session_on, store_probe

SEED = 2026
HOUSEHOLDS = 600  # about 1,200 persons: the insert takes a tenth of a second of the command's CPU, enough to aim at


def set_up(database_url: str) -> int:
    """A municipality and its programme with no targets yet; returns the programme's id."""
    engine = make_engine(database_url)
    try:
        return Factory(engine).tenant(households=0).programme.id
    finally:
        engine.dispose()


def held(database_url: str) -> dict:
    """The programme's targets as the store holds them, comparable between stores."""
    with session_on(database_url) as session:
        number = dict(session.exec(select(Household.id, Household.household_number)).all())
        households = session.exec(select(
            Household.household_number, Household.postal_code, Household.address, Household.address_extra,
            Household.phone, Household.bank_code, Household.branch_code, Household.account_type,
            Household.account_number, Household.account_holder_kana)).all()
        persons = [(number[household], *rest) for household, *rest in session.exec(select(
            Person.household_id, Person.resident_number, Person.name, Person.name_kana, Person.birth_date,
            Person.sex, Person.relationship, Person.is_head)).all()]
        applications = [(number[household], status, amount) for household, status, amount in session.exec(
            select(Application.household_id, Application.status, Application.amount_yen)).all()]
        events = [(number[household], *rest) for household, *rest in session.exec(
            select(Application.household_id, ApplicationEvent.from_status, ApplicationEvent.to_status,
                   ApplicationEvent.actor, ApplicationEvent.reason)
            .join(Application, Application.id == ApplicationEvent.application_id)).all()]
        files = session.exec(select(TargetFile.name, TargetFile.sha256, TargetFile.kind, TargetFile.status,
                                    TargetFile.rows, TargetFile.households, TargetFile.persons,
                                    TargetFile.error_count, TargetFile.warning_count)).all()
    return {"households": len(households), "persons": len(persons),
            "applications by status": dict(Counter(status for _, status, _ in applications)),
            "application events": len(events), "target files": sorted(tuple(row) for row in files),
            "household rows": digest(households), "person rows": digest(persons),
            "application rows": digest(applications), "event rows": digest(events)}


def left_by(database_url: str) -> dict:
    with session_on(database_url) as session:
        return {"households": len(session.exec(select(Household.id)).all()),
                "target files": len(session.exec(select(TargetFile.id)).all())}


@pytest.fixture(scope="module")
def runs(warm_cli, module_stores, tmp_path_factory):
    """The reference import, then one import killed and re-run per kill point, each on a fresh store."""
    folder = tmp_path_factory.mktemp("kill-import")
    target_list = write_target_csv(folder / "taisho.csv", HouseholdFactory(seed=SEED).households(HOUSEHOLDS))

    def run(name, point, timeline):
        url, data_dir = module_stores(), folder / name
        programme = set_up(url)
        data_dir.mkdir()
        start = warm_cli.starter(["exchange", "import", target_list, "--programme", programme], url, data_dir)
        with store_probe(url) as store:
            def progress() -> int:  # 1: the import's transaction has written rows; 2: it has committed
                return 2 if store.rows("exchange_target_file") else int(store.writing())

            return run_once(start, progress, point, timeline, left=lambda: left_by(url), after=lambda: held(url))

    return reference_then_kills("import", SEED, run)


def test_every_kill_landed_while_the_import_ran_and_left_nothing_of_the_list(runs):
    reference, *killed = runs
    assert [(run.kill.landed, run.kill.ended.killed) for run in killed] == [(True, True)] * len(killed)
    assert [run.left for run in killed] == [{"households": 0, "target files": 0}] * len(killed)


def test_kills_landed_while_the_list_was_checked_and_while_it_was_written(runs):
    reference, *killed = runs
    assert {run.kill.progress for run in killed} == {0, 1}  # 1: the import's transaction had written rows


def test_a_rerun_after_a_kill_holds_what_an_import_never_killed_holds(runs):
    reference, *killed = runs
    assert reference.after["households"] == HOUSEHOLDS
    assert [file[3] for file in reference.after["target files"]] == ["imported"]  # its status
    for run in killed:
        assert run.ended.returncode == 0, run.ended.log
        assert run.after == reference.after, f"after a kill at {run.kill.point}"
