"""Benchmark: personalised pages per second for a whole print run, and peak memory.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/print_pages.py [--households 20000] [--workers 2] [--baseline 300]

It imports synthetic households into a fresh SQLite store, runs the real print run (database
reservations, batch PDFs, manifest) with `--workers` processes, and then a baseline: a
straightforward reportlab loop drawing every page from scratch with a pure-Python QR encoder
(segno), on `--baseline` households. It prints both rates and their ratio, and the peak resident
memory of the parent and of the largest worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from multiprocessing import get_context
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlmodel import Session, select

import secretariat.core.models  # noqa: F401
from mailroom.printing.fonts import register_font
from mailroom.printing.runs import print_programme
from mailroom.printing.samples import synthetic_addressees
from secretariat.core.auth.actor import Actor
from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.core.households.service import import_households
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.core.tenancy.service import create_municipality
from secretariat.migrations import migrate
from templates.loader import default_templates
from templates.schema import Frame, Line, Paragraph, Text, code_boxes


def set_up(households: int, folder: Path) -> None:
    """A store with one programme and its households, imported in chunks (run in its own process,
    so the synthetic data's memory does not count against the print run's)."""
    engine = make_engine(sqlite_url(folder / "bench.db"))
    migrate(engine)
    actor = Actor.system("benchmark")
    factory = HouseholdFactory(seed=1)
    with Session(engine) as session:
        municipality = create_municipality(session=session, actor=actor, code="121002", name="千葉県千葉市")
        programme = create_programme(session=session, actor=actor, municipality=municipality, name="benchmark",
                                     reference_date=date(2026, 12, 1), opens_date=date(2026, 12, 1),
                                     deadline_date=date(2027, 2, 28), amount_per_household_yen=30_000,
                                     form_templates=["cover-letter", "kakuninsho-hikazei"])
        for start in range(1, households + 1, 10_000):
            chunk = factory.households(min(10_000, households - start + 1), start=start)
            import_households(session=session, actor=actor, programme=programme, households=chunk)
            session.commit()


class WorkerMemory:
    """Samples the resident memory of this process's children (the render workers) from /proc."""

    def __init__(self):
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.2):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                except OSError:
                    continue
                if fields.get("PPid", "").strip() == me and "VmRSS" in fields:
                    self.peak_kib = max(self.peak_kib, int(fields["VmRSS"].split()[0]))


def print_run(workers: int, folder: Path) -> tuple[float, int, int]:
    engine = make_engine(sqlite_url(folder / "bench.db"))
    actor = Actor.system("benchmark")
    with Session(engine) as session, WorkerMemory() as memory:
        programme = session.exec(select(Programme)).one()
        started = time.perf_counter()
        run = print_programme(session=session, actor=actor, programme=programme, out_root=folder / "runs",
                              workers=workers)
        return time.perf_counter() - started, run.page_count, memory.peak_kib


def baseline(households: int, folder: Path) -> tuple[float, int]:
    """Every page drawn from scratch, every QR encoded in pure Python and drawn module by module."""
    import segno

    font = register_font()
    pack = [default_templates()["cover-letter"], default_templates()["kakuninsho-hikazei"]]
    people = synthetic_addressees(households)
    started = time.perf_counter()
    canvas = Canvas(str(folder / "baseline.pdf"), pagesize=(210 * mm, 297 * mm))
    pages = 0
    for person in people:
        for template in pack:
            height = template.size_mm[1]
            for page in template.pages:
                canvas.setFont(font, 10.5)
                for item in page.static:
                    if isinstance(item, Text):
                        canvas.drawString(item.at[0] * mm, (height - item.at[1]) * mm, item.text)
                    elif isinstance(item, Paragraph):
                        canvas.drawString(item.box[0] * mm, (height - item.box[1] - 4) * mm, item.text[:60])
                    elif isinstance(item, Frame):
                        x, y, w, h = item.box
                        canvas.rect(x * mm, (height - y - h) * mm, w * mm, h * mm)
                    elif isinstance(item, Line):
                        canvas.line(item.start[0] * mm, (height - item.start[1]) * mm, item.end[0] * mm,
                                    (height - item.end[1]) * mm)
                for field in page.fields:
                    for x, y, w, h in field.boxes():
                        canvas.rect(x * mm, (height - y - h) * mm, w * mm, h * mm)
                for item in page.prefilled:
                    canvas.drawString(item.box[0] * mm, (height - item.box[1] - 5) * mm, person.text_for(item.binding))
                code = segno.make(f"SCT1|F{person.household_id}|{person.household_id}|{page.number}|x", error="m")
                for x, y, w, _h in code_boxes(template.size_mm):
                    module = w / code.symbol_size(border=0)[0]
                    for row, line in enumerate(code.matrix):
                        for column, dark in enumerate(line):
                            if dark:
                                canvas.rect((x + column * module) * mm, (height - y - (row + 1) * module) * mm,
                                            module * mm, module * mm, stroke=0, fill=1)
                canvas.showPage()
                pages += 1
    canvas.save()
    return time.perf_counter() - started, pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, default=300, help="households for the baseline (0: skip)")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="print-bench-"))

    setup = get_context("spawn").Process(target=set_up, args=(arguments.households, folder))
    setup.start()
    setup.join()
    if setup.exitcode:
        raise SystemExit("setting up the benchmark store failed")
    seconds, pages, worker_kib = print_run(arguments.workers, folder)
    parent_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the print run's peak, set-up excluded
    rate = pages / seconds
    print(f"print run: {arguments.households:,} households, {pages:,} pages in {seconds:.1f} s "
          f"with {arguments.workers} workers: {rate:,.0f} pages/s")
    print(f"peak RSS:  parent {parent_mib:,.0f} MiB, largest worker {worker_kib / 1024:,.0f} MiB")
    if arguments.baseline:
        base_seconds, base_pages = baseline(arguments.baseline, folder)
        base_rate = base_pages / base_seconds
        print(f"baseline:  {base_pages:,} pages in {base_seconds:.1f} s, one process: {base_rate:,.0f} pages/s")
        print(f"ratio:     {rate / base_rate:.1f}x the baseline")


if __name__ == "__main__":
    main()
