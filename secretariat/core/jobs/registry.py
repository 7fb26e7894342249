"""What a worker can run: each domain's job functions, registered by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

# Waits before the second, third and fourth attempt of a failed job; after the last, it is failed.
RETRY_DELAYS_S = (10, 60, 300)


class Stopping(Exception):
    """Raised into a job function at its next progress report when its worker is stopping (a
    restart, SIGTERM): the job goes back to the queue, this attempt not counted, and resumes."""


@dataclass
class JobContext:
    """What a job function gets besides its arguments: the store, and a way to report progress."""

    engine: Engine
    job_id: int
    attempt: int  # 1 on the first run; more after a failure or a worker that died mid-job
    _report: Callable[[int, int | None], None] = field(repr=False)
    _stopping: Callable[[], bool] = field(repr=False, default=lambda: False)

    def progress(self, done: int, total: int | None = None) -> None:
        """Record how far the job has come (shown on its page and on /jobs); raises `Stopping`
        when the worker is stopping, so call it between units of work that are committed."""
        self._report(done, total)
        if self._stopping():
            raise Stopping()

    @property
    def stopping(self) -> bool:
        return self._stopping()

    def each(self, ids: Sequence[int], step: Callable[[Session, int], Any]) -> None:
        """Run `step(session, id)` for each id in a session and commit of its own, the progress being
        ids done of all: a retry finds the ones committed done (each step must see that itself)."""
        self.progress(0, len(ids))
        for number, item in enumerate(ids, start=1):
            with Session(self.engine) as session:
                step(session, item)
                session.commit()
            self.progress(number, len(ids))


JobFunction = Callable[..., Any]  # function(context: JobContext, **args); idempotent and resumable


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its name (stored on the row), its function and its name for people."""

    name: str
    function: JobFunction
    title: str  # Japanese, shown to the supervisor
    retry_delays_s: tuple[int, ...] = RETRY_DELAYS_S

    @property
    def max_attempts(self) -> int:
        return 1 + len(self.retry_delays_s)


class Registry:
    def __init__(self, kinds: Iterable[JobKind] = ()):
        self._kinds: dict[str, JobKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = kind

    def __getitem__(self, name: str) -> JobKind:
        return self._kinds[name]

    def __contains__(self, name: str) -> bool:
        return name in self._kinds

    @property
    def names(self) -> list[str]:
        return sorted(self._kinds)

    def title(self, name: str) -> str:
        kind = self._kinds.get(name)
        return kind.title if kind else name
