"""Benchmark: importing a municipality's target list (households, persons, applications, events).

    .venv/bin/python benchmarks/import_households.py [--households 100000] [--database-url URL]

Prints rows per second and peak memory. Generation of the synthetic households is timed apart
from the import itself, which is what the figure is about.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

import secretariat.core.models  # noqa: F401
from secretariat.core.auth.actor import Actor
from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.migrations import migrate
from secretariat.core.households.models import Person
from secretariat.core.households.service import import_households
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.core.tenancy.service import create_municipality


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty database; default: a temporary SQLite file")
    arguments = parser.parse_args()
    url = arguments.database_url or sqlite_url(Path(tempfile.mkdtemp()) / "bench.db")
    engine = make_engine(url)
    migrate(engine)
    actor = Actor.system("benchmark")

    started = time.perf_counter()
    households = HouseholdFactory(seed=1).households(arguments.households)
    generated = time.perf_counter() - started

    with Session(engine) as session:
        municipality = create_municipality(session=session, actor=actor, code="121002", name="千葉県千葉市")
        programme = create_programme(session=session, actor=actor, municipality=municipality, name="benchmark",
                                     reference_date=date(2026, 12, 1), opens_date=date(2026, 12, 1),
                                     deadline_date=date(2027, 2, 28), amount_per_household_yen=30_000)
        session.commit()
        started = time.perf_counter()
        result = import_households(session=session, actor=actor, programme=programme, households=households)
        session.commit()
        elapsed = time.perf_counter() - started
        persons = session.exec(select(func.count()).select_from(Person)).one()

    rows = result.households * 3 + result.persons  # household, application, event per household; one row a person
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {engine.dialect.name}")
    print(f"generated {arguments.households:,} synthetic households in {generated:.1f} s (not counted)")
    print(f"imported {result.households:,} households / {persons:,} persons / {result.applications:,} applications "
          f"in {elapsed:.1f} s")
    print(f"{result.persons / elapsed:,.0f} persons/s, {rows / elapsed:,.0f} rows/s; peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
