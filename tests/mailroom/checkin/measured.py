"""`secretariat …` run as operators run it, in its own process, with its peak memory measured.

The process gets an address-space ceiling, so a decoder that runs away fails there (and the test
with it) instead of taking the memory of the machine the tests share.
"""

from __future__ import annotations

import os
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


# The command is started by a small Python that measures it: Linux gives a process the peak of
# the one it was forked from, so a child of the (large) test run would report the test run's size.
_MEASURE = """
import os, resource, subprocess, sys
ceiling = int(sys.argv[1])
limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
child = subprocess.Popen(sys.argv[2:], preexec_fn=limit)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, file=open(os.environ["MEASURED_TO"], "w"))
"""


def run_secretariat(*arguments, data_dir: Path, database_url: str = "") -> Finished:
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith(("SECRETARIAT_", "OPENCV_"))}  # the defaults, as shipped
    environ.update(SECRETARIAT_DATA_DIR=str(data_dir))
    if database_url:
        environ.update(SECRETARIAT_DATABASE_URL=database_url)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as measured:
        environ.update(MEASURED_TO=measured.name)
        subprocess.run([sys.executable, "-c", _MEASURE, str(ADDRESS_SPACE_CEILING), str(SECRETARIAT),
                        *map(str, arguments)], stdout=out, stderr=err, env=environ, check=True)
        exit_code, peak_kib = measured.read().split()
        out.seek(0)
        err.seek(0)
        return Finished(int(exit_code), out.read().decode(), err.read().decode(), int(peak_kib) / 1024)
