"""Benchmark: `secretariat mailroom check` and `mailroom ingest`, run as an operator runs them, on
generated scanner output: pages per second including start-up, and what the check got right.

    .venv/bin/python benchmarks/scan_check.py [--forms 150] [--runs 3] [--workers N] [--seed 1] [--keep DIR [--reuse]]
        [--feeds mixed] [--commands check]

Set-up (not timed): a fresh SQLite store with a programme of `--forms` households, printed and
mailed by the print room. Each form comes back filled by an imaginary resident (three in four
completely, one in four with one required field left blank, ticks, crosses, circles, blacked-out
boxes, handwriting, digits, faint pencil and red seals), with an ID copy (and a bank-book copy for a
new account) after it, fed through an imaginary sheet feeder set to the paper's size
(`simulate.Feed.feeder`: skew up to ±4°, shift up to ±4 mm, so corners and their marks are cut off
by the image's edge, one sheet in ten upside down, blur, noise, fade) twice:

- "300-dpi JPEG": every page at 300 dpi, JPEG quality 60–90;
- "mixed": 200 and 300 dpi, JPEG and PNG.

Then, per feed, `--runs` times each, as subprocesses timed from launch to exit (Python's start-up,
the imports and the worker pool included): `secretariat mailroom check --json FILE…`, and
`secretariat mailroom ingest FOLDER` on a fresh copy of the store. It prints the best and the median
pages per second, and the CPU time a page took (the command and its workers: what a machine shared
with other work stretches least), and from the first runs: the pages identified; per field kind the
fields right, left to an operator (uncertain), false passes (a blank field judged filled: the
costly mistake) and false deficiencies; and from the store after the ingest, the forms' outcomes:
complete forms passed with no human touch, forms with a blank required field that passed (must be
none), pages in the exceptions queue.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy
import pypdfium2
from sqlmodel import Session, select

import secretariat.core.models  # noqa: F401
from mailroom.checkin.models import Receipt, ScannedPage
from mailroom.printing.models import PrintRun
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning import simulate
from secretariat.core.auth.actor import Actor
from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.core.households.service import import_households
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.core.tenancy.service import create_municipality
from secretariat.migrations import migrate
from templates.loader import default_templates

FORM = "kakuninsho-hikazei"
DPI = 300  # the printed pages are rendered at this resolution, then scanned at the feed's
SECRETARIAT = Path(sys.executable).parent / "secretariat"
STORE = "secretariat.db"
TODAY = date.today()
MAILED_ON, ARRIVED_ON = TODAY - timedelta(days=10), TODAY - timedelta(days=1)


# --- set-up: a store with printed, mailed forms; the scanner's output of their return -----------

def set_up_store(forms: int, data_dir: Path) -> list[dict]:
    """A store whose programme's packs are printed and mailed; the print manifest's rows."""
    engine = make_engine(sqlite_url(data_dir / STORE))
    migrate(engine)
    actor = Actor.system("benchmark")
    with Session(engine) as session:
        municipality = create_municipality(session=session, actor=actor, code="121002", name="千葉県千葉市")
        programme = create_programme(session=session, actor=actor, municipality=municipality, name="benchmark",
                                     reference_date=date(2026, 12, 1), opens_date=date(2026, 12, 1),
                                     deadline_date=date(2027, 2, 28), amount_per_household_yen=30_000,
                                     form_templates=["cover-letter", FORM])
        import_households(session=session, actor=actor, programme=programme,
                          households=HouseholdFactory(seed=1).households(forms))
        session.commit()
        run = print_programme(session=session, actor=actor, programme=programme, out_root=data_dir / "print")
        record_mailing(session=session, actor=actor, run=run, mailed_on=MAILED_ON)
        session.commit()
        directory = Path(session.exec(select(PrintRun)).one().directory)
    engine.dispose()
    with open(directory / "manifest.csv", encoding="utf-8-sig") as handle:
        return [dict(row, directory=str(directory)) for row in csv.DictReader(handle)]


def printed_pages(row: dict) -> list[numpy.ndarray]:
    """The form's two pages as printed (the pack's page 0 is the cover letter, which stays at home)."""
    document = pypdfium2.PdfDocument(str(Path(row["directory"]) / row["file"]))
    try:
        pages = []
        for page in (1, 2):
            image = document[int(row["first_page"]) - 1 + page].render(scale=DPI / 72, grayscale=True).to_numpy()
            pages.append(numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image))
        return pages
    finally:
        document.close()


def plans(forms: int, seed: int) -> list[tuple[dict, str | None]]:
    """What each resident writes, and the required field left blank (every fourth form), if any."""
    rng = numpy.random.default_rng(seed)
    required = [item.name for item in default_templates()[FORM].fields().values() if item.required]
    made = []
    for number in range(forms):
        plan = simulate.complete_plan(rng)
        blank = required[int(rng.integers(len(required)))] if number % 4 == 3 else None
        made.append((simulate.damage(plan, blank) if blank else plan, blank))
    return made


def copy_page(feed: simulate.Feed, rng: numpy.random.Generator) -> numpy.ndarray:
    """An ID or bank-book copy: a card photocopied onto an A4 sheet, with the copier's grain."""
    scale = feed.dpi / 25.4
    page = numpy.full((int(297 * scale), int(210 * scale)), int(rng.integers(236, 246)), numpy.uint8)
    top, left = (int(value * scale) for value in rng.uniform(20, 60, 2))
    page[top:top + int(54 * scale), left:left + int(86 * scale)] = int(rng.integers(90, 160))
    return numpy.clip(page + rng.normal(0, 4, page.shape), 0, 255).astype(numpy.uint8)


