"""`exchange pull/push`: the client side, for municipalities that host their own SFTP server.

The server's host key is pinned (given as its OpenSSH public key line): a server that answers
with any other key is refused before a byte of personal data moves. Uploads go to a temporary
name and are renamed when whole; downloads land beside their target and are renamed when whole.
"""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko

from secretariat.core.errors import InvalidInput

PREFETCH = 64  # concurrent read requests in flight: fast, with memory capped


def _pinned(host: str, port: int, host_key_line: str) -> paramiko.SSHClient:
    words = host_key_line.split()
    if len(words) < 2:
        raise InvalidInput("固定するホスト鍵は OpenSSH の公開鍵の行（鍵の種類と base64）で指定してください")
    key = paramiko.PKey.from_type_string(words[0], base64.b64decode(words[1]))
    client = paramiko.SSHClient()
    client.get_host_keys().add(f"[{host}]:{port}" if port != 22 else host, key.get_name(), key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


def connect(*, host: str, port: int, username: str, key_file: Path, host_key_line: str) -> paramiko.SSHClient:
    try:
        private = paramiko.PKey.from_path(key_file)
    except (OSError, paramiko.SSHException) as error:
        raise InvalidInput(f"秘密鍵 {key_file} を読めません: {error}") from None
    client = _pinned(host, port, host_key_line)
    try:
        client.connect(host, port=port, username=username, pkey=private, look_for_keys=False, allow_agent=False,
                       timeout=15)
    except paramiko.BadHostKeyException:
        raise InvalidInput(f"{host}:{port} が固定したホスト鍵と違う鍵を示したため、接続を中止しました") from None
    except paramiko.AuthenticationException:
        raise InvalidInput(f"{host}:{port} が {username} のこの鍵でのログインを拒否しました") from None
    return client


@contextmanager
def sftp_session(**connection) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session over `connect(**connection)`, closed however the block ends."""
    client = connect(**connection)
    try:
        yield client.open_sftp()
    finally:
        client.close()


def push(sftp: paramiko.SFTPClient, local: Path, remote_dir: str = "inbox") -> str:
    """Upload under `name.filepart`, then rename: the server sees the file only when it is whole."""
    final = f"{remote_dir.rstrip('/')}/{local.name}"
    partial = final + ".filepart"
    sftp.put(str(local), partial, confirm=True)
    sftp.posix_rename(partial, final)
    return final


def pull(sftp: paramiko.SFTPClient, local_dir: Path, remote_dir: str = "outbox") -> list[Path]:
    """Download every file of `remote_dir` not already here with the same size."""
    local_dir.mkdir(parents=True, exist_ok=True)
    fetched = []
    for entry in sftp.listdir_attr(remote_dir):
        if not stat.S_ISREG(entry.st_mode or 0) or entry.filename.startswith("."):
            continue
        target = local_dir / entry.filename
        if target.exists() and target.stat().st_size == entry.st_size:
            continue
        partial = target.with_name(f".{target.name}.partial")
        with partial.open("wb") as handle:
            sftp.getfo(f"{remote_dir}/{entry.filename}", handle, max_concurrent_prefetch_requests=PREFETCH)
        partial.replace(target)
        fetched.append(target)
    return fetched
