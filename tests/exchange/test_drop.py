"""The SFTP drop, driven by paramiko's client and by the real OpenSSH `sftp` in batch mode."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
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
                        processor=lambda login, path: process_dropped_file(engine, login, path), max_failures=3)
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
        with pytest.raises(Exception, match="refused the login"):
            connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=stranger_file,
                    host_key_line=host_key_line(drop.host_key))
    with pytest.raises(Exception, match="refused the login"):  # the right key, from a locked-out address
        connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1],
                host_key_line=host_key_line(drop.host_key))


def test_a_server_answering_with_another_host_key_is_refused(drop, key):
    other = paramiko.ECDSAKey.generate()
    with pytest.raises(Exception, match="other than the pinned"):
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
