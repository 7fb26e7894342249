"""Benchmark: a municipality's target list as its system exports it (CP932 CSV, 和暦 dates,
half-width kana), validated and imported into the embedded SQLite store.

    .venv/bin/python benchmarks/import_targets.py [--persons 1000000] [--file PATH] [--database-url URL]

The target is a million persons in under 60 seconds with peak memory under 1 GB. The file is
written first by a child process (its time and memory are not counted, and it is kept for
reruns); the import runs in this process, so its peak RSS is the import's own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

import exchange.models  # noqa: F401
import secretariat.core.models  # noqa: F401
from exchange.targets.service import import_target_file
from secretariat.core.auth.actor import Actor
from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.core.households.models import Person
from secretariat.core.programmes.service import create_programme
from secretariat.core.tenancy.service import create_municipality
from secretariat.migrations import migrate


def write_file(path: Path, persons: int) -> None:
    """Stream synthetic households into a messy CP932 target list until `persons` persons are written."""
    import csv

    from exchange.targets.samples import target_rows
    from secretariat.core.synthetic import HouseholdFactory

    factory = HouseholdFactory(seed=1)
    written = 0

    def households():
        nonlocal written
        number = 1
        while written < persons:
            household = factory.household(number)
            household.persons[:] = household.persons[:persons - written]
            written += len(household.persons)
            number += 1
            yield household

    with path.open("w", encoding="cp932", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(target_rows(households(), messy=True, accounts=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=None, help="default: a cached file under the temp dir")
    parser.add_argument("--database-url", default=None, help="an empty database; default: a temporary SQLite file")
    arguments = parser.parse_args()
    path = arguments.file or Path(tempfile.gettempdir()) / f"secretariat-targets-{arguments.persons}.csv"
    if not path.exists():
        started = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=write_file, args=(path, arguments.persons))
        child.start()
        child.join()
        print(f"wrote {path} in {time.perf_counter() - started:.1f} s (not counted)")
    print(f"file: {path.stat().st_size / 2**20:,.0f} MiB")

    url = arguments.database_url or sqlite_url(Path(tempfile.mkdtemp()) / "bench.db")
    engine = make_engine(url)
    migrate(engine)
    actor = Actor.system("benchmark")
    with Session(engine, expire_on_commit=False) as session:
        municipality = create_municipality(session=session, actor=actor, code="121002", name="千葉県千葉市")
        programme = create_programme(session=session, actor=actor, municipality=municipality, name="benchmark",
                                     reference_date=date(2026, 12, 1), opens_date=date(2026, 12, 1),
                                     deadline_date=date(2027, 2, 28), amount_per_household_yen=30_000)
        session.commit()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        record, listing = import_target_file(session=session, actor=actor, programme=programme, path=path,
                                             source="cli")
        validated = time.perf_counter() - started
        session.commit()
        elapsed = time.perf_counter() - started
        persons = session.exec(select(func.count()).select_from(Person)).one()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {engine.dialect.name}; file {record.status}: {listing.rows:,} rows, "
          f"{len(listing.households):,} households, {persons:,} persons stored, {listing.error_count} errors")
    print(f"validated and imported in {elapsed:.1f} s ({listing.rows / elapsed:,.0f} rows/s; "
          f"validation and insert until commit {validated:.1f} s)")
    print(f"peak RSS {peak:,.0f} MiB (before the import: {before:,.0f} MiB); targets: < 60 s, < 1024 MiB")


if __name__ == "__main__":
    main()
