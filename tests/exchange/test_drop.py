"""The SFTP drop, driven by paramiko's client and by the real OpenSSH `sftp` in batch mode."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time

import paramiko
import pytest
from sqlmodel import select

from exchange.drop.accounts import create_drop_account
from exchange.drop.client import connect, pull, push
from exchange.drop.processing import process_dropped_file
from exchange.drop.server import DropServer, host_key_line, load_host_key
from exchange.targets.models import TargetFile
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.actor import Actor

SFTP = shutil.which("sftp")


@pytest.fixture
def key(tmp_path):
    """A municipality's key pair, the private half in a file OpenSSH accepts."""
    private = paramiko.ECDSAKey.generate()
    path = tmp_path / "liaison_key"
    private.write_private_key_file(str(path))
    os.chmod(path, 0o600)
    return private, path


@pytest.fixture
def tenant(factory, key):
    made = factory.tenant(households=0)
    with factory.session() as session:
        create_drop_account(session=session, actor=Actor.system("t"), municipality=made.municipality,
                            username="chiba", public_keys=[f"{key[0].get_name()} {key[0].get_base64()} chiba"],
                            programme=made.programme)
        session.commit()
    return made


@pytest.fixture
def drop(engine, tmp_path, tenant):
    server = DropServer(engine=engine, drop_root=tmp_path / "drop", host_key=load_host_key(tmp_path / "host_key"),
                        processor=lambda login, path, name: process_dropped_file(engine, login, path, name),
                        max_failures=3)
    server.port = server.start()
    server.root = tmp_path / "drop" / tenant.municipality.code
    yield server
    server.stop()


@pytest.fixture
def sftp(drop, key):
    client = connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1],
                     host_key_line=host_key_line(drop.host_key))
    yield client.open_sftp()
    client.close()


def test_a_file_pushed_under_a_temporary_name_is_imported_and_reported(drop, sftp, rows, write, factory, tmp_path):
    push(sftp, write(rows))
    drop.wait_idle()
    with factory.session() as session:
        assert session.exec(select(TargetFile.status)).all() == ["imported"]
    fetched = pull(sftp, tmp_path / "fetched")
    report = (tmp_path / "fetched" / "taisho.report.csv").read_bytes().decode("cp932")
    assert [p.name for p in fetched] == ["taisho.report.csv"]
    assert "取込完了" in report
    assert sftp.listdir("inbox") == [] and len(sftp.listdir("archive")) == 1


def test_a_file_closed_without_rename_or_manifest_waits(drop, sftp, rows, write, factory):
    sftp.put(str(write(rows)), "inbox/taisho.csv")
    drop.wait_idle()
    with factory.session() as session:
        assert session.exec(select(TargetFile)).all() == []
    assert sftp.listdir("inbox") == ["taisho.csv"]


def test_a_matching_manifest_makes_a_closed_file_whole(drop, sftp, rows, write, factory, tmp_path):
    path = write(rows)
    sftp.put(str(path), "inbox/taisho.csv")
    manifest = tmp_path / "taisho.csv.sha256"
    manifest.write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  taisho.csv\n")
    sftp.put(str(manifest), "inbox/taisho.csv.sha256")
    drop.wait_idle()
    with factory.session() as session:
        assert session.exec(select(TargetFile.status)).all() == ["imported"]


def test_a_manifest_that_does_not_match_imports_nothing(drop, sftp, rows, write, factory, tmp_path):
    manifest = tmp_path / "taisho.csv.sha256"
    manifest.write_text("0" * 64 + "  taisho.csv\n")
    sftp.put(str(manifest), "inbox/taisho.csv.sha256")
    sftp.put(str(write(rows)), "inbox/taisho.csv")
    drop.wait_idle()
    with factory.session() as session:
        assert session.exec(select(TargetFile)).all() == []
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "sftp_manifest_mismatch")).all()


def test_a_file_with_errors_gets_a_precise_report_and_imports_nothing(drop, sftp, rows, write, factory, tmp_path):
    rows[3][4] = "令和9年13月1日"
    push(sftp, write(rows))
    drop.wait_idle()
    pull(sftp, tmp_path / "fetched")
    lines = (tmp_path / "fetched" / "taisho.report.csv").read_bytes().decode("cp932").splitlines()
    assert lines[0] == "行,列,値,コード,区分,内容"
    assert "取込せず" in lines[1]
    assert lines[2].startswith("4,生年月日,令和9年13月1日,bad_date,エラー,")
    with factory.session() as session:
        assert session.exec(select(TargetFile.status)).all() == ["rejected"]


