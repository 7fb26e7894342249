"""The SFTP drop server, built on paramiko.

Each municipality logs in with its own account, by public key only, and sees nothing but its
own drop (`jail.py`). A file in `inbox/` is taken for processing only when it is known to be
whole: uploaded under a temporary name (`x.csv.filepart`, `x.csv.part`, `.x.csv`) and renamed,
or accompanied by a `x.csv.sha256` manifest whose hash matches. A broken-off upload therefore
never reaches the importer. Every login and every file operation leaves an audit row; an
address that fails to log in too often is locked out for a while.

A file is taken only while no connection has it open for writing, and taking it links it into
`archive/` first: the manifest is checked against, and the importer reads, that copy. Uploads
never write into a file that has been taken (a truncating open starts a new file, any other
write to a taken file copies it first), so a later upload under the same name cannot change
the bytes that were checked, and the later upload is kept whole too.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import logging
import os
import queue
import shutil
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path

import paramiko
from paramiko.sftp import CMD_NAME, CMD_REALPATH, SFTP_FAILURE, SFTP_OK, SFTP_OP_UNSUPPORTED, SFTP_PERMISSION_DENIED
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.drop.jail import OutsideJail, client_view, jail_path, make_drop
from exchange.drop.login import Login, login_of, sha256_of
from exchange.drop.models import DropAccount
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST
from secretariat.core.tenancy.models import Municipality

log = logging.getLogger("secretariat.exchange.drop")

TEMPORARY_SUFFIXES = (".filepart", ".part", ".tmp", ".partial")
WINDOW = 1 << 25  # 32 MiB flow-control window: keeps a fast link busy
READ_AHEAD = 1 << 22  # the SFTP subsystem takes up to 4 MiB of pipelined requests from its channel at once
ANSWERS_HELD = 1 << 18  # and holds up to 256 KiB of answers while more requests wait


@dataclass(frozen=True)
class Taken:
    """A whole file taken from the inbox: its immutable copy in `archive/` and the inbox names
    (with their inodes) to clear once it is processed, unless a new upload has replaced them."""

    name: str
    archived: Path
    inbox: tuple[tuple[Path, int], ...]


class Busy(PermissionError):
    """Another connection is writing the file this request would open, rename or remove."""


def is_temporary(name: str) -> bool:
    return name.startswith(".") or name.endswith(TEMPORARY_SUFFIXES)


def load_host_key(path: Path) -> paramiko.PKey:
    """The drop's host key, generated on first start and kept, so clients' pinned keys stay valid."""
    if path.exists():
        return paramiko.ECDSAKey.from_private_key_file(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = paramiko.ECDSAKey.generate(bits=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    key.write_private_key_file(str(path))
    return key


def host_key_line(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {key.get_base64()}"


class DropServer:
    """Accepts connections on a socket; one thread per connection, one worker thread for imports."""

    def __init__(self, *, engine: Engine, drop_root: Path, host_key: paramiko.PKey,
                 processor: Callable[[Login, Path, str], None] | None = None, max_file_bytes: int = 2 << 30,
                 max_failures: int = 5, lockout_seconds: int = 900, settle_seconds: float = 0.5):
        self.engine, self.drop_root, self.host_key = engine, drop_root, host_key
        self.processor = processor
        self.max_file_bytes = max_file_bytes
        self.max_failures, self.lockout_seconds = max_failures, lockout_seconds
        self.settle_seconds = settle_seconds
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._files = threading.Lock()  # guards opening, renaming, removing and taking inbox files
        self._writers: dict[Path, int] = defaultdict(int)  # open write handles per file, across connections
        self._work: queue.Queue = queue.Queue()
        self._socket: socket.socket | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []

    # --- lifecycle -------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen and serve in background threads; returns the port (0 picks a free one)."""
        self._socket = socket.create_server((host, port), reuse_port=False)
        self._socket.settimeout(0.5)
        for target in (self._accept_loop, self._work_loop):
            thread = threading.Thread(target=target, name=f"drop-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self._socket.getsockname()[1]

    def stop(self) -> None:
        self._stopping.set()
        self._work.put(None)
        for transport in list(self._transports):
            transport.close()
        if self._socket:
            self._socket.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_idle(self, timeout: float = 60) -> None:
        """Until every complete upload so far has been processed, and every download audited (tests
        and the demo wait on this)."""
        deadline = time.monotonic() + timeout
        while self._work.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, (address, _port) = self._socket.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection, address), daemon=True,
                             name=f"drop-conn-{address}").start()

    def _serve(self, connection: socket.socket, address: str) -> None:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(connection, default_window_size=WINDOW, default_max_packet_size=1 << 15)
        self._transports.append(transport)
        transport.add_server_key(self.host_key)
        transport.set_subsystem_handler("sftp", _SFTPSubsystem, _DropSFTP)
        gate = _Gate(self, address)
        try:
            transport.start_server(server=gate)
            while transport.is_active() and not self._stopping.is_set():
                time.sleep(0.2)
        except (paramiko.SSHException, EOFError, OSError) as error:
            log.info("drop connection from %s ended: %s", address, error)
        finally:
            transport.close()
            self._transports.remove(transport)

    # --- logins ----------------------------------------------------------------------------
    def locked_out(self, address: str) -> bool:
        with self._lock:
            recent = self._failures[address]
            while recent and recent[0] < time.monotonic() - self.lockout_seconds:
                recent.popleft()
            return len(recent) >= self.max_failures

    def login_failed(self, address: str, username: str, why: str) -> None:
        with self._lock:
            self._failures[address].append(time.monotonic())
        self.audit(Actor(username=f"sftp:{username[:40]}", role=Role.system, address=address), "sftp_login_failed",
                   detail=why)

    def authenticate(self, username: str, key: paramiko.PKey, address: str) -> Login | None:
        offered = (key.get_name(), key.get_base64())
        with Session(self.engine) as session:
            found = session.exec(select(DropAccount, Municipality.code)
                                 .join(Municipality, Municipality.id == DropAccount.municipality_id)
                                 .where(DropAccount.username == username, DropAccount.active.is_(True))).first()
        if found is None:
            return None
        account, code = found
        keys = {tuple(line.split()[:2]) for line in account.authorized_keys.splitlines() if len(line.split()) >= 2}
        if offered not in keys:
            return None
        return login_of(account, code, make_drop(self.drop_root / code), address)

    def audit(self, actor: Actor, action: str, *, detail: str = "", municipality_id: int | None = None) -> None:
        with Session(self.engine) as session:
            record_audit(session=session, actor=actor, action=action, entity="drop",
                         municipality_id=municipality_id or actor.municipality_id, detail=detail)
            session.commit()

    def audit_download(self, login: Login, served: int, name: str, sent: int) -> None:
        """Audit a download with the SHA-256 of the file served, hashed by the work thread from
        `served` (a descriptor of the file read, which this closes): the client has its close
        answered without waiting for a pass over the whole file. Every writer of an outbox
        replaces a file by renaming a new one over it, so the descriptor still holds what was served."""
        def hash_and_audit() -> None:
            try:
                digest, size, at = hashlib.sha256(), os.fstat(served).st_size, 0
                while chunk := os.pread(served, 1 << 20, at):  # the shared offset is wherever the reads left it
                    digest.update(chunk)
                    at += len(chunk)
            finally:
                os.close(served)
            outcome = "complete" if sent >= size else f"partial ({sent} of {size} bytes)"
            self.audit(login.actor(), "sftp_download",
                       detail=f"file={name} size={size} sha256={digest.hexdigest()} outcome={outcome}")
        self._work.put(hash_and_audit)

    # --- files being written ------------------------------------------------------------
    def open_for_writing(self, real: Path, flags: int):
        """Open an inbox file for an upload: one writer per file, and never into a taken file."""
        with self._files:
            if self._writers[real]:
                raise Busy(f"{real.name} は別の接続が書き込み中です。書き込みが終わってからやり直してください")
            if not flags & os.O_EXCL and real.exists():
                if flags & os.O_TRUNC:
                    real.unlink()  # a new file: whoever holds the old one (the archive) keeps it as it was
                elif os.lstat(real).st_nlink > 1:
                    _copy_before_writing(real)
            fd = os.open(real, (flags & (os.O_CREAT | os.O_TRUNC | os.O_EXCL | os.O_APPEND)) | os.O_WRONLY
                         | os.O_NOFOLLOW, 0o640)
            self._writers[real] += 1
        return os.fdopen(fd, "ab" if flags & os.O_APPEND else "wb")

    def done_writing(self, real: Path) -> None:
        with self._files:
            self._writers[real] -= 1
            if not self._writers[real]:
                del self._writers[real]

    def rename(self, old: Path, new: Path, *, overwrite: bool) -> None:
        with self._files:
            if self._writers.get(old) or self._writers.get(new):
                raise Busy(f"{old.name} または {new.name} は別の接続が書き込み中です。書き込みが終わってからやり直してください")
            if not overwrite and new.exists():
                raise FileExistsError(errno.EEXIST, "the target exists", new.name)
            os.replace(old, new)

    def remove(self, real: Path) -> None:
        with self._files:
            if self._writers.get(real):
                raise Busy(f"{real.name} は別の接続が書き込み中です。書き込みが終わってからやり直してください")
            real.unlink()

    # --- complete files --------------------------------------------------------------------
    def consider(self, login: Login, real: Path) -> None:
        """A file in the inbox was closed or renamed: take it if it is known to be whole."""
        if real.parent != login.root / "inbox" or is_temporary(real.name):
            return
        if real.name.endswith(".sha256"):
            data = real.with_name(real.name.removesuffix(".sha256"))
            if data.exists():
                self._take_with_manifest(login, data, real)
            return
        manifest = real.with_name(real.name + ".sha256")
        if manifest.exists():
            self._take_with_manifest(login, real, manifest)
        # otherwise it waits: closed is not the same as whole (a cut-off upload is closed too)

    def renamed_into_place(self, login: Login, real: Path) -> None:
        """A rename to a final name in the inbox is the client saying the file is whole."""
        if real.parent != login.root / "inbox" or is_temporary(real.name):
            return
        if real.name.endswith(".sha256"):
            self.consider(login, real)
        else:
            taken = self._take(login, real)
            if taken is not None:
                self._queue(login, taken)

    def _take_with_manifest(self, login: Login, data: Path, manifest: Path) -> None:
        taken = self._take(login, data, manifest)
        if taken is None:
            return
        words = manifest.read_text(encoding="ascii", errors="replace").split()
        expected = words[0].lower() if words else ""
        actual = sha256_of(taken.archived)  # the copy that will be imported, which nobody can change
        if actual != expected:
            taken.archived.unlink()
            self.audit(login.actor(), "sftp_manifest_mismatch",
                       detail=f"file={data.name} sha256={actual} manifest={expected[:64]}")
            return
        self._queue(login, taken)

    def _take(self, login: Login, data: Path, manifest: Path | None = None) -> Taken | None:
        """Link a whole file into the archive, unless a connection is still writing it (or its
        manifest): that writer's close considers it again."""
        names = (data,) if manifest is None else (data, manifest)
        with self._files:
            if any(self._writers.get(name) for name in names):
                return None
            try:
                inodes = tuple((name, os.lstat(name).st_ino) for name in names)
            except FileNotFoundError:
                return None
            archived = _link_into(login.root / "archive", data)
        return Taken(name=data.name, archived=archived, inbox=inodes)

    def _queue(self, login: Login, taken: Taken) -> None:
        self._work.put((login, taken, time.monotonic() + self.settle_seconds))

    def _clear_inbox(self, taken: Taken) -> None:
        """Remove the taken names from the inbox, but not a file a new upload has put there since."""
        with self._files:
            for name, inode in taken.inbox:
                try:
                    if os.lstat(name).st_ino == inode and not self._writers.get(name):
                        name.unlink()
                except FileNotFoundError:
                    pass

    def _work_loop(self) -> None:
        while True:
            item = self._work.get()
            try:
                if item is None:
                    return
                if callable(item):  # a download's audit
                    item()
                    continue
                login, taken, ready_at = item
                if self.processor is not None:
                    self.processor(login, taken.archived, taken.name)
                # a moment's grace: the client may still stat what it just closed (paramiko's put does)
                time.sleep(max(0.0, ready_at - time.monotonic()))
                self._clear_inbox(taken)
            except Exception:  # noqa: BLE001 - a failed import must not stop the drop; the cause is logged
                log.exception("processing a dropped file failed")
            finally:
                self._work.task_done()


