"""Killing a `secretariat` command with SIGKILL at a chosen point of its work.

A fault test runs the command once, never killed (the reference), watching a sign of its
progress (batch files written, pages copied in, the store being written) to learn when each
step of its work happens, in CPU seconds of the command: the wall clock of a shared two-core
machine stretches with everyone else's load, the CPU time a step needs hardly does. Each kill
point names a step and a fraction of the CPU time the reference took from it to the next; the
command is started on a fresh store set up identically, killed there, and run again to the end.
What the store and the files hold afterwards must equal what the reference left.

The command runs as a child of `launcher.py`, an interpreter that has imported the CLI once:
the entry point of `.venv/bin/secretariat` with the same arguments and environment, without
three seconds of imports per run (each fault test runs its command eleven times).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

LAUNCHER = Path(__file__).with_name("launcher.py")
POLL_S = 0.01
Progress = Callable[[], int]


@dataclass(frozen=True)
class Ended:
    returncode: int  # negative: killed by that signal
    seconds: float
    cpu_seconds: float
    log: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


class WarmCli:
    """Starts `secretariat …` commands, one at a time, as children of the launcher."""

    def __init__(self, cwd: Path):
        self.process = subprocess.Popen([sys.executable, str(LAUNCHER)], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        self._buffer = b""
        self.running: Running | None = None

    def start(self, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> "Running":
        self._end_running()
        order = dict(argv=[str(a) for a in argv], env=env, cwd=str(cwd), log=str(log))
        self.process.stdin.write((json.dumps(order) + "\n").encode())
        self.process.stdin.flush()
        self.running = Running(self, self._answer(timeout=60)["pid"], log)
        return self.running

    def starter(self, argv: list, database_url: str, data_dir: Path) -> Callable[[str], "Running"]:
        """start(log_name): `secretariat *argv` on this store and data folder, output to data_dir/log_name."""
        env = command_env(database_url, data_dir)
        return lambda log: self.start(argv, env=env, cwd=data_dir, log=data_dir / log)

    def _end_running(self) -> None:
        """A command a failed test left running is killed, and its answer read, before the next starts."""
        if self.running is not None and self.running.poll() is None:
            self.running.kill()
            self.running.wait()

    def _answer(self, timeout: float) -> dict | None:
        """The launcher's next line, or None if none arrives within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = max(deadline - time.monotonic(), 0)
            if not select.select([self.process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"the launcher died (exit status {self.process.wait()})")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        self._end_running()
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Running:
    """A command in its own process group: the launcher's child and any renderers it started."""

    def __init__(self, cli: WarmCli, pid: int, log: Path):
        self.cli, self.pid, self.log = cli, pid, log
        self.started = time.monotonic()
        self.returncode: int | None = None
        self.seconds = self.cpu_seconds = self._cpu_seen = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def cpu(self) -> float:
        """CPU seconds the command's main thread has used so far, to the nanosecond (the clock ticks of
        /proc/PID/stat are too coarse for the last steps of a run): the clock kill points keep."""
        if self.returncode is None:
            try:
                self._cpu_seen = int(Path(f"/proc/{self.pid}/schedstat").read_text().split()[0]) / 1e9
            except (FileNotFoundError, IndexError, ValueError):
                pass  # ended: the last reading stands until the launcher reports the total
        return self.cpu_seconds if self.returncode is not None else self._cpu_seen

    def poll(self) -> int | None:
        if self.returncode is None and (answer := self.cli._answer(timeout=0)) is not None:
            self._ended(answer)
        return self.returncode

    def _ended(self, answer: dict) -> None:
        self.returncode, self.cpu_seconds, self.seconds = answer["returncode"], answer["cpu_seconds"], self.elapsed()

    def kill(self) -> bool:
        """SIGKILL the whole process group; False if the command had already ended."""
        if self.poll() is not None:
            return False
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # ended between the poll and the kill
            return False
        return True

    def wait(self, timeout: float = 300) -> Ended:
        if self.returncode is None:
            answer = self.cli._answer(timeout=timeout)
            if answer is None:
                self.kill()
                raise TimeoutError(f"the command did not end within {timeout} s; log: {self.log.read_text()}")
            self._ended(answer)
        return Ended(self.returncode, self.seconds, self.cpu_seconds,
                     self.log.read_text(encoding="utf-8", errors="replace"))


@dataclass(frozen=True)
class Timeline:
    """The reference run's CPU seconds when its progress sign first reached 1, 2, …, and at its end.

    A progress sign's last value must mean the work is committed: no kill waits for it, so every
    kill point lies before the commit, and what follows it (printing the summary, exiting) is
    never mistaken for work.
    """

    reached: tuple[float, ...]
    end: float

    @property
    def levels(self) -> int:
        """Progress values a kill can wait for: 0 (just started) up to the last step before the commit."""
        return len(self.reached)

    def aimable(self, shortest: float) -> list[int]:
        """The levels whose time to the next step is at least `shortest` CPU seconds. A kill aimed
        between two steps that come together (the last batch file, then the manifest at once) is a
        race the watcher loses on a fast machine: it sees the step only after the next one."""
        return [level for level in range(self.levels) if self.gap_after(level) >= shortest] or [0]

    def gap_after(self, level: int) -> float:
        times = (0.0, *self.reached)
        return times[level + 1] - times[level]


def watch(running: Running, progress: Progress) -> tuple[Ended, Timeline]:
    """Run to the end, noting the CPU time at which the progress sign first reaches each value."""
    reached: list[float] = []
    while running.poll() is None:
        value, cpu = progress(), running.cpu()
        while len(reached) < value:
            reached.append(cpu)
        time.sleep(POLL_S)
    ended = running.wait()
    while len(reached) < progress():  # steps taken after the last look, just before the end
        reached.append(ended.cpu_seconds)
    return ended, Timeline(tuple(reached), ended.cpu_seconds)


@dataclass(frozen=True)
class KillPoint:
    level: int       # wait until the progress sign reaches this value…
    fraction: float  # …then for this fraction of the CPU time the reference took to the next step

    def __str__(self) -> str:
        return f"step {self.level} + {self.fraction:.0%}"


def kill_points(seed: int, levels: list[int], count: int = 5) -> list[KillPoint]:
    """`count` points spread over the run: one in each equal share of its aimable steps, at a
    random step within the share and a random moment after it (seeded, so a failure can be replayed)."""
    rng = random.Random(seed)
    return [KillPoint(level=levels[min(len(levels) - 1, int((index + rng.random()) * len(levels) / count))],
                      fraction=rng.uniform(0.1, 0.7)) for index in range(count)]


@dataclass(frozen=True)
class Kill:
    point: KillPoint
    at_seconds: float  # wall clock since the start, when the signal was sent
    at_cpu: float      # the command's CPU seconds then
    progress: int      # the progress sign then
    landed: bool       # the command was still running when killed
    ended: Ended
    reached: int = 0   # the progress sign once it had died: past `progress` if a step ended as the signal went


def kill_at(running: Running, progress: Progress, point: KillPoint, timeline: Timeline) -> Kill:
    """Wait for the point's step, then for its fraction of the CPU time the reference took to the
    next step; SIGKILL."""
    while progress() < point.level and running.poll() is None:
        time.sleep(POLL_S)
    until = running.cpu() + point.fraction * timeline.gap_after(point.level)
    while running.cpu() < until and running.poll() is None:
        time.sleep(POLL_S / 5)
    at, cpu, seen = running.elapsed(), running.cpu(), progress()
    landed = running.kill()
    ended = running.wait()
    return Kill(point, at, cpu, seen, landed, ended, reached=progress())


@dataclass
class Run:
    """One run of the command on a fresh store: the reference, or a kill and a re-run."""

    kill: Kill | None        # None for the reference
    left: object | None      # what the killed run left behind, None for the reference
    ended: Ended             # the run to the end (after a kill: the re-run)
    after: object            # what the store and the files hold then
    timeline: Timeline | None = None  # the reference's steps


def run_once(start: Callable[[str], Running], progress: Progress, point: KillPoint | None,
             timeline: Timeline | None, left: Callable[[], object], after: Callable[[], object]) -> Run:
    """The reference run when `point` is None; else a run killed at `point` and a re-run to the end.
    `start(log_name)` starts the command; `left` and `after` look at what it left."""
    if point is None:
        ended, timeline = watch(start("reference.log"), progress)
        return Run(None, None, ended, after(), timeline)
    kill = kill_at(start("killed.log"), progress, point, timeline)
    what_was_left = left()
    return Run(kill, what_was_left, start("rerun.log").wait(), after())


def reference_then_kills(command: str, seed: int, run: Callable[..., Run], count: int = 5,
                         shortest_gap: float = 0.0) -> list[Run]:
    """`run(name, point, timeline)` on a fresh store each time: the reference, then `count` kill
    points spread over the reference's steps, leaving out steps the next one follows within
    `shortest_gap` CPU seconds of the command (when the command's own CPU clock measures its steps;
    an ingest's pages are copied by other threads, so there every step is aimed at). Prints where
    each kill landed (`pytest -s`)."""
    reference = run("reference", None, None)
    assert reference.ended.returncode == 0, reference.ended.log
    killed = [_killed_before_the_next_step(run, f"kill-{number}", point, reference.timeline)
              for number, point in enumerate(kill_points(seed, reference.timeline.aimable(shortest_gap), count), 1)]
    print(f"\n{command}: the reference's steps at cpu {[round(t, 2) for t in reference.timeline.reached]} s, "
          f"its end at cpu {reference.timeline.end:.2f} s")
    for run_ in killed:
        print(describe(command, reference.ended, run_.kill, run_.left, run_.ended))
    return [reference, *killed]


def _killed_before_the_next_step(run: Callable[..., Run], name: str, point: KillPoint, timeline: Timeline,
                                 attempts: int = 3) -> Run:
    """A run killed at `point`, started again on a fresh store when the watcher saw the command
    already past the point's next step as it sent the signal, or finding it past that step once it
    had died: on a loaded machine a short last step (the manifest, then the commit) can be over
    between two looks, or between the last look and the signal, and that kill would test a
    finished run, not the point."""
    made = run(name, point, timeline)
    for attempt in range(2, attempts + 1):
        if max(made.kill.progress, made.kill.reached) <= point.level:
            break
        made = run(f"{name}-attempt-{attempt}", point, timeline)
    return made


def command_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The caller's environment with the store and data folder of this run, as a user would set them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARIAT_")}
    return env | {"SECRETARIAT_DATABASE_URL": database_url, "SECRETARIAT_DATA_DIR": str(data_dir)}


class StoreProbe:
    """Looks at a store from outside while a command works in it, on a connection of its own."""

    def __init__(self, database_url: str):
        url = make_url(database_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        if self.sqlite:
            import sqlite3

            self.connection = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        else:
            import psycopg

            self.connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                              autocommit=True)

    def writing(self) -> bool:
        """Another connection is writing. PostgreSQL: a backend of this database holds a transaction
        id. SQLite: the write lock is taken (`BEGIN IMMEDIATE` fails at once); when it is free the
        probe releases it at once, having written nothing, so the command waits a moment at most."""
        if not self.sqlite:
            return self.connection.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'transactionid' AND a.datname = current_database() "
                "AND a.pid <> pg_backend_pid())").fetchone()[0]
        import sqlite3

        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        self.connection.execute("ROLLBACK")
        return False

    def rows(self, table: str) -> int:
        """Committed rows of `table`."""
        return self.connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

    def close(self) -> None:
        self.connection.close()


