"""Benchmark: how long `secretariat` takes to start (the target: under half a second).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--executable .venv/bin/secretariat]

Every scanner-station script and cron job pays the start-up on each call, so it is measured as
they see it: the wall time of the installed console script, from exec to exit. `--help` stops
just before a command's body would run, so `mailroom check --help` is the part of the check's
set-up that every command shares (Python, typer, the command tree). Then `mailroom check` itself, on a blank page (refused before any template
is read) and on one page of a filled-in 支給要件確認書 as a scanner delivers it (300 dpi JPEG, made
here with the scan simulator), which loads OpenCV, NumPy and the templates. The same page is
then checked again and again in this process, warm, for what the page itself costs, so

    set-up before the first page = `mailroom check form.jpg` − the page's own check

(`--workers` is left out: a single page is checked in the command's own process anyway, and typer
would load pydantic to read the number.)

Each line gives the wall time and the process's own CPU time (user + sys, from the kernel's
accounting of the child), best and median of --runs runs, after one untimed run (which also fills
the caches: rendered reference pages and loaded templates, in a scratch `SECRETARIAT_CACHE_DIR`).
On a shared machine the wall time follows the other processes' load; the CPU time much less so.
The runs may write bytecode (PYTHONDONTWRITEBYTECODE is dropped), as an installed package has
it: pip compiles a package when it installs it, so no operator's start-up compiles our sources.
`python -X importtime -c "import secretariat.cli"` says where the time goes.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def form_jpeg(path: Path) -> Path:
    """Page 1 of a filled-in 支給要件確認書, printed, filled and fed through a simulated scanner."""
    import numpy

    from mailroom.printing.samples import synthetic_addressees
    from mailroom.scanning import simulate
    from templates.loader import default_templates

    template = default_templates()["kakuninsho-hikazei"]
    rng = numpy.random.default_rng(0)
    image = simulate.render_pages(template, synthetic_addressees(1)[0], "P1-H1-1")[0].copy()
    simulate.fill_page(image, template, 1, simulate.complete_plan(rng, new_account=True), 300, rng, simulate.Truth())
    path.write_bytes(simulate.to_jpeg(simulate.scan(image, simulate.Feed(), 300, rng), 85))
    return path


def timed(command: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + sys) seconds of each run."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def shown(label: str, walls: list[float], cpus: list[float]) -> str:
    return line(label, (min(walls), statistics.median(walls)), (min(cpus), statistics.median(cpus)))


def line(label: str, wall: tuple[float, float], cpu: tuple[float, float]) -> str:
    """`label`, then the (best, median) wall and CPU seconds in milliseconds."""
    return (f"{label:<62} wall best {wall[0] * 1000:5.0f} median {wall[1] * 1000:5.0f} ms   "
            f"cpu best {cpu[0] * 1000:5.0f} median {cpu[1] * 1000:5.0f} ms")


def page_times(page: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of checking `page` in this process, after one check that loads everything."""
    from mailroom.scanning.parallel import PageTask, check_page

    check_page(PageTask(str(page)))
    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        check_page(PageTask(str(page)))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return walls, cpus


def less(whole: list[float], part: list[float]) -> tuple[float, float]:
    """Best and median of `whole` − `part`, each from its own series."""
    return min(whole) - min(part), statistics.median(whole) - statistics.median(part)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--executable", type=Path, default=Path(sys.executable).parent / "secretariat",
                        help="the console script to time (default: the one installed beside this Python)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        # the check reads the settings, which would leave an instance key in ./secretariat-data; the
        # caches start empty (the untimed runs fill them), here and in the commands alike
        os.environ["SECRETARIAT_CACHE_DIR"] = str(Path(scratch) / "cache")
        env = {**os.environ, "SECRETARIAT_DATA_DIR": scratch}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        blank = blank_png(Path(scratch) / "blank.png")
        form = form_jpeg(Path(scratch) / "form.jpg")
        check = ["mailroom", "check", "--json"]
        print(f"{arguments.runs} runs each, after one untimed run")
        for words in (*COMMANDS, [*check, str(blank)], [*check, str(form)]):
            timed([str(arguments.executable), *words], 1, env)  # compiles what was never run, fills the caches
            walls, cpus = timed([str(arguments.executable), *words], arguments.runs, env)
            label = " ".join(words).replace(str(blank), "blank.png").replace(str(form), "form.jpg")
            print(shown(f"secretariat {label}", walls, cpus))
        page_walls, page_cpus = page_times(form, arguments.runs)
        print(shown("form.jpg's own check, in a warm process", page_walls, page_cpus))
        # `walls` and `cpus` are the last command's: `mailroom check form.jpg`
        print(line("set-up before the first page (target 500 ms)", less(walls, page_walls), less(cpus, page_cpus)))


if __name__ == "__main__":
    main()
