"""Drop imports as jobs: the drop only queues a whole file's import; a worker imports it and writes
the validation report to the municipality's outbox."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from exchange.drop.client import connect, pull, push
from exchange.drop.server import DropServer, host_key_line, load_host_key
from exchange.drop_jobs import DROP_IMPORT, queue_drop_import
from exchange.targets.models import TargetFile
from secretariat.app import job_registry
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.worker import Worker
from tests.exchange.test_drop import key, tenant  # noqa: F401  (the fixtures)


@pytest.fixture
def drop(engine, tmp_path, tenant):  # noqa: F811
    server = DropServer(engine=engine, drop_root=tmp_path / "drop", host_key=load_host_key(tmp_path / "host_key"),
                        processor=lambda login, path, name: queue_drop_import(engine, login, path, name))
    server.port = server.start()
    yield server
    server.stop()


@pytest.fixture
def sftp(drop, key):  # noqa: F811
    client = connect(host="127.0.0.1", port=drop.port, username="chiba", key_file=key[1],
                     host_key_line=host_key_line(drop.host_key))
    yield client.open_sftp()
    client.close()


def jobs(engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def target_files(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(TargetFile.status)))


def test_a_dropped_file_is_queued_as_a_job_and_nothing_is_imported_on_the_drops_thread(drop, sftp, rows, write,
                                                                                       engine, tenant):  # noqa: F811
    push(sftp, write(rows))
    drop.wait_idle()
    [job] = jobs(engine)
    assert (job.kind, job.state, job.municipality_id, job.created_by) == (
        DROP_IMPORT, "queued", tenant.municipality.id, "sftp:chiba")
    assert job.args["name"] == "taisho.csv" and "/archive/" in job.args["archived"]
    assert target_files(engine) == [] and sftp.listdir("inbox") == [] and sftp.listdir("outbox") == []


def test_a_worker_imports_the_dropped_file_and_writes_its_report_to_the_outbox(drop, sftp, rows, write, engine,
                                                                               tmp_path):
    push(sftp, write(rows))
    drop.wait_idle()
    assert Worker(engine, job_registry()).run_one() is True
    assert [(job.state, job.done, job.total) for job in jobs(engine)] == [("done", 1, 1)]
    assert target_files(engine) == ["imported"]
    pull(sftp, tmp_path / "fetched")
    assert "取込完了" in (tmp_path / "fetched" / "taisho.report.csv").read_bytes().decode("cp932")


def test_a_dropped_file_with_errors_gets_its_validation_report_from_the_job(drop, sftp, rows, write, engine,
                                                                           tmp_path):
    rows[3][4] = "令和9年13月1日"
    push(sftp, write(rows))
    drop.wait_idle()
    Worker(engine, job_registry()).run_one()
    pull(sftp, tmp_path / "fetched")
    lines = (tmp_path / "fetched" / "taisho.report.csv").read_bytes().decode("cp932").splitlines()
    assert "取込せず" in lines[1] and lines[2].startswith("4,生年月日,令和9年13月1日,bad_date,エラー,")
    assert target_files(engine) == ["rejected"]
