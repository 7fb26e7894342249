"""`secretariat print run` killed with SIGKILL at five points of its work, then run again.

A print run commits each batch's reservation before rendering it and resumes an unfinished run,
so after a kill and a re-run every household is printed exactly once, in the same batches, on
the same pages, as in a run that was never killed.

What is compared, and why: the store's issued forms (form id, batch, position, pages), batches,
application states and run totals; the run folder's file names; `manifest.csv` byte for byte (it
holds no time); and for each batch PDF its page count and a hash of what every page draws (each
page's content stream and the form XObjects it places, decompressed). The PDF files' own bytes
are not compared: reportlab writes the creation time and a random document id into every file,
so two runs that were never killed differ there too.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from mailroom.printing.jobs import PRINT_BATCH
from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun
from secretariat.core.applications.models import Application
from secretariat.core.db import make_engine
from secretariat.core.jobs.models import Job
from tests.factories import Factory
from tests.faults.harness import file_sha256, files_in, reference_then_kills, run_once, session_on, sha256

SEED = 2027
HOUSEHOLDS = 18
BATCH_SIZE = 3   # six batch files: six steps to kill between
WORKERS = 1      # render in the command's own process: the renderer pool's own fault is tested apart, at the end
SHORTEST_GAP_S = 0.02  # the manifest follows the last batch file within a millisecond: no kill can be aimed between


def set_up(database_url: str, households: int = HOUSEHOLDS) -> int:
    """A programme with its target households imported (the same households in every store)."""
    engine = make_engine(database_url)
    try:
        return Factory(engine).tenant(households=households).programme.id
    finally:
        engine.dispose()


def drawn(pdf: Path) -> tuple[int, str]:
    """A PDF's page count and one hash of what its pages draw, leaving out its creation time and id."""
    pages = PdfReader(pdf).pages
    parts = []
    for page in pages:
        parts.append(page.get_contents().get_data())
        xobjects = page["/Resources"].get("/XObject", {})
        parts.extend(xobjects[name].get_object().get_data() for name in sorted(xobjects))
    return len(pages), sha256(b"\0".join(parts))


def printed(database_url: str, data_dir: Path) -> dict:
    """What the store and the run folder hold after the run, comparable between stores."""
    with session_on(database_url) as session:
        forms = session.exec(select(IssuedForm.form_id, PrintBatch.number, IssuedForm.position, IssuedForm.first_page,
                                    IssuedForm.page_count, IssuedForm.file_name, IssuedForm.voided_at.is_(None))
                             .join(PrintBatch, PrintBatch.id == IssuedForm.print_batch_id)
                             .order_by(PrintBatch.number, IssuedForm.position)).all()
        batches = session.exec(select(PrintBatch.number, PrintBatch.file_name, PrintBatch.household_count,
                                      PrintBatch.page_count, PrintBatch.sha256).order_by(PrintBatch.number)).all()
        runs = session.exec(select(PrintRun.wave, PrintRun.household_count, PrintRun.page_count,
                                   PrintRun.completed_at.is_not(None), PrintRun.directory)).all()
        statuses = Counter(session.exec(select(Application.status)).all())
    folders = [Path(directory) for *_, directory in runs]
    files = {path.name: path for folder in folders for path in sorted(folder.iterdir())}
    return {"runs": [tuple(run[:4]) for run in runs],
            "applications by status": dict(statuses),
            "issued forms": [tuple(form) for form in forms],
            "batches": [(number, name, households, pages) for number, name, households, pages, _ in batches],
            "batch hash recorded = file's hash": [recorded == file_sha256(files[name]) if name in files else None
                                                 for _, name, _, _, recorded in batches],
            "run folders": len(list((data_dir / "print-runs").iterdir())),
            "files": sorted(files),
            "manifest.csv": file_sha256(files["manifest.csv"]) if "manifest.csv" in files else None,
            "pages drawn": {name: drawn(path) for name, path in files.items() if name.endswith(".pdf")}}


