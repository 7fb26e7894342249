"""Workers: take a due job from the table, run its function, record how it ended.

A worker claims a job in one statement (on PostgreSQL its candidate row is locked with
`FOR UPDATE SKIP LOCKED`, so workers on any number of machines never take the same row; SQLite
has one writer at a time, so the statement is atomic there). While it runs, the worker beats
the job's heartbeat; a job whose heartbeat is older than the lease (its worker was killed, or
its machine lost) is due again, and its function, being resumable, carries on where the
committed work ends.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from secretariat.core.clock import utcnow
from secretariat.core.db import is_sqlite
from secretariat.core.errors import DomainError
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.registry import JobContext, Registry, Stopping
from secretariat.core.jobs.schedule import Schedule
from secretariat.core.jobs.service import add_local_waker, remove_local_waker

log = logging.getLogger(__name__)
LOST_WORKER = "前のワーカーが応答しなくなりました（強制終了・停止など）"
LEASE_S = 30.0  # a running job whose heartbeat is older than this is taken to have lost its worker
POLL_S = 1.0    # how often an idle worker looks at the queue
SCHEDULE_LOOK_S = 20.0  # how often a worker looks at the schedule for a periodic job that is due
_numbers = itertools.count(1)
_NOW = bindparam("now", type_=DateTime(timezone=True))
_STALE = bindparam("stale", type_=DateTime(timezone=True))
# a job's end, as `Worker._mine` words it, with everything bound when it runs (built once)
_FINISH = (update(Job).where(Job.id == bindparam("job_id"), Job.worker == bindparam("holder"),
                             Job.state == JobState.running.value)
           .values(state=JobState.done.value, finished_at=bindparam("at", type_=DateTime(timezone=True)),
                   last_error=""))


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    args: dict[str, Any]
    attempts: int


class Worker:
    """Takes jobs of the kinds its registry knows, one at a time.

    `only_job`: take that one job and no other (a command that runs its own job, such as
    `secretariat mailroom ingest`); `only_key`: take only the job with that key and the jobs under
    it (keys `only_key/…`, such as a print run's batches). With either, a job whose worker was a
    process of this machine that no longer exists (a command killed mid-job) is taken at once,
    not after the lease.
    """

    def __init__(self, engine: Engine, registry: Registry, *, lease_s: float = LEASE_S, poll_s: float = POLL_S,
                 clock: Callable[[], datetime] = utcnow, name: str | None = None, schedule: Schedule | None = None,
                 only_job: int | None = None, only_key: str | None = None):
        self.engine, self.registry = engine, registry
        self.only_job, self.only_key = only_job, only_key
        self.schedule = schedule or Schedule()
        self._next_schedule_look: datetime | None = None
        self.lease_s, self.poll_s, self.clock = lease_s, poll_s, clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{next(_numbers)}"
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._current: int | None = None
        self._connection: Connection | None = None  # the worker thread's own (see `_execute`)
        self._statements = None  # the claim's, once built (see `_claim_statements`)

    # --- the loop -------------------------------------------------------------------------

    def run(self, *, burst: bool = False) -> None:
        """Take jobs until `stop()` (or, with `burst`, until none is due)."""
        add_local_waker(self._wake)
        beating = threading.Thread(target=self._beat, name=f"job-heartbeat-{self.name}", daemon=True)
        beating.start()
        try:
            while not self.stopping.is_set():
                self.look_at_schedule()
                if self.run_one():
                    continue
                if burst:
                    break
                self._wake.wait(self.poll_s)
                self._wake.clear()
        finally:
            remove_local_waker(self._wake)
            self.stopping.set()
            beating.join()
            self._let_go_of_connection()

    def stop(self) -> None:
        """Stop taking jobs; a running job is handed back to the queue at its next progress report."""
        self.stopping.set()
        self._wake.set()

    def run_one(self) -> bool:
        """Run one due job to its end (done, retried later, failed or handed back); False if none was due."""
        claimed = self._claim()
        if claimed is None:
            return False
        kind = self.registry[claimed.kind]
        if claimed.attempts > kind.max_attempts:  # its workers keep dying on it (the OOM killer…)
            self._give_up(claimed)
            return True
        self._current = claimed.id
        context = JobContext(self.engine, claimed.id, claimed.attempts,
                             _report=lambda done, total: self._report(claimed.id, done, total),
                             _stopping=self.stopping.is_set)
        log.info("job %s (%s) attempt %d started on %s", claimed.id, claimed.kind, claimed.attempts, self.name)
        try:
            kind.function(context, **claimed.args)
        except Stopping:
            self._hand_back(claimed)
        except Exception as error:  # noqa: BLE001 — any failure of the job is recorded on its row
            self._failed(claimed, error, kind.retry_delays_s)
        else:
            self._finished(claimed.id)
        finally:
            self._current = None
        return True

    def look_at_schedule(self) -> None:
        """Queue the periodic jobs that are due (at most every `SCHEDULE_LOOK_S`); a store that is
        busy for a moment only delays them to the next look."""
        now = self.clock()
        if not self.schedule or (self._next_schedule_look is not None and now < self._next_schedule_look):
            return
        self._next_schedule_look = now + timedelta(seconds=SCHEDULE_LOOK_S)
        try:
            self.schedule.queue_due(self.engine, now, worker=self.name)
        except Exception:  # noqa: BLE001 — the next look tries again; the jobs already queued run meanwhile
            log.warning("the schedule could not be looked at", exc_info=True)

    # --- the row's state --------------------------------------------------------------------

    def _claimable(self):
        """Due jobs of this worker's kinds; the moment (`now`) and the lease's edge (`stale`) are bound
        when the statement runs, so a worker builds its statements once."""
        due = or_(and_(Job.state == JobState.queued.value, Job.run_after <= _NOW),
                  and_(Job.state == JobState.running.value, Job.heartbeat_at < _STALE))
        chosen = self._chosen()
        if chosen is None:
            return and_(Job.kind.in_(self.registry.names), due)
        lost = _lost_local_holders(self.engine, chosen)
        if lost:
            due = or_(due, and_(Job.state == JobState.running.value, Job.worker.in_(lost)))
        return and_(Job.kind.in_(self.registry.names), chosen, due)

    def _chosen(self):
        """The jobs `only_job` or `only_key` restrict this worker to (None: every job)."""
        if self.only_job is not None:
            return Job.id == self.only_job
        if self.only_key is not None:
            return or_(Job.key == self.only_key, Job.key.startswith(self.only_key + "/", autoescape=True))
        return None

    def _claim(self) -> Claimed | None:
        now = self.clock()
        moments = {"now": now, "stale": now - timedelta(seconds=self.lease_s)}
        look, claim = self._claim_statements()
        # On SQLite a read first: an idle worker never takes the write lock. PostgreSQL's UPDATE
        # of no row takes no lock worth a second round trip.
        if is_sqlite(self.engine) and self._execute(look, moments).first() is None:
            return None
        row = self._execute(claim, moments).first()
        return Claimed(*row) if row else None

    def _claim_statements(self):
        """(the look, the claim): built once, unless this worker is restricted to jobs whose lost
        holders it must look up each time."""
        if self._statements is not None:
            return self._statements
        claimable = self._claimable()
        candidate = (select(Job.id).where(claimable).order_by(Job.run_after, Job.id).limit(1)
                     .with_for_update(skip_locked=True).scalar_subquery())
        claim = (update(Job).where(Job.id == candidate)
                 .values(state=JobState.running.value, attempts=Job.attempts + 1, heartbeat_at=_NOW, worker=self.name,
                         started_at=func.coalesce(Job.started_at, _NOW),
                         last_error=case((Job.state == JobState.running.value, LOST_WORKER), else_=Job.last_error))
                 .returning(Job.id, Job.kind, Job.args, Job.attempts))
        statements = (select(Job.id).where(claimable).limit(1), claim)
        if self._chosen() is None:
            self._statements = statements
        return statements

    def _execute(self, statement, parameters: dict | None = None):
        """One statement on the worker's own connection, each its own transaction (autocommit):
        the queue's bookkeeping costs one round trip per statement, with no BEGIN, COMMIT or
        check-out ping around it. A connection the store dropped while the worker was idle (a
        restart, an idle timeout) is replaced once; any other error is the caller's."""
        for last_try in (False, True):
            if self._connection is None:
                self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                return self._connection.execute(statement, parameters)
            except DBAPIError as error:
                self._let_go_of_connection()
                if last_try or not error.connection_invalidated:
                    raise

    def _let_go_of_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:  # already broken: nothing to hand back
                pass

    def _mine(self, job_id: int):
        """The job's row, while this worker still holds it (a worker that lost its lease changes nothing)."""
        return update(Job).where(Job.id == job_id, Job.worker == self.name, Job.state == JobState.running.value)

    def _report(self, job_id: int, done: int, total: int | None) -> None:
        values = dict(done=done, heartbeat_at=self.clock())
        if total is not None:
            values["total"] = total
        self._execute(self._mine(job_id).values(**values))

    def _finished(self, job_id: int) -> None:
        self._execute(_FINISH, {"job_id": job_id, "holder": self.name, "at": self.clock()})
        log.info("job %s done", job_id)

    def _hand_back(self, claimed: Claimed) -> None:
        self._execute(self._mine(claimed.id).values(state=JobState.queued.value, attempts=Job.attempts - 1,
                                                    run_after=self.clock(), heartbeat_at=None))
        log.info("job %s handed back to the queue: its worker is stopping", claimed.id)

    def _failed(self, claimed: Claimed, error: Exception, delays: tuple[int, ...]) -> None:
        text = describe_error(error)
        now = self.clock()
        if claimed.attempts <= len(delays):
            values = dict(state=JobState.queued.value, run_after=now + timedelta(seconds=delays[claimed.attempts - 1]),
                          heartbeat_at=None, last_error=text)
        else:
            values = dict(state=JobState.failed.value, finished_at=now, last_error=text)
        self._execute(self._mine(claimed.id).values(**values))
        # the traceback's frames, not the error's text: an exception's message may quote a row
        log.warning("job %s (%s) attempt %d failed: %s; %s\n%s", claimed.id, claimed.kind, claimed.attempts, text,
                    "retried later" if values["state"] == JobState.queued.value else "no attempts left",
                    "".join(traceback.format_tb(error.__traceback__)))

    def _give_up(self, claimed: Claimed) -> None:
        self._execute(self._mine(claimed.id).values(state=JobState.failed.value, finished_at=self.clock(),
                                                    attempts=Job.attempts - 1))
        log.warning("job %s (%s) failed: its worker was lost on every attempt", claimed.id, claimed.kind)

    def _beat(self) -> None:
        """Keep the running job's heartbeat fresh, between its own progress reports too."""
        while not self.stopping.wait(self.lease_s / 4):
            job_id = self._current
            if job_id is None:
                continue
            try:
                with self.engine.begin() as connection:
                    connection.execute(self._mine(job_id).values(heartbeat_at=self.clock()))
            except Exception:  # noqa: BLE001 — a store busy for a moment; the next beat tries again
                log.warning("job %s: heartbeat not recorded", job_id, exc_info=True)


def _lost_local_holders(engine: Engine, chosen) -> list[str]:
    """The names (`host:pid:n`) of the workers holding running jobs among `chosen` that were
    processes of this machine and no longer exist."""
    with engine.connect() as connection:
        holders = connection.execute(select(Job.worker).where(chosen, Job.state == JobState.running.value)
                                     .distinct()).scalars().all()
    return [holder for holder in holders if _gone_from_this_machine(holder)]


def _gone_from_this_machine(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        return False
    return False


def describe_error(error: BaseException) -> str:
    """What a supervisor sees of a failure. A domain error's message is written to be shown (it names
    identifiers, never a resident); any other error shows only its type and where it was raised,
    since its text may quote a row (a database error's parameters, a value that failed to parse)."""
    if isinstance(error, DomainError):  # its Japanese sentence, with the kind of error beside it
        return f"{error.message}（{type(error).__name__}）"[:500]
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f", {Path(last.filename).name}:{last.lineno} {last.name}"
    return f"予期しないエラー（{type(error).__name__}{where}）"[:500]


# --- running workers ------------------------------------------------------------------------

class EmbeddedWorker:
    """The one worker `secretariat serve` runs inside the web process (the embedded default needs no
    other server): started with the app, stopped with it, its running job handed back to the queue."""

    def __init__(self, engine: Engine, registry: Registry, **options):
        self.worker = Worker(engine, registry, **options)
        self._thread = threading.Thread(target=self.worker.run, name="job-worker")

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        self.worker.stop()
        self._thread.join(timeout)


def work(database_url: str, registry_factory: Callable[[], Registry], *, lease_s: float = LEASE_S,
         poll_s: float = POLL_S, burst: bool = False, parent: int | None = None,
         schedule_factory: Callable[[], Schedule] | None = None, only_key: str | None = None) -> None:
    """A worker process's life: take jobs until SIGTERM or SIGINT (the running job is handed back),
    or with `burst` until none is due. `schedule_factory` (picklable, as the registry's): the
    periodic jobs this worker queues when they are due. `only_key`: see `Worker`."""
    from secretariat.core.db import make_engine
    from secretariat.core.logs import configure_logging
    from secretariat.core.workers import end_with_parent

    configure_logging()
    if parent is not None:
        end_with_parent(parent)
    engine = make_engine(database_url)
    worker = Worker(engine, registry_factory(), lease_s=lease_s, poll_s=poll_s,
                    schedule=schedule_factory() if schedule_factory else None, only_key=only_key)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    try:
        worker.run(burst=burst)
    finally:
        engine.dispose()


def work_in_processes(database_url: str, registry_factory: Callable[[], Registry], processes: int,
                      **options) -> int:
    """`processes` worker processes (spawned: this one may hold connections); SIGTERM or SIGINT here
    stops them all. Returns how many ended with an error."""
    from multiprocessing import get_context

    context = get_context("spawn")
    children = [context.Process(target=work, args=(database_url, registry_factory),
                                kwargs=dict(options, parent=os.getpid()), name=f"secretariat-worker-{number}")
                for number in range(1, processes + 1)]
    for child in children:
        child.start()

    def stop_all(*_):
        for child in children:
            if child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop_all) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            child.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return sum(1 for child in children if child.exitcode)
