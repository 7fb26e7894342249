"""Benchmark: print runs and scanner ingests through the job queue on PostgreSQL with 1, 2 and 4
worker processes, and the queue's own overhead per job.

    scripts/start-postgres   # prints the URL
    .venv/bin/python benchmarks/jobs.py --database-url postgresql://secretariat@127.0.0.1:54329/postgres \
        [--print-households 600] [--batch-size 50] [--folders 4] [--forms 6] [--processes 1 2 4] [--empty-jobs 500]

Print runs: for each worker count, a fresh database with `--print-households` households gets its
run queued with the product's command (`secretariat print run --no-wait`: the run's job, which
reserves the batches and queues one job per batch), then `secretariat worker --processes N`
prints it, run as a service and stopped once the run is complete (not `--burst`: a burst worker
stops the first moment nothing is due, which, while the run's job is still reserving, would leave
the other workers' share to the first). It prints pages per second over the jobs' span and over
the command's wall clock.

For each worker count, a fresh database (set up identically: the same households, printed and
mailed) gets `--folders` scanner folders queued with the product's command
(`secretariat mailroom ingest FOLDER --no-wait --workers 1`: each job checks its pages in its own
process, so the worker processes are what is scaled), then `secretariat worker --processes N`
takes them all (stopped once every ingest job is done). It prints pages per second over the jobs' own span (first start to last
end, from the job rows) and over the worker command's wall clock to the moment the work is
done (which adds starting its processes). The overhead is enqueue + claim + finish of jobs that do nothing, each queued in its
own transaction and run by one worker in this process, in milliseconds per job.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy
import pypdfium2
from sqlalchemy import func, text
from sqlmodel import Session, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailroom.checkin.models import ScannedPage  # noqa: E402
from mailroom.printing.jobs import PRINT_BATCH, PRINT_RUN  # noqa: E402
from mailroom.printing.models import PrintRun  # noqa: E402
from mailroom.printing.runs import print_programme, record_mailing  # noqa: E402
from mailroom.scanning import simulate  # noqa: E402
from secretariat.core.db import make_engine  # noqa: E402
from secretariat.core.jobs.models import Job  # noqa: E402
from secretariat.core.jobs.registry import JobKind, Registry  # noqa: E402
from secretariat.core.jobs.service import enqueue  # noqa: E402
from secretariat.core.jobs.worker import Worker  # noqa: E402
from templates.loader import default_templates  # noqa: E402
from tests.factories import SYSTEM, Factory  # noqa: E402
from tests.stores import PostgresStores  # noqa: E402

SECRETARIAT = str(Path(sys.executable).with_name("secretariat"))
DPI = 200
MAILED_ON, ARRIVED_ON = date(2026, 11, 20), date(2026, 11, 21)


def set_up(database_url: str, households: int, out: Path) -> Path:
    """A programme whose packs are printed and mailed; returns the print run's folder."""
    engine = make_engine(database_url)
    try:
        factory = Factory(engine)
        tenant = factory.tenant(households=households)
        with factory.session() as session:
            programme = session.merge(tenant.programme)
            run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=out)
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
            session.commit()
            return Path(run.directory)
    finally:
        engine.dispose()


def scanner_folders(root: Path, print_run: Path, folders: int, forms: int) -> list[Path]:
    """`folders` scanner folders of `forms` filled forms each (two pages and an ID copy a form)."""
    rng = numpy.random.default_rng(2026)
    template = default_templates()["kakuninsho-hikazei"]
    with open(print_run / "manifest.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    made = []
    for number in range(folders):
        folder = root / f"scanner-{number + 1}"
        folder.mkdir(parents=True)
        names = (folder / f"scan-{n:05d}.jpg" for n in range(1, 10_000))
        for form in rows[number * forms:(number + 1) * forms]:
            plan, feed = simulate.complete_plan(rng, new_account=False), simulate.Feed.random(rng, dpi=DPI)
            document = pypdfium2.PdfDocument(str(print_run / form["file"]))
            try:
                for page in (1, 2):
                    image = document[int(form["first_page"]) - 1 + page].render(scale=DPI / 72,
                                                                                grayscale=True).to_numpy()
                    image = numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)
                    simulate.fill_page(image, template, page, plan, DPI, rng, simulate.Truth())
                    next(names).write_bytes(simulate.to_jpeg(simulate.scan(image, feed, DPI, rng), feed.quality))
            finally:
                document.close()
            copy = numpy.full((1150, 800), 238, numpy.uint8)
            copy[200:650, 100:700] = rng.integers(90, 160)
            next(names).write_bytes(simulate.to_jpeg(
                numpy.clip(copy + rng.normal(0, 4, copy.shape), 0, 255).astype(numpy.uint8), 80))
        made.append(folder)
    return made