def scanner_output(folder: Path, manifest: list[dict], made: list[tuple[dict, str | None]], feed_of,
                   seed: int) -> list[dict]:
    """The feed written as the scanner writes it; returns each file's truth."""
    folder.mkdir(parents=True)
    template = default_templates()[FORM]
    rng = numpy.random.default_rng(seed)
    names = (f"scan-{number:05d}" for number in range(1, 100_000))
    truth = []
    for row, (plan, blank) in zip(manifest, made):
        for page, image in enumerate(printed_pages(row), 1):
            filled = simulate.Truth()
            simulate.fill_page(image, template, page, plan, DPI, rng, filled)
            feed = feed_of(rng)
            path = folder / f"{next(names)}{feed.suffix}"
            path.write_bytes(feed.encode(simulate.scan(image, feed, DPI, rng)))
            truth.append(dict(file=path.name, form_id=row["form_id"], page=page, blank=blank, fields=filled.fields,
                              kinds={item.name: item.kind for item in template.pages[page - 1].fields}))
        for _ in range(1 + (plan.get("account_choice") == "new")):
            feed = feed_of(rng)
            path = folder / f"{next(names)}{feed.suffix}"
            path.write_bytes(feed.encode(copy_page(feed, rng)))
            truth.append(dict(file=path.name, form_id=row["form_id"], page=None))
    (folder.parent / f"{folder.name}-truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


FEEDS = {
    "300-dpi JPEG": lambda rng: replace(simulate.Feed.feeder(rng, dpi=300), format="jpeg"),
    "mixed": lambda rng: simulate.Feed.feeder(rng),
}


# --- the timed runs ---------------------------------------------------------------------------

def run(arguments: list, data_dir: Path, workers: int | None) -> tuple[float, float, str]:
    """`secretariat …` in its own process, as an operator runs it: seconds from launch to exit, CPU
    seconds it and its workers used (what a loaded machine does not stretch), and its stdout."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith("SECRETARIAT_")}
    environ.update(SECRETARIAT_DATA_DIR=str(data_dir))
    command = [str(SECRETARIAT), *map(str, arguments), *(["--workers", str(workers)] if workers else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=environ)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode not in (0, 1):  # `check` exits 1 when any page had an error (an ID copy has no code)
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{finished.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, finished.stdout


def fresh_store(template_dir: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    shutil.copyfile(template_dir / STORE, into / STORE)
    return into


def rates(runs: list[tuple[float, float]], pages: int) -> str:
    per_second = sorted((pages / seconds for seconds, _cpu in runs), reverse=True)
    cpu_ms = statistics.median(1000 * cpu / pages for _seconds, cpu in runs)
    return (f"best {per_second[0]:.1f} pages/s, median {statistics.median(per_second):.1f} pages/s "
            f"({', '.join(f'{value:.1f}' for value in per_second)}; {pages} pages); "
            f"{cpu_ms:.0f} ms of CPU a page (median; the command and its workers)")


# --- what the check got right -------------------------------------------------------------------

def score_check(truth: list[dict], stdout: str) -> None:
    lines = {Path(line["image"]).name: line for line in map(json.loads, stdout.splitlines())}
    forms = [item for item in truth if item["page"]]
    identified = sum(1 for item in forms if (lines[item["file"]]["form_id"], lines[item["file"]]["page"])
                     == (item["form_id"], item["page"]) and lines[item["file"]]["error"] is None)
    errors = Counter(lines[item["file"]]["error"]["code"] for item in forms if lines[item["file"]]["error"])
    tally: dict[str, Counter] = defaultdict(Counter)
    for item in forms:
        line = lines[item["file"]]
        if line["error"]:
            continue
        for name, filled in item["fields"].items():
            state = line["fields"][name]
            counts = tally[item["kinds"][name]]
            if state == "uncertain":
                counts["uncertain"] += 1
            elif (state == "filled") == filled:
                counts["right"] += 1
            else:
                counts["false pass" if state == "filled" else "false deficiency"] += 1
    print(f"    form pages identified and read: {identified}/{len(forms)}"
          + (f" (not read: {dict(errors)})" if errors else ""))
    print(f"    {'kind':<10}{'fields':>7}{'right':>8}{'uncertain':>11}{'false pass':>12}{'false deficiency':>18}")
    total = Counter()
    for kind, counts in sorted(tally.items()):
        total.update(counts)
        print(f"    {kind:<10}{sum(counts.values()):>7}{counts['right']:>8}{counts['uncertain']:>11}"
              f"{counts['false pass']:>12}{counts['false deficiency']:>18}")
    print(f"    {'all':<10}{sum(total.values()):>7}{total['right']:>8}{total['uncertain']:>11}{total['false pass']:>12}"
          f"{total['false deficiency']:>18}")


def score_ingest(truth: list[dict], data_dir: Path) -> None:
    blank_of = {item["form_id"]: item["blank"] for item in truth if item["page"]}
    engine = make_engine(sqlite_url(data_dir / STORE))
    with Session(engine) as session:
        outcomes = {receipt.form_id: receipt.outcome for receipt in session.exec(select(Receipt))}
        queued = Counter(page.error_code for page in session.exec(select(ScannedPage).where(
            ScannedPage.role == "exception")))
    engine.dispose()
    complete = [form for form, blank in blank_of.items() if blank is None]
    deficient = [form for form, blank in blank_of.items() if blank is not None]
    passed = sum(1 for form in complete if outcomes.get(form) == "complete")
    print(f"    complete forms passed with no human touch: {passed}/{len(complete)} "
          f"({100 * passed / max(1, len(complete)):.1f} %); the others: "
          f"{dict(Counter(outcomes.get(form, 'exception') for form in complete if outcomes.get(form) != 'complete'))}")
    print(f"    forms with a blank required field that passed: "
          f"{sum(1 for form in deficient if outcomes.get(form) == 'complete')}/{len(deficient)} "
          f"(judged: {dict(Counter(outcomes.get(form, 'exception') for form in deficient))})")
    print(f"    pages in the exceptions queue: {sum(queued.values())} {dict(queued) if queued else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, help="passed to the commands (default: theirs, every core)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--feeds", nargs="+", choices=list(FEEDS), default=list(FEEDS))
    parser.add_argument("--keep", type=Path, help="build everything here instead of a temporary folder")
    parser.add_argument("--reuse", action="store_true", help="time the feeds already built in --keep again")
    parser.add_argument("--commands", nargs="+", choices=["check", "ingest"], default=["check", "ingest"],
                        help="the commands to time (default: both)")
    options = parser.parse_args()
    root = options.keep or Path(tempfile.mkdtemp(prefix="scan-bench-"))
    reuse = options.reuse and (root / "store" / STORE).exists()
    started = time.perf_counter()
    if not reuse:
        if root.exists() and any(root.iterdir()):
            raise SystemExit(f"{root} is not empty: time what it holds again with --reuse, or name a new folder")
        root.mkdir(parents=True, exist_ok=True)
        manifest = set_up_store(options.forms, root / "store")
        made = plans(options.forms, options.seed)
    print(f"set-up: {'reused' if reuse else f'{options.forms} forms printed and mailed in {time.perf_counter() - started:.0f} s'}"
          f" ({root}); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for number, name in enumerate(FEEDS):
        if name not in options.feeds:
            continue
        started = time.perf_counter()
        folder = root / f"scanner-{number + 1}"
        if reuse:
            truth = json.loads((root / f"{folder.name}-truth.json").read_text(encoding="utf-8"))
        else:
            truth = scanner_output(folder, manifest, made, FEEDS[name], options.seed + 100 + number)
        files = sorted(folder.iterdir())
        print(f"\nfeed {name!r}: {len(files)} files ({sum(1 for item in truth if item['page'])} form pages and "
              f"{sum(1 for item in truth if not item['page'])} ID or bank-book copies), "
              f"{'reused' if reuse else f'made in {time.perf_counter() - started:.0f} s'}")
        if "check" in options.commands:
            timings, first = [], None
            for _ in range(options.runs):
                seconds, cpu, stdout = run(["mailroom", "check", "--json", *files], root / "check-data",
                                           options.workers)
                timings.append((seconds, cpu))
                first = first or stdout
            print(f"  secretariat mailroom check --json FILE…: {rates(timings, len(files))}")
            score_check(truth, first)
        if "ingest" in options.commands:
            timings = []
            for attempt in range(options.runs):
                data_dir = fresh_store(root / "store", root / f"ingest-{attempt}")
                seconds, cpu, _ = run(["mailroom", "ingest", folder, "--arrived", ARRIVED_ON], data_dir,
                                      options.workers)
                timings.append((seconds, cpu))
            print(f"  secretariat mailroom ingest FOLDER (a fresh store each time): {rates(timings, len(files))}")
            score_ingest(truth, root / "ingest-0")
        print(f"  load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