@contextmanager
def store_probe(database_url: str) -> Iterator[StoreProbe]:
    probe = StoreProbe(database_url)
    try:
        yield probe
    finally:
        probe.close()


def files_in(folder: Path, pattern: str = "*") -> Progress:
    """A progress sign: how many files matching `pattern` exist under `folder` (at any depth)."""
    return lambda: sum(1 for path in folder.rglob(pattern) if path.is_file()) if folder.exists() else 0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    return sha256(Path(path).read_bytes())


@contextmanager
def session_on(database_url: str) -> Iterator:
    """A session on a store, its engine disposed afterwards (a test looks at six stores)."""
    from sqlmodel import Session

    from secretariat.core.db import make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def digest(rows) -> str:
    """One hash for a set of rows (their order ignored), to compare large tables by content."""
    return sha256(repr(sorted(tuple(row) for row in rows)).encode())


def describe(command: str, reference: Ended, kill: Kill, left: object, rerun: Ended) -> str:
    """One line per kill point for the test log (`pytest -s`): where the kill landed and what it left."""
    return (f"{command}: kill at {kill.point} = cpu {kill.at_cpu:.2f} s of the reference's "
            f"{reference.cpu_seconds:.2f} s "
            f"(wall {kill.at_seconds:.2f} of {reference.seconds:.2f} s), progress sign {kill.progress}, "
            f"{'killed mid-work' if kill.landed else 'had ENDED before the kill'}; left {left}; "
            f"re-run {rerun.seconds:.2f} s (cpu {rerun.cpu_seconds:.2f} s)")