def command_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARIAT_")}
    return env | {"SECRETARIAT_DATABASE_URL": database_url, "SECRETARIAT_DATA_DIR": str(data_dir)}


def ingest_with_workers(stores: PostgresStores, work: Path, folders: list[Path], households: int,
                        processes: int) -> tuple[int, float, float]:
    """(pages filed, seconds from the first job's start to the last one's end, worker command's seconds)."""
    url, data_dir = stores.create(), work / f"workers-{processes}"
    try:
        set_up(url, households, data_dir / "print")
        env = command_env(url, data_dir)
        for folder in folders:
            subprocess.run([SECRETARIAT, "mailroom", "ingest", str(folder), "--arrived", ARRIVED_ON.isoformat(),
                            "--no-wait", "--workers", "1"], env=env, check=True, capture_output=True)
        wall = run_workers(env, processes, "SELECT count(*) = 0 FROM job WHERE kind = 'mailroom.ingest' "
                                           "AND state NOT IN ('done', 'failed')")
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                jobs = session.exec(select(Job).where(Job.kind == "mailroom.ingest")).all()
                if any(job.state != "done" for job in jobs):
                    raise SystemExit(f"not every ingest finished: {[(job.id, job.state, job.last_error) for job in jobs]}")
                pages = session.exec(select(func.count()).select_from(ScannedPage)).one()
        finally:
            engine.dispose()
        return pages, span_of(jobs), wall
    finally:
        stores.drop(url)


