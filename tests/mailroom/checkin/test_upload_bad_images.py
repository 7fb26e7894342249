"""The mailroom's upload for check-in with bad images among the scans: the page answers, the good
forms are filed, each bad file waits in the exceptions queue with its reason, in Japanese."""

from fastapi.testclient import TestClient
from sqlmodel import select

from mailroom.checkin.models import ScannedPage
from secretariat.app import create_app
from secretariat.core.config import Settings
from tests.conftest import log_in
from tests.mailroom.scanning.bombs import blank_pdf, white_png

from .test_ingest import receipt_for
from .test_ingest_bad_images import exception_codes
from .upload_support import uploaded


def upload(client, files: dict[str, bytes]):
    """The files uploaded and taken in by the job the upload queued: the page of its result."""
    return uploaded(client, files)


def good_scans(mailed, scanner, plan) -> dict[str, bytes]:
    folder = scanner(mailed, 0, plan, attachments=1)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_an_upload_with_bombs_among_the_scans_files_the_form_and_queues_the_bombs(factory, client, mailed, scanner,
                                                                                   plan):
    m = mailed(1)
    log_in(client, factory.user("operator").username)
    answer = upload(client, {**good_scans(m, scanner, plan), "huge.png": white_png(60_000, 60_000),
                             "huge.pdf": blank_pdf(1, 14400, 14400)})
    assert answer.status_code == 200 and "例外 2 件" in answer.text
    assert receipt_for(factory, m, 0).outcome == "complete"
    assert exception_codes(factory) == {"00004-huge.png": "too_many_pixels", "00005-huge.pdf": "too_many_pixels"}


def test_the_exceptions_page_shows_the_page_s_size_and_the_limit(factory, client):
    log_in(client, factory.user("operator").username)
    upload(client, {"huge.png": white_png(60_000, 60_000)})
    page = client.get("/mailroom/exceptions").text
    assert "60,000×60,000 画素（3,600,000,000 画素）は1頁の上限 40,000,000 画素を超えています" in page


def test_the_preview_of_a_bomb_in_the_exceptions_queue_is_the_file_itself_not_a_decoding(factory, client):
    log_in(client, factory.user("operator").username)
    upload(client, {"huge.png": white_png(60_000, 60_000)})
    with factory.session() as session:
        bomb = session.exec(select(ScannedPage)).one()
    answer = client.get(f"/mailroom/pages/{bomb.id}/image")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/octet-stream"
    assert answer.content == white_png(60_000, 60_000)


def test_the_upload_takes_its_limits_from_the_settings(factory, engine, database_url, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-secret-key", scan_max_pages=2)
    with TestClient(create_app(settings, engine), base_url="http://testserver") as client:
        log_in(client, factory.user("operator").username)
        upload(client, {"three-pages.pdf": blank_pdf(3, 72, 72)})
    assert exception_codes(factory) == {"00001-three-pages.pdf": "too_many_pages"}
