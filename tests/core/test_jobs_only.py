"""A worker restricted to one job (`only_job`) or to one piece of work and the jobs under it
(`only_key`), as a command that runs its own work does."""

from __future__ import annotations

from sqlmodel import Session, select

from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobKind, Registry
from secretariat.core.jobs.service import enqueue
from secretariat.core.jobs.worker import Worker


def nothing(context) -> None:
    return None


REGISTRY = Registry([JobKind("tests.nothing", nothing, "何もしない")])


def queue(engine, *keys: str) -> dict[str, int]:
    with Session(engine) as session:
        jobs = {key: enqueue(session, "tests.nothing", key) for key in keys}
        session.commit()
        return {key: job.id for key, job in jobs.items()}


def done_keys(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Job.key).where(Job.state == "done")))


def test_a_worker_given_one_job_runs_that_job_and_no_other(engine):
    ids = queue(engine, "a", "b")
    Worker(engine, REGISTRY, only_job=ids["b"]).run(burst=True)
    assert done_keys(engine) == ["b"]


def test_a_worker_given_a_key_runs_that_job_and_the_jobs_under_it_only(engine):
    queue(engine, "run-1", "run-1/batch-0001", "run-1/batch-0002", "run-10/batch-0001", "run-2")
    Worker(engine, REGISTRY, only_key="run-1").run(burst=True)
    assert done_keys(engine) == ["run-1", "run-1/batch-0001", "run-1/batch-0002"]


def test_a_job_held_by_a_process_of_this_machine_that_is_gone_is_taken_at_once_by_a_worker_given_it(engine):
    import socket

    ids = queue(engine, "a")
    with Session(engine) as session:
        job = session.get(Job, ids["a"])
        job.state, job.worker, job.attempts = "running", f"{socket.gethostname()}:999999999:1", 1
        job.heartbeat_at = job.created_at  # fresh enough: an unrestricted worker would wait for the lease
        session.add(job)
        session.commit()
    assert Worker(engine, REGISTRY, lease_s=3600).run_one() is False
    assert Worker(engine, REGISTRY, lease_s=3600, only_job=ids["a"]).run_one() is True
    assert done_keys(engine) == ["a"]