def _link_into(folder: Path, data: Path) -> Path:
    """A second name for the file in `folder`, stamped with the time it was taken."""
    stamp = datetime.now(JST).strftime("%Y%m%d-%H%M%S")
    for attempt in itertools.count(1):
        archived = folder / (f"{stamp}-{data.name}" if attempt == 1 else f"{stamp}-{attempt}-{data.name}")
        try:
            os.link(data, archived, follow_symlinks=False)
            return archived
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


def _copy_before_writing(real: Path) -> None:
    """Give an inbox name its own copy of a taken file, so that writing to it leaves the taken one be."""
    fresh = real.with_name(f".{real.name}.{os.getpid()}.copy")
    shutil.copyfile(real, fresh, follow_symlinks=False)
    os.replace(fresh, real)


class _Gate(paramiko.ServerInterface):
    """Authentication: public keys only, with per-address lockout."""

    def __init__(self, drop: DropServer, address: str):
        self.drop, self.address = drop, address
        self.login: Login | None = None

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_none(self, username):
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        self.drop.login_failed(self.address, username, "password offered; only public keys are accepted")
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if self.drop.locked_out(self.address):
            self.drop.audit(Actor(username=f"sftp:{username[:40]}", role=Role.system, address=self.address),
                            "sftp_login_locked_out", detail="too many failed logins from this address")
            return paramiko.AUTH_FAILED
        # Each call checks the key it is given. paramiko asks this both for an unsigned "would this
        # key do?" query and, before verifying the signature, for the key that signs; the login
        # kept is always that of the latest key asked about, which is the key that signed.
        self.login = login = self.drop.authenticate(username, key, self.address)
        if login is None:
            self.drop.login_failed(self.address, username, f"unknown user or key ({key.get_name()})")
            return paramiko.AUTH_FAILED
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind, chanid):
        if kind == "session" and self.login is not None:
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name):
        if name != "sftp":
            return False
        self.drop.audit(self.login.actor(), "sftp_login", detail=f"account={self.login.username}")
        return super().check_channel_subsystem_request(channel, name)

    def check_channel_exec_request(self, channel, command):
        return False

    def check_channel_shell_request(self, channel):
        return False


