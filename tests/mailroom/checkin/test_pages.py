from mailroom.checkin.service import record_undeliverable
from tests.conftest import log_in
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON


def test_the_liaison_sees_the_undelivered_households_of_their_programme(factory, client, mailed):
    m = mailed(2)
    with factory.session() as session:
        record_undeliverable(session=session, actor=SYSTEM, code=m.code(1, page=0), returned_on=ARRIVED_ON)
        session.commit()
    log_in(client, factory.user("liaison", m.tenant.municipality).username)
    page = client.get(f"/programmes/{m.tenant.programme.id}/undeliverable").text
    assert m.forms[1]["household_number"] in page and m.forms[0]["household_number"] not in page
    assert "あて所に尋ねあたりません" in page


def test_the_supervisor_s_deficiency_page_counts_by_type(factory, client):
    factory.tenant(households=0)
    log_in(client, factory.user("supervisor").username)
    answer = client.get("/mailroom/deficiencies")
    assert answer.status_code == 200 and "不備の内訳" in answer.text


def test_an_operator_sees_an_unidentified_page_of_the_exceptions_queue_as_an_image(factory, client, tmp_path):
    import numpy
    from sqlmodel import select

    from mailroom.checkin.ingest import ingest_folder
    from mailroom.checkin.models import ScannedPage
    from mailroom.scanning import simulate

    folder = tmp_path / "scanner"
    folder.mkdir()
    letter = numpy.full((1400, 1000), 245, numpy.uint8)
    letter[200:260, 100:900] = 30  # a letter from a resident, with no page code
    (folder / "scan-1.jpg").write_bytes(simulate.to_jpeg(letter, 85))
    with factory.session() as session:
        ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=tmp_path / "store")
        session.commit()
        page = session.exec(select(ScannedPage)).one()
    assert (page.role, page.error_code) == ("exception", "no_page_code")
    log_in(client, factory.user("operator").username)
    answer = client.get(f"/mailroom/pages/{page.id}/image")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert answer.content.startswith(b"\x89PNG")


def test_an_uploaded_file_named_like_a_path_is_filed_under_its_bare_name_and_writes_nothing_outside(
        factory, client, settings):
    from sqlmodel import select

    from mailroom.checkin.models import ScannedPage
    from tests.conftest import csrf_from
    from tests.mailroom.checkin.upload_support import when_ingested

    log_in(client, factory.user("operator").username)
    token = csrf_from(client.get("/mailroom").text)
    answer = when_ingested(client, client.post("/mailroom/ingest", headers={"x-csrf-token": token},
                                               files=[("files", ("../../escape.jpg", b"not an image", "image/jpeg"))]))
    assert answer.status_code == 200 and "例外 1 件" in answer.text
    assert not (settings.data_dir.parent / "escape.jpg").exists()
    assert not (settings.data_dir / "escape.jpg").exists()
    with factory.session() as session:
        page = session.exec(select(ScannedPage)).one()
    assert ".." not in page.source_name and page.source_name.endswith("escape.jpg")
    assert page.error_code == "not_an_image"
