"""Benchmark: how long `secretariat` takes to start (the target: under half a second).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--executable .venv/bin/secretariat]

Every scanner-station script and cron job pays the start-up on each call, so it is measured as
they see it: the wall time of the installed console script, from exec to exit. `--help` stops
just before a command's body would run, so `mailroom check --help` is the set-up the check pays
before its first page. The last line adds one blank page through `mailroom check`, which loads
OpenCV and NumPy for the check itself.

Best and median of --runs runs each, after one untimed run; on a shared machine the best is the
figure to compare. The runs may write bytecode (PYTHONDONTWRITEBYTECODE is dropped), as an
installed package has it: pip compiles a package when it installs it, so no operator's start-up
compiles our sources.
`python -X importtime -c "import secretariat.cli"` says where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

COMMANDS = (["--help"], ["mailroom", "--help"], ["mailroom", "check", "--help"])


def blank_png(path: Path, width: int = 200, height: int = 280) -> Path:
    """A white greyscale PNG, written with the standard library only."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def wall_times(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--executable", type=Path, default=Path(sys.executable).parent / "secretariat",
                        help="the console script to time (default: the one installed beside this Python)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        # the check reads the settings, which would leave an instance key in ./secretariat-data
        env = {**os.environ, "SECRETARIAT_DATA_DIR": scratch}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        page = blank_png(Path(scratch) / "blank.png")
        for words in (*COMMANDS, ["mailroom", "check", "--json", str(page)]):
            wall_times([str(arguments.executable), *words], 1, env)  # compiles what was never run
            times = wall_times([str(arguments.executable), *words], arguments.runs, env)
            shown = " ".join(words).replace(str(page), "blank.png")
            print(f"secretariat {shown:<32} best {min(times) * 1000:6.0f} ms   "
                  f"median {statistics.median(times) * 1000:6.0f} ms   ({arguments.runs} runs)")


if __name__ == "__main__":
    main()