@pytest.mark.parametrize("path", ["../escape.csv", "/../../etc/passwd", "inbox/../../x.csv"])
def test_no_path_leaves_the_drop(sftp, path):
    with pytest.raises(PermissionError):
        sftp.open(path, "w").close()


def test_a_symbolic_link_inside_the_drop_is_refused(drop, sftp):
    os.symlink("/etc", drop.root / "inbox" / "etc")
    with pytest.raises(PermissionError):
        sftp.listdir("inbox/etc")
    with pytest.raises(PermissionError):
        sftp.open("inbox/etc/passwd").read()
    with pytest.raises(OSError):
        sftp.symlink("/etc/passwd", "inbox/link")


def test_files_are_written_only_in_the_inbox(sftp):
    with pytest.raises(PermissionError):
        sftp.open("outbox/mine.csv", "w").close()
    with pytest.raises(OSError):
        sftp.mkdir("inbox/sub")


def test_an_unknown_key_is_refused_and_repeated_failures_lock_the_address_out(drop, key, tmp_path):
    stranger = paramiko.ECDSAKey.generate()
    stranger_file = tmp_path / "stranger"
    stranger.write_private_key_file(str(stranger_file))
    for _ in range(3):
        with pytest.raises(Exception, match="ログインを拒否しました"):
            connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=stranger_file,
                    host_key_line=host_key_line(drop.host_key))
    with pytest.raises(Exception, match="ログインを拒否しました"):  # the right key, from a locked-out address
        connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1],
                host_key_line=host_key_line(drop.host_key))


def test_a_server_answering_with_another_host_key_is_refused(drop, key):
    other = paramiko.ECDSAKey.generate()
    with pytest.raises(Exception, match="固定したホスト鍵と違う鍵"):
        connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1], host_key_line=host_key_line(other))


def test_the_host_key_survives_a_restart(tmp_path):
    assert load_host_key(tmp_path / "k").get_base64() == load_host_key(tmp_path / "k").get_base64()


def test_every_login_and_transfer_is_audited_with_size_and_hash(drop, sftp, rows, write, factory):
    path = write(rows)
    push(sftp, path)
    drop.wait_idle()
    with factory.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "drop")).all()
    actions = [e.action for e in events]
    assert "sftp_login" in actions and "sftp_rename" in actions
    upload = next(e for e in events if e.action == "sftp_upload")
    assert f"size={path.stat().st_size}" in upload.detail
    assert hashlib.sha256(path.read_bytes()).hexdigest() in upload.detail
    assert upload.address == "127.0.0.1" and upload.username == "sftp:chiba"


def test_an_upload_over_the_size_limit_is_refused(drop, sftp, tmp_path):
    drop.max_file_bytes = 1000
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(OSError):
        sftp.put(str(big), "inbox/big.csv")
    assert "big.csv" not in sftp.listdir("inbox")


# --- the real OpenSSH client ----------------------------------------------------------------------