def _errors(method):
    """Answer a client's request with the right SFTP status, and log any unexpected failure with its cause."""

    @wraps(method)
    def answer(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OutsideJail as error:
            self.drop.audit(self.login.actor(), "sftp_refused", detail=f"{method.__name__}: {error}")
            return SFTP_PERMISSION_DENIED
        except Busy as error:
            self.drop.audit(self.login.actor(), "sftp_refused", detail=f"{method.__name__}: {error}")
            return SFTP_FAILURE
        except PermissionError:
            return SFTP_PERMISSION_DENIED
        except OSError as error:
            return paramiko.SFTPServer.convert_errno(error.errno)
        except Exception:  # noqa: BLE001 - paramiko would answer a bare failure; we log why first
            log.exception("drop: %s failed on the server", method.__name__)
            return SFTP_FAILURE

    return answer


class _Handle(paramiko.SFTPHandle):
    def __init__(self, sftp: "_DropSFTP", real: Path, flags: int, handle):
        super().__init__(flags)
        self.sftp, self.real = sftp, real
        self.writing = bool(flags & (os.O_WRONLY | os.O_RDWR))
        self.bytes = 0
        self.refused = False
        # an upload is hashed as it arrives while the client writes in order (clients do), so that
        # the audit's hash costs no second pass while the client waits for the close; a download's
        # hash is taken after the close, off the transfer's path (`DropServer.audit_download`)
        self.digest = hashlib.sha256() if self.writing and not flags & os.O_APPEND else None
        self.served: int | None = None  # a descriptor of the file a download read, for its audit
        self.hashed = 0
        if self.writing:
            self.writefile = handle
            if flags & os.O_RDWR:
                self.readfile = handle
        else:
            self.readfile = handle

    def write(self, offset, data):
        if offset + len(data) > self.sftp.drop.max_file_bytes:
            self.refused = True
            return SFTP_FAILURE
        self.bytes += len(data)
        self._hash(offset, data)
        return super().write(offset, data)

    def _hash(self, offset: int, data: bytes) -> None:
        if self.digest is not None:
            if offset == self.hashed:
                self.digest.update(data)
                self.hashed += len(data)
            else:
                self.digest = None

    def sha256(self) -> str:
        size = self.real.stat().st_size
        if self.digest is not None and self.hashed == size:
            return self.digest.hexdigest()
        return sha256_of(self.real)

    def read(self, offset, length):
        data = super().read(offset, length)
        if isinstance(data, bytes):
            self.bytes += len(data)
        return data

    def close(self):
        if not self.writing and self.readfile is not None:
            # the bytes served, even if the file is replaced or removed before they are hashed
            self.served = os.dup(self.readfile.fileno())
        super().close()
        self.sftp.closed(self)


class _SFTPSubsystem(paramiko.SFTPServer):
    """paramiko's SFTP server, except in two ways.

    A path refused by `canonicalize` (a `cd ..` above the drop) is answered with a status the
    client can print, where paramiko would send a malformed name reply and make OpenSSH's client
    abort.

    Requests are read from the channel in large gulps, and answers go out together. paramiko asks
    the channel for each request's 4-byte length and then for its body; each ask shifts everything
    still buffered behind it (up to the client's whole window of pipelined writes) to the front of
    the channel's buffer, which made an upload spend more time moving bytes about than writing
    them. And it sent each answer as SSH packets of its own: a packet, with its encryption and its
    system call, for every 32 KiB written (its status), two for every 32 KiB read. Answers now
    wait while more requests are already here, and leave together, in full-sized packets, before
    the server waits for the client again.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ahead, self._ahead_at = b"", 0
        self._answers: list[bytes] = []
        self._answered = 0

    def _log(self, level, msg):
        if self.logger.isEnabledFor(level):  # paramiko builds each request's debug line before asking
            super()._log(level, msg)

    def _send_packet(self, t, packet):
        packet = packet.asbytes()
        self._answers.append(struct.pack(">IB", len(packet) + 1, t) + packet)
        self._answered += len(self._answers[-1])
        if self._answered >= ANSWERS_HELD:
            self._flush_answers()

    def _flush_answers(self) -> None:
        if self._answers:
            answers, self._answers, self._answered = b"".join(self._answers), [], 0
            self._write_all(answers)

    def _read_all(self, n):
        parts = []
        while n > 0:
            if self._ahead_at >= len(self._ahead):
                if not self.sock.recv_ready():
                    self._flush_answers()  # the client may be waiting for them before it sends more
                self._ahead, self._ahead_at = self.sock.recv(READ_AHEAD), 0
                if not self._ahead:
                    raise EOFError()
            part = self._ahead[self._ahead_at:self._ahead_at + n]
            self._ahead_at += len(part)
            n -= len(part)
            parts.append(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _process(self, t, request_number, msg):
        if t != CMD_REALPATH:
            return super()._process(t, request_number, msg)
        answer = self.server.canonicalize(msg.get_text())
        if isinstance(answer, int):
            return self._send_status(request_number, answer)
        return self._response(request_number, CMD_NAME, 1, answer, "", paramiko.SFTPAttributes())


class _DropSFTP(paramiko.SFTPServerInterface):
    """The file operations, each inside the account's drop."""

    def __init__(self, gate: _Gate, *args, **kwargs):
        super().__init__(gate, *args, **kwargs)
        self.gate, self.drop, self.login = gate, gate.drop, gate.login
        self.root = self.login.root

    def _real(self, path) -> Path:
        return jail_path(self.root, path)

    def _writable(self, real: Path) -> None:
        if real.parent != self.root / "inbox":
            raise OutsideJail("ファイルを置けるのは inbox/ だけです")

    @_errors
    def canonicalize(self, path):
        return client_view(self.root, self._real(path))

    @_errors
    def list_folder(self, path):
        real = self._real(path)
        entries = []
        for name in sorted(os.listdir(real)):
            attributes = paramiko.SFTPAttributes.from_stat(os.lstat(real / name))
            attributes.filename = name
            entries.append(attributes)
        return entries

    @_errors
    def stat(self, path):
        return paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))

    @_errors
    def lstat(self, path):
        return paramiko.SFTPAttributes.from_stat(os.lstat(self._real(path)))

    @_errors
    def open(self, path, flags, attr):
        real = self._real(path)
        writing = bool(flags & (os.O_WRONLY | os.O_RDWR))
        if writing:
            self._writable(real)
        if writing:
            handle = self.drop.open_for_writing(real, flags)
        else:
            handle = os.fdopen(os.open(real, os.O_RDONLY | os.O_NOFOLLOW), "rb")
        return _Handle(self, real, flags, handle)

    def closed(self, handle: _Handle) -> None:
        if not handle.writing:
            if handle.served is not None:
                self.drop.audit_download(self.login, handle.served, client_view(self.root, handle.real), handle.bytes)
            return
        self.drop.done_writing(handle.real)
        try:
            size = handle.real.stat().st_size if handle.real.exists() else 0
            digest = handle.sha256() if handle.real.exists() and not handle.refused else ""
            outcome = "refused: over the size limit" if handle.refused else "stored"
            self.drop.audit(self.login.actor(), "sftp_upload", detail=f"file={client_view(self.root, handle.real)} "
                            f"size={size} sha256={digest} outcome={outcome}")
            if handle.refused:
                handle.real.unlink(missing_ok=True)
            else:
                self.drop.consider(self.login, handle.real)
        except Exception:  # noqa: BLE001
            log.exception("drop: after-close bookkeeping failed")

    @_errors
    def remove(self, path):
        real = self._real(path)
        if real.parent not in (self.root / "inbox", self.root / "outbox"):
            raise OutsideJail("ファイルを削除できるのは inbox/ と outbox/ だけです")
        self.drop.remove(real)
        self.drop.audit(self.login.actor(), "sftp_remove", detail=f"file={client_view(self.root, real)}")
        return SFTP_OK

    @_errors
    def rename(self, oldpath, newpath):
        old, new = self._real(oldpath), self._real(newpath)
        return self._rename(old, new, overwrite=False)  # SFTP v3 rename never overwrites

    @_errors
    def posix_rename(self, oldpath, newpath):
        return self._rename(self._real(oldpath), self._real(newpath), overwrite=True)

    def _rename(self, old: Path, new: Path, *, overwrite: bool):
        self._writable(old)
        self._writable(new)
        self.drop.rename(old, new, overwrite=overwrite)
        self.drop.audit(self.login.actor(), "sftp_rename",
                        detail=f"from={client_view(self.root, old)} to={client_view(self.root, new)}")
        self.drop.renamed_into_place(self.login, new)
        return SFTP_OK

    @_errors
    def mkdir(self, path, attr):
        raise OutsideJail("フォルダは inbox/・outbox/・archive/ の3つに決まっていて、作成も削除もできません")

    @_errors
    def rmdir(self, path):
        raise OutsideJail("フォルダは inbox/・outbox/・archive/ の3つに決まっていて、作成も削除もできません")

    @_errors
    def chattr(self, path, attr):
        self._real(path)
        return SFTP_OK  # times and modes are ours to keep; accept and ignore, as many servers do

    @_errors
    def symlink(self, target_path, path):
        raise OutsideJail("SFTPフォルダにはシンボリックリンクを作れません")

    @_errors
    def readlink(self, path):
        self._real(path)
        return SFTP_OP_UNSUPPORTED
