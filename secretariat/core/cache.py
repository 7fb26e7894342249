"""The machine's cache folder: what the product derives from its own files and keeps between runs
(rendered reference pages, loaded layouts). Everything in it is named by a digest of what made it,
so nothing there is ever stale, and deleting it is always safe."""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """`SECRETARIAT_CACHE_DIR`, else the user's cache folder (`$XDG_CACHE_HOME` or ~/.cache) under
    secretariat: shared by every process of the machine."""
    explicit = os.environ.get("SECRETARIAT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "secretariat"


def keep(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write a cache file beside its final name with `write(handle)` and rename it in, so a reader
    sees the whole file or none. False where it cannot be written (a read-only home): whatever it
    holds is then made again next time, which costs only time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            write(handle)
        os.replace(handle.name, path)
    except OSError as error:
        log.info("%s not cached (%s)", path.name, error.strerror or error)
        return False
    return True


def installed(*modules: str) -> str:
    """Where each module is installed, with its file's size and time (installing another version
    changes them): part of a cache file's name, found without importing the modules or reading
    their distributions' metadata (`importlib.metadata` alone takes longer to load)."""
    stamps = []
    for module in modules:
        origin = Path(importlib.util.find_spec(module).origin)
        stat = origin.stat()
        stamps.append(f"{origin}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stamps)