def left_by(database_url: str, data_dir: Path) -> dict:
    with session_on(database_url) as session:
        runs = session.exec(select(PrintRun.completed_at)).all()
        written = session.exec(select(PrintBatch.id).where(PrintBatch.written_at.is_not(None))).all()
    return {"runs": len(runs), "completed": sum(at is not None for at in runs), "batches recorded": len(written),
            "batch files": files_in(data_dir, "batch-*.pdf")()}


@pytest.fixture(scope="module")
def runs(warm_cli, module_stores, tmp_path_factory):
    """The reference run, then one print run killed and re-run per kill point, each on a fresh store."""
    folder = tmp_path_factory.mktemp("kill-print")

    def run(name, point, timeline):
        url, data_dir = module_stores(), folder / name
        programme = set_up(url)
        data_dir.mkdir()
        start = warm_cli.starter(["print", "run", "--programme", programme, "--batch-size", BATCH_SIZE,
                                  "--workers", WORKERS], url, data_dir)
        batch_files, manifest = files_in(data_dir, "batch-*.pdf"), files_in(data_dir, "manifest.csv")

        def progress() -> int:  # batch files written, then one more for the manifest, the last step
            return batch_files() + manifest()

        return run_once(start, progress, point, timeline, left=lambda: left_by(url, data_dir),
                        after=lambda: printed(url, data_dir))

    return reference_then_kills("print run", SEED, run, shortest_gap=SHORTEST_GAP_S)


def test_every_kill_landed_while_the_run_was_printing_and_left_it_unfinished(runs):
    reference, *killed = runs
    assert [(run.kill.landed, run.kill.ended.killed) for run in killed] == [(True, True)] * len(killed)
    assert [run.left["completed"] for run in killed] == [0] * len(killed)


def test_kills_landed_after_some_batches_were_printed_and_before_others(runs):
    reference, *killed = runs
    batches = len(reference.after["batches"])
    assert batches == HOUSEHOLDS // BATCH_SIZE
    assert any(0 < run.left["batch files"] < batches for run in killed)
    assert len({run.left["batch files"] for run in killed}) >= 3  # spread over the run, not bunched


def test_a_rerun_after_a_kill_prints_what_a_run_never_killed_prints(runs):
    reference, *killed = runs
    assert reference.after["applications by status"] == {"printed": HOUSEHOLDS}
    assert all(reference.after["batch hash recorded = file's hash"])
    for run in killed:
        assert run.ended.returncode == 0, run.ended.log
        assert run.after == reference.after, f"after a kill at {run.kill.point}"


def group_members(pgid: int) -> list[int]:
    """Processes still alive in a process group (zombies are dead; they only wait to be reaped)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def batch_printed_by_another_process(database_url: str, command: int) -> bool:
    """A batch job of the run is held by a worker process other than the command's own."""
    with session_on(database_url) as session:
        holders = session.exec(select(Job.worker).where(Job.kind == PRINT_BATCH, Job.state == "running")).all()
    return any(holder.split(":")[1] != str(command) for holder in holders)


def test_a_print_run_killed_with_its_renderers_at_work_leaves_no_process_behind(warm_cli, module_stores, tmp_path):
    """`kill -9` of the command (or the OOM killer) reaches only its main process. The worker
    processes it started for the run's batches must notice and end, not wait forever holding their
    memory."""
    url = module_stores()
    programme = set_up(url, households=100)  # a batch each: the worker process it starts is at work before the end
    running = warm_cli.starter(["print", "run", "--programme", programme, "--batch-size", 1, "--workers", 2],
                               url, tmp_path)("print.log")
    try:
        while not batch_printed_by_another_process(url, running.pid) and running.poll() is None:
            time.sleep(0.05)
        assert running.poll() is None, running.wait().log
        os.kill(running.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID` does
        assert running.wait().killed
        deadline = time.monotonic() + 2  # a watchdog polling its parent each half second would be out by then
        while group_members(running.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert group_members(running.pid) == []
    finally:
        if group_members(running.pid):
            os.killpg(running.pid, signal.SIGKILL)