@pytest.fixture
def openssh(drop, key, tmp_path):
    """Run an OpenSSH `sftp` batch against the drop; returns the finished process."""
    if SFTP is None:
        pytest.skip("OpenSSH's sftp client is not installed")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{drop.port} {host_key_line(drop.host_key)}\n")

    def command(batch_file, *extra):
        return [SFTP, "-b", str(batch_file), "-P", str(drop.port), "-i", str(key[1]), "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                *extra, "chiba@127.0.0.1"]

    def run(commands: str, *extra, wait: bool = True):
        batch = tmp_path / f"batch-{time.monotonic_ns()}"
        batch.write_text(commands)
        if not wait:
            return subprocess.Popen(command(batch, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return subprocess.run(command(batch, *extra), capture_output=True, text=True, timeout=60)
    return run


def test_openssh_put_rename_ls_and_get_round_trip(drop, openssh, rows, write, tmp_path, factory):
    path = write(rows)
    done = openssh(f"cd inbox\nput {path} taisho.csv.filepart\nrename taisho.csv.filepart taisho.csv\nls\n")
    assert done.returncode == 0, done.stderr
    drop.wait_idle()
    fetched = tmp_path / "got.csv"
    done = openssh(f"ls -l outbox\nget outbox/taisho.report.csv {fetched}\n")
    assert done.returncode == 0, done.stderr
    assert "taisho.report.csv" in done.stdout
    assert "取込完了" in fetched.read_bytes().decode("cp932")
    with factory.session() as session:
        assert session.exec(select(TargetFile.status)).all() == ["imported"]


def test_openssh_cannot_leave_the_drop(openssh):
    done = openssh("get ../../etc/passwd /dev/null\n")
    assert done.returncode != 0


def test_an_interrupted_openssh_put_is_never_imported(drop, openssh, rows, write, tmp_path, factory):
    path = write(rows)
    padded = tmp_path / "big.csv"
    padded.write_bytes(path.read_bytes() + b"\r\n" * 3_000_000)  # blank rows: slow enough to cut off
    manifest = tmp_path / "big.csv.sha256"
    manifest.write_text(hashlib.sha256(padded.read_bytes()).hexdigest() + "  big.csv\n")
    assert openssh(f"put {manifest} inbox/big.csv.sha256\n").returncode == 0
    running = openssh(f"put {padded} inbox/big.csv\n", "-l", "2000", wait=False)  # 2 Mbit/s
    time.sleep(1.5)
    running.kill()
    running.wait()
    drop.wait_idle()
    time.sleep(0.5)
    drop.wait_idle()
    with factory.session() as session:
        assert session.exec(select(TargetFile)).all() == []
    assert (drop.root / "inbox" / "big.csv").stat().st_size < padded.stat().st_size


# --- attacks: logins with a public key alone, uploads racing renames and each other ----------------

def test_the_owners_public_key_alone_does_not_open_the_drop(drop, key, tmp_path, factory):
    """OpenSSH offers the owner's `.pub` (which it cannot sign with) and then a stranger's key: the
    server's yes to the first must not let the second in."""
    public = tmp_path / "victim.pub"
    public.write_text(f"{key[0].get_name()} {key[0].get_base64()} victim\n")
    stranger = tmp_path / "stranger_key"
    paramiko.ECDSAKey.generate().write_private_key_file(str(stranger))
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{drop.port} {host_key_line(drop.host_key)}\n")
    batch = tmp_path / "batch"
    batch.write_text("ls outbox\n")
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    done = subprocess.run([SFTP, "-b", str(batch), "-P", str(drop.port), "-o", "IdentitiesOnly=yes",
                           "-i", str(public), "-i", str(stranger), "-o", f"UserKnownHostsFile={known}",
                           "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-v", "chiba@127.0.0.1"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert "Server accepts key" in done.stderr  # the query for the owner's key was answered yes
    assert done.returncode != 0
    assert "Permission denied" in done.stderr
    with factory.session() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "sftp_login")).all() == []


@pytest.fixture
def held(drop, key):
    """A second connection that opens a file for writing and holds it open, as a slow upload does."""
    clients = []

    def open_for_writing(path: str, data: bytes):
        client = connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1],
                         host_key_line=host_key_line(drop.host_key))
        clients.append(client)
        handle = client.open_sftp().open(path, "w")
        handle.write(data)
        handle.flush()
        return handle
    yield open_for_writing
    for client in clients:
        client.close()


def imported_hashes(factory) -> list[str]:
    with factory.session() as session:
        return session.exec(select(TargetFile.sha256).where(TargetFile.status == "imported")).all()


def test_a_rename_of_a_file_still_being_written_is_refused(drop, openssh, held, rows, write, factory):
    data = write(rows).read_bytes()
    upload = held("inbox/taisho.csv.filepart", data[:1000])
    done = openssh("rename inbox/taisho.csv.filepart inbox/taisho.csv\n")
    assert done.returncode != 0
    drop.wait_idle()
    assert imported_hashes(factory) == []
    upload.write(data[1000:])
    upload.close()
    assert openssh("rename inbox/taisho.csv.filepart inbox/taisho.csv\n").returncode == 0
    drop.wait_idle()
    assert imported_hashes(factory) == [hashlib.sha256(data).hexdigest()]


def test_a_second_upload_to_a_name_being_written_is_refused(drop, openssh, held, rows, write, tmp_path, factory):
    data = write(rows).read_bytes()
    upload = held("inbox/taisho.csv.filepart", data[:1000])
    other = tmp_path / "other.csv"
    other.write_bytes(b"x" * 5000)
    assert openssh(f"put {other} inbox/taisho.csv.filepart\n").returncode != 0
    upload.write(data[1000:])
    upload.close()
    assert openssh("rename inbox/taisho.csv.filepart inbox/taisho.csv\n").returncode == 0
    drop.wait_idle()
    assert imported_hashes(factory) == [hashlib.sha256(data).hexdigest()]


def test_a_file_replaced_while_it_is_processed_is_imported_as_it_was_hashed(drop, openssh, held, rows, write,
                                                                            tmp_path, factory):
    data = write(rows).read_bytes()
    first = tmp_path / "m.csv"
    first.write_bytes(data)
    manifest = tmp_path / "m.csv.sha256"
    manifest.write_text(f"{hashlib.sha256(data).hexdigest()}  m.csv\n")
    processing, replaced = threading.Event(), threading.Event()
    process = drop.processor

    def slow_processor(login, path, name):
        processing.set()
        replaced.wait(30)
        process(login, path, name)
    drop.processor = slow_processor
    assert openssh(f"put {first} inbox/m.csv\nput {manifest} inbox/m.csv.sha256\n").returncode == 0
    assert processing.wait(30)
    second = b"\xef\xbb\xbf" + b"a,b\r\n" * 20_000
    upload = held("inbox/m.csv", second[:65536])  # a re-upload under the same name begins meanwhile
    replaced.set()
    drop.wait_idle()
    assert imported_hashes(factory) == [hashlib.sha256(data).hexdigest()]
    upload.write(second[65536:])
    upload.close()
    drop.wait_idle()
    assert (drop.root / "inbox" / "m.csv").read_bytes() == second  # the later upload is whole, and waits
    assert imported_hashes(factory) == [hashlib.sha256(data).hexdigest()]


def test_a_slow_openssh_upload_cannot_be_renamed_into_place_from_another_connection(drop, openssh, factory,
                                                                                   tmp_path):
    from exchange.targets.samples import csv_bytes, target_rows
    from secretariat.core.synthetic import HouseholdFactory
    big = tmp_path / "big.csv"
    big.write_bytes(csv_bytes(target_rows(HouseholdFactory(seed=5).households(1500), accounts=True), "cp932"))
    running = openssh(f"put {big} inbox/big.csv.filepart\n", "-l", "1000", wait=False)  # 1 Mbit/s
    inbox = drop.root / "inbox" / "big.csv.filepart"
    deadline = time.monotonic() + 20
    while (not inbox.exists() or inbox.stat().st_size < 65536) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 0 < inbox.stat().st_size < big.stat().st_size
    assert openssh("rename inbox/big.csv.filepart inbox/big.csv\n").returncode != 0
    assert running.wait(60) == 0
    assert openssh("rename inbox/big.csv.filepart inbox/big.csv\n").returncode == 0
    drop.wait_idle()
    assert imported_hashes(factory) == [hashlib.sha256(big.read_bytes()).hexdigest()]


def test_cd_above_the_top_of_the_drop_is_refused_and_the_session_goes_on(openssh):
    done = openssh("-cd ..\npwd\nls\n")
    assert done.returncode == 0, done.stderr
    assert "Permission denied" in done.stderr
    assert "Remote working directory: /" in done.stdout
    assert "inbox" in done.stdout


def test_a_download_is_audited_with_the_hash_of_the_bytes_served_even_if_the_file_is_replaced(
        drop, openssh, tmp_path, factory):
    outbox = drop.root / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    served = os.urandom(3 << 20)
    (outbox / "status.csv").write_bytes(served)
    done = openssh(f"get outbox/status.csv {tmp_path / 'got.csv'}\n")
    assert done.returncode == 0, done.stderr
    # the next day's file replaces it, as every writer of the outbox does (a new file renamed over
    # the old), possibly before the audit has run
    (outbox / "status.csv.partial").write_bytes(b"the next day's file")
    (outbox / "status.csv.partial").replace(outbox / "status.csv")
    drop.wait_idle()
    with factory.session() as session:
        download = session.exec(select(AuditEvent).where(AuditEvent.action == "sftp_download")).one()
    assert (tmp_path / "got.csv").read_bytes() == served
    assert f"sha256={hashlib.sha256(served).hexdigest()}" in download.detail
    assert f"size={len(served)}" in download.detail and "outcome=complete" in download.detail
    assert download.username == "sftp:chiba"
