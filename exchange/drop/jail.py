"""Mapping a client's path into its drop, and refusing every way out.

The client sees its drop as `/` (like a chroot): `/inbox/x.csv` and `inbox/x.csv` are the same
file. A `..` that would climb above `/`, a symbolic link anywhere on the way, or a name with a
NUL or backslash is refused, never silently bent back inside.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FOLDERS = ("inbox", "outbox", "archive")


class OutsideJail(PermissionError):
    pass


def jail_path(root: Path, client_path: str | bytes) -> Path:
    if isinstance(client_path, bytes):
        client_path = client_path.decode("utf-8", errors="strict")
    if "\x00" in client_path or "\\" in client_path:
        raise OutsideJail(f"パス {client_path!r} には使えない文字（NUL またはバックスラッシュ）が含まれています")
    parts: list[str] = []
    for part in client_path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise OutsideJail("パスがSFTPフォルダの外を指しています（.. で最上位より上には出られません）")
            parts.pop()
            continue
        parts.append(part)
    real = root.joinpath(*parts)
    _refuse_links(root, parts)
    return real


def _refuse_links(root: Path, parts: list[str]) -> None:
    here = root
    for part in parts:
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode):
            raise OutsideJail("パスがシンボリックリンクを経由しています（SFTPフォルダでは使えません）")


def client_view(root: Path, real: Path) -> str:
    relative = real.relative_to(root).as_posix()
    return "/" if relative == "." else "/" + relative


def make_drop(root: Path) -> Path:
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    return root
