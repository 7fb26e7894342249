"""A scan batch's folder of copies: held while its ingest runs, removed when a dead run left it."""

import subprocess
import sys
import textwrap

from mailroom.checkin.batch_folders import batch_folder
from mailroom.checkin.models import ScanBatch

HOLD_AND_WAIT = textwrap.dedent("""
    import fcntl, os, sys
    descriptor = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.read()
""")


def new_batch(session) -> ScanBatch:
    batch = ScanBatch(source="scanner", started_by="tester", file_count=1)
    session.add(batch)
    session.flush()
    return batch


def left_behind(root, number: int):
    folder = root / f"scan-{number:05d}"
    folder.mkdir(parents=True)
    (folder / "page.jpg").write_bytes(b"a resident's scan")
    return folder


def can_take(folder) -> bool:
    """Whether another process could take the folder's lock now."""
    probe = subprocess.run([sys.executable, "-c", "import fcntl, os, sys\n"
                            "d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
                            "fcntl.flock(d, fcntl.LOCK_EX | fcntl.LOCK_NB)", str(folder)], capture_output=True)
    return probe.returncode == 0


def test_copies_left_by_a_run_that_died_before_its_commit_are_removed_by_the_next_ingest(factory, tmp_path):
    stray = left_behind(tmp_path, 99999)
    with factory.session() as session:
        folder = batch_folder(session, tmp_path, new_batch(session).id)
        session.commit()
    assert not stray.exists()
    assert folder.is_dir()


def test_a_folder_left_under_the_new_batchs_own_number_starts_empty(factory, tmp_path):
    with factory.session() as session:
        batch = new_batch(session)
        stale = left_behind(tmp_path, batch.id)
        folder = batch_folder(session, tmp_path, batch.id)
        session.commit()
    assert folder == stale
    assert list(folder.iterdir()) == []


def test_the_folder_of_a_committed_batch_is_kept(factory, tmp_path):
    with factory.session() as session:
        kept = batch_folder(session, tmp_path, new_batch(session).id)
        (kept / "page.jpg").write_bytes(b"filed")
        session.commit()
    with factory.session() as session:
        batch_folder(session, tmp_path, new_batch(session).id)
        session.commit()
    assert (kept / "page.jpg").read_bytes() == b"filed"


def test_the_folder_of_an_ingest_still_running_elsewhere_is_left_alone(factory, tmp_path):
    running = left_behind(tmp_path, 99998)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, str(running)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with factory.session() as session:
            batch_folder(session, tmp_path, new_batch(session).id)
            session.commit()
        assert (running / "page.jpg").exists()
    finally:
        holder.communicate("")


def test_the_folder_is_held_until_the_transaction_commits(factory, tmp_path):
    with factory.session() as session:
        folder = batch_folder(session, tmp_path, new_batch(session).id)
        assert not can_take(folder)
        session.commit()
    assert can_take(folder)
