"""Benchmark: SFTP upload and download through our drop against OpenSSH's own sftp-server.

    .venv/bin/python benchmarks/sftp_transfer.py [--mib 200] [--rounds 5] [--cipher aes128-gcm@openssh.com]

Both servers run on loopback and are driven by the same OpenSSH `sftp` client with the same
cipher; a random file of --mib MiB goes up and comes back, and the script checks both copies
by SHA-256. The two servers take turns, round after round, so that whatever else the machine
does falls on both alike. It prints MiB/s for each and our speed as a share of OpenSSH's in each
round, their median and the worst (the target is at least one half). The reference is Debian's `openssh-server` (`/usr/sbin/sshd` with
`/usr/lib/openssh/sftp-server`): `apt-get install openssh-server` if it is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
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
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds; each times one upload and one download on each server, back to back")
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
    drop, drop_port = start_drop(work, client_key)
    process, openssh_port, openssh_host = start_openssh(work, client_key, arguments.cipher)
    ours = Server("drop", drop_port, "chiba", work / "known_ours", f"{host_key_line(drop.host_key)}",
                  put_to="inbox/payload.bin.filepart", get_from="outbox/p.bin")
    theirs = Server("OpenSSH", openssh_port, os.environ.get("USER") or "root", work / "known_openssh", openssh_host,
                    put_to=str(work / "openssh-copy.bin"), get_from=str(work / "openssh-copy.bin"))
    inbox, outbox = work / "drop" / "121002" / "inbox", work / "drop" / "121002" / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, outbox / "p.bin")
    shutil.copyfile(source, work / "openssh-copy.bin")
    ratios: dict[str, list[float]] = {"upload": [], "download": []}
    speeds: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(arguments.rounds):
            for what in ("upload", "download"):
                seconds = {}
                for server in (ours, theirs):
                    back = work / f"back-{server.name}.bin"
                    commands = (f"put {source} {server.put_to}\n" if what == "upload"
                                else f"get {server.get_from} {back}\n")
                    seconds[server.name] = server.time(key_file, arguments.cipher, commands, work)
                    speeds.setdefault((what, server.name), []).append(arguments.mib / seconds[server.name])
                    if what == "download":
                        assert sha256(back) == digest, f"{server.name}: the download changed the file"
                (inbox / "payload.bin.filepart").unlink(missing_ok=True)
                ratios[what].append(seconds["OpenSSH"] / seconds["drop"])
    finally:
        drop.stop()
        process.terminate()
    print(f"{arguments.mib} MiB over loopback, cipher {arguments.cipher}, OpenSSH sftp client for both, "
          f"{arguments.rounds} rounds (each: our drop, then OpenSSH's sftp-server, back to back); "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for what in ("upload", "download"):
        median = lambda values: statistics.median(values)  # noqa: E731
        print(f"{what:9} drop {median(speeds[what, 'drop']):7.1f} MiB/s   "
              f"OpenSSH sftp-server {median(speeds[what, 'OpenSSH']):7.1f} MiB/s (medians)   "
              f"drop at {median(ratios[what]):.2f}× OpenSSH's speed (median), {min(ratios[what]):.2f}× at worst; "
              f"rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios[what])} (target: at least 0.50×)")
    shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    user: str
    known: Path
    host_key: str
    put_to: str
    get_from: str

    def time(self, key: Path, cipher: str, commands: str, work: Path) -> float:
        self.known.write_text(f"[127.0.0.1]:{self.port} {self.host_key}\n")
        return timed_sftp(self.port, self.user, key, self.known, cipher, commands, work)


def start_drop(work: Path, client_key: paramiko.PKey) -> tuple[DropServer, int]:
    """Our drop on a fresh store with one municipality whose account has the client's key."""
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
    return drop, drop.start()


if __name__ == "__main__":
    main()