def run_workers(env: dict[str, str], processes: int, finished: str) -> float:
    """`secretariat worker --processes N` as a deployment runs it (a service, not `--burst`: a burst
    worker stops at the first moment nothing is due, and a print run's batches are queued while its
    first job reserves them), stopped with SIGTERM once `finished` (SQL, true when the work is
    done) holds; its wall-clock seconds to that moment."""
    engine = make_engine(env["SECRETARIAT_DATABASE_URL"])
    started = time.perf_counter()
    workers = subprocess.Popen([SECRETARIAT, "worker", "--processes", str(processes), "--poll-seconds", "0.1"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while workers.poll() is None:
            with engine.connect() as connection:
                if connection.execute(text(finished)).scalar():
                    break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if workers.poll() is not None:
            raise SystemExit(f"secretariat worker ended early (exit status {workers.returncode})")
    finally:
        workers.send_signal(signal.SIGTERM)
        workers.wait(timeout=60)
        engine.dispose()
    return wall


def span_of(jobs: list[Job]) -> float:
    """Seconds from the first job's start to the last one's end."""
    return (max(job.finished_at for job in jobs) - min(job.started_at for job in jobs)).total_seconds()


def print_with_workers(stores: PostgresStores, work: Path, households: int, batch_size: int,
                       processes: int) -> tuple[int, float, float]:
    """(pages printed, seconds from the first job's start to the last one's end, worker command's seconds)."""
    url, data_dir = stores.create(), work / f"print-workers-{processes}"
    try:
        engine = make_engine(url)
        try:
            programme = Factory(engine).tenant(households=households).programme.id
        finally:
            engine.dispose()
        env = command_env(url, data_dir)
        subprocess.run([SECRETARIAT, "print", "run", "--programme", str(programme), "--batch-size", str(batch_size),
                        "--no-wait"], env=env, check=True, capture_output=True)
        wall = run_workers(env, processes, "SELECT count(*) = 1 FROM mailroom_print_run WHERE completed_at IS NOT NULL")
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                jobs = session.exec(select(Job).where(Job.kind.in_((PRINT_RUN, PRINT_BATCH)))).all()
                run = session.exec(select(PrintRun)).one()
            if run.completed_at is None or any(job.state != "done" for job in jobs):
                raise SystemExit(f"the print run did not finish: {[(job.key, job.state, job.last_error) for job in jobs]}")
        finally:
            engine.dispose()
        return run.page_count, span_of(jobs), wall
    finally:
        stores.drop(url)


def queue_overhead(stores: PostgresStores, jobs: int) -> tuple[float, float]:
    """(ms per job to enqueue, ms per job to claim, run and finish) for jobs that do nothing."""
    url = stores.create()
    engine = make_engine(url)
    try:
        registry = Registry([JobKind("benchmark.empty", lambda context: None, "空のジョブ")])
        started = time.perf_counter()
        for number in range(jobs):
            with Session(engine) as session:
                enqueue(session, "benchmark.empty", f"empty-{number}")
                session.commit()
        queued = time.perf_counter()
        Worker(engine, registry, poll_s=0.01).run(burst=True)
        ran = time.perf_counter()
        with Session(engine) as session:
            done = session.exec(select(func.count()).select_from(Job).where(Job.state == "done")).one()
        if done != jobs:
            raise SystemExit(f"{done} of {jobs} empty jobs done")
        return (queued - started) * 1000 / jobs, (ran - queued) * 1000 / jobs
    finally:
        engine.dispose()
        stores.drop(url)


def report(processes: int, pages: int, span: float, wall: float, first: float | None) -> float:
    """Print one worker count's rates; returns the rate of the first count (what the others compare with)."""
    rate = pages / span
    first = first or rate
    print(f"{processes} worker process(es): {pages} pages, {rate:6.1f} pages/s over the jobs "
          f"({span:.1f} s; ×{rate / first:.2f}), {pages / wall:6.1f} pages/s over the command ({wall:.1f} s)")
    return first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True, help="PostgreSQL, as scripts/start-postgres prints it")
    parser.add_argument("--print-households", type=int, default=600, help="households of the print run")
    parser.add_argument("--batch-size", type=int, default=50, help="households per batch (per job) of the print run")
    parser.add_argument("--folders", type=int, default=4, help="scanner folders (jobs) per worker count")
    parser.add_argument("--forms", type=int, default=6, help="forms per folder (three pages each)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--empty-jobs", type=int, default=500)
    arguments = parser.parse_args()
    households = arguments.folders * arguments.forms
    stores = PostgresStores(arguments.database_url)
    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    try:
        print(f"print run of {arguments.print_households} households in batches of {arguments.batch_size}, "
              f"{os.cpu_count()} cores")
        first = None
        for processes in arguments.processes:
            pages, span, wall = print_with_workers(stores, work, arguments.print_households, arguments.batch_size,
                                                   processes)
            first = report(processes, pages, span, wall, first)
        url = stores.create()
        try:
            folders = scanner_folders(work / "scans", set_up(url, households, work / "printed"), arguments.folders,
                                      arguments.forms)
        finally:
            stores.drop(url)
        print(f"{arguments.folders} scanner folders of {arguments.forms} forms, {os.cpu_count()} cores")
        first = None
        for processes in arguments.processes:
            pages, span, wall = ingest_with_workers(stores, work, folders, households, processes)
            first = report(processes, pages, span, wall, first)
        enqueue_ms, run_ms = queue_overhead(stores, arguments.empty_jobs)
        print(f"queue overhead: {enqueue_ms + run_ms:.2f} ms per empty job "
              f"(enqueue {enqueue_ms:.2f} ms, claim + run + finish {run_ms:.2f} ms; {arguments.empty_jobs} jobs)")
    finally:
        stores.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
