"""`secretariat …` run as operators run it, in its own process, with its peak memory measured.

The process gets an address-space ceiling, so a decoder that runs away fails there (and the test
with it) instead of taking the memory of the machine the tests share.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADDRESS_SPACE_CEILING = 3 * 2**30
SECRETARIAT = Path(sys.executable).parent / "secretariat"


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: str
    stderr: str
    peak_mb: float  # the process's peak resident memory


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CEILING, ADDRESS_SPACE_CEILING))


def run_secretariat(*arguments, data_dir: Path, database_url: str = "") -> Finished:
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith(("SECRETARIAT_", "OPENCV_"))}  # the defaults, as shipped
    environ.update(SECRETARIAT_DATA_DIR=str(data_dir))
    if database_url:
        environ.update(SECRETARIAT_DATABASE_URL=database_url)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([str(SECRETARIAT), *map(str, arguments)], stdout=out, stderr=err, env=environ,
                                   preexec_fn=_ceiling)
        _pid, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not the test run's
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(process.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)
