"""Benchmark: SFTP upload and download through our drop against OpenSSH's own sftp-server.

    .venv/bin/python benchmarks/sftp_transfer.py [--mib 200] [--cipher aes128-gcm@openssh.com]

Both servers run on loopback and are driven by the same OpenSSH `sftp` client with the same
cipher; a random file of --mib MiB goes up and comes back, and the script checks both copies
by SHA-256. It prints MiB/s for each and our speed as a share of OpenSSH's (the target is at
least one half). The reference is Debian's `openssh-server` (`/usr/sbin/sshd` with
`/usr/lib/openssh/sftp-server`): `apt-get install openssh-server` if it is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import paramiko
from sqlmodel import Session

import exchange.models  # noqa: F401
import secretariat.core.models  # noqa: F401
from exchange.drop.accounts import create_drop_account
from exchange.drop.server import DropServer, host_key_line, load_host_key, sha256_of as sha256
from secretariat.core.auth.actor import Actor
from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.core.programmes.service import create_programme
from secretariat.core.tenancy.service import create_municipality
from secretariat.migrations import migrate

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_sftp(port: int, user: str, key: Path, known: Path, cipher: str, commands: str, work: Path) -> float:
    batch = work / "batch"
    batch.write_text(commands)
    started = time.perf_counter()
    subprocess.run(["sftp", "-q", "-b", str(batch), "-P", str(port), "-i", str(key), "-c", cipher,
                    "-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
                    "-o", "BatchMode=yes", f"{user}@127.0.0.1"], check=True, capture_output=True)
    return time.perf_counter() - started


def start_openssh(work: Path, client_key: paramiko.PKey, cipher: str) -> tuple[subprocess.Popen, int, str]:
    host_key = work / "sshd_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(host_key)], check=True)
    authorized = work / "authorized_keys"
    authorized.write_text(f"{client_key.get_name()} {client_key.get_base64()}\n")
    port = free_port()
    config = work / "sshd_config"
    config.write_text(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {work}/sshd.pid\n"
                      f"AuthorizedKeysFile {authorized}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                      f"UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nCiphers {cipher}\n"
                      f"Subsystem sftp {SFTP_SERVER}\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    host_line = (host_key.with_suffix(".pub") if host_key.with_suffix(".pub").exists()
                 else Path(f"{host_key}.pub")).read_text().split()
    return process, port, f"{host_line[0]} {host_line[1]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="transfers per direction and server; the best counts")
    parser.add_argument("--cipher", default="aes128-gcm@openssh.com",
                        help="the same cipher for both servers (one paramiko and OpenSSH both speak)")
    arguments = parser.parse_args()
    if not (Path(SSHD).exists() and Path(SFTP_SERVER).exists() and shutil.which("sftp")):
        raise SystemExit("needs Debian's openssh-server and openssh-client: apt-get install openssh-server")
    work = Path(tempfile.mkdtemp(prefix="sftp-bench-"))
    source = work / "payload.bin"
    with source.open("wb") as handle:
        for _ in range(arguments.mib):
            handle.write(os.urandom(1 << 20))
    digest = sha256(source)
    client_key = paramiko.ECDSAKey.generate()
    key_file = work / "client_key"
    client_key.write_private_key_file(str(key_file))
    os.chmod(key_file, 0o600)

    # ours
    engine = make_engine(sqlite_url(work / "bench.db"))
    migrate(engine)
    actor = Actor.system("benchmark")
    with Session(engine) as session:
        municipality = create_municipality(session=session, actor=actor, code="121002", name="千葉県千葉市")
        create_programme(session=session, actor=actor, municipality=municipality, name="benchmark",
                         reference_date=date(2026, 12, 1), opens_date=date(2026, 12, 1), deadline_date=date(2027, 2, 28))
        create_drop_account(session=session, actor=actor, municipality=municipality, username="chiba",
                            public_keys=[f"{client_key.get_name()} {client_key.get_base64()}"])
        session.commit()
    drop = DropServer(engine=engine, drop_root=work / "drop", host_key=load_host_key(work / "drop_host_key"))
    port = drop.start()
    known = work / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {host_key_line(drop.host_key)}\n")
    back = work / "back-ours.bin"
    best = lambda commands, user, port: min(  # noqa: E731 - the loopback is noisy: best of N
        timed_sftp(port, user, key_file, known, arguments.cipher, commands, work) for _ in range(arguments.repeat))
    up_ours = best(f"put {source} inbox/payload.bin.filepart\n", "chiba", port)
    (work / "drop" / "121002" / "inbox" / "payload.bin.filepart").replace(work / "drop" / "121002" / "outbox" / "p.bin")
    down_ours = best(f"get outbox/p.bin {back}\n", "chiba", port)
    drop.stop()
    assert sha256(back) == digest, "the drop's round trip changed the file"

    # OpenSSH's sftp-server
    process, port, host_line = start_openssh(work, client_key, arguments.cipher)
    known.write_text(f"[127.0.0.1]:{port} {host_line}\n")
    target = work / "openssh-copy.bin"
    back = work / "back-openssh.bin"
    try:
        user = os.environ.get("USER") or "root"
        up_ref = best(f"put {source} {target}\n", user, port)
        down_ref = best(f"get {target} {back}\n", user, port)
    finally:
        process.terminate()
    assert sha256(back) == digest, "OpenSSH's round trip changed the file"

    mib = arguments.mib
    print(f"{mib} MiB over loopback, cipher {arguments.cipher}, OpenSSH sftp client for both, "
          f"best of {arguments.repeat}")
    for what, ours, reference in (("upload", up_ours, up_ref), ("download", down_ours, down_ref)):
        print(f"{what:9} drop {mib / ours:7.1f} MiB/s   OpenSSH sftp-server {mib / reference:7.1f} MiB/s   "
              f"drop at {reference / ours:.2f}× OpenSSH's speed (target: at least 0.50×)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
