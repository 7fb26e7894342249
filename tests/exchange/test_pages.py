"""The liaison's exchange pages: upload with the same checks as the drop, download from the outbox."""

import time

from sqlmodel import select

from exchange.targets.models import TargetFile
from secretariat.core.households.models import Household
from tests.exchange.upload_support import uploaded


def wait_for_results(client, programme_id: int):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(f"/programmes/{programme_id}/exchange")
        if "作成済み" in page.text:
            return page
        time.sleep(0.2)
    raise AssertionError("the status file was not made")


def upload(client, programme, token, path, route="targets"):
    if route == "targets":  # imported by a job: the page once it has ended
        return uploaded(client, programme, token, path)
    with path.open("rb") as handle:
        return client.post(f"/programmes/{programme.id}/exchange/{route}", files={"file": (path.name, handle)},
                           data={"csrf_token": token}, follow_redirects=True)


def test_a_liaison_uploads_a_bad_file_reads_the_report_then_uploads_the_fixed_one(
        factory, client, login, rows, write, settings):
    tenant = factory.tenant(households=0)
    token = login(factory.user("liaison", tenant.municipality))
    good = [list(r) for r in rows]
    rows[2][7] = "123-456"
    page = upload(client, tenant.programme, token, write(rows, "first.csv"))
    assert page.status_code == 200
    assert "取込せず" in page.text and "bad_postal_code" in page.text and "123-456" in page.text
    page = upload(client, tenant.programme, token, write(good, "second.csv"))
    assert "取込完了" in page.text
    with factory.session() as session:
        assert [f.status for f in session.exec(select(TargetFile).order_by(TargetFile.id))] == ["rejected", "imported"]
        assert len(session.exec(select(Household.id)).all()) == len({r[1] for r in good[1:]})
    outbox = client.get(f"/programmes/{tenant.programme.id}/exchange")
    assert "first.report.csv" in outbox.text and "second.report.csv" in outbox.text


def test_the_status_file_is_made_and_downloaded_from_the_outbox(factory, client, login):
    """The web app's own worker writes the files (a job); the page says so once they are there."""
    tenant = factory.tenant(households=3)
    token = login(factory.user("liaison", tenant.municipality))
    client.post(f"/programmes/{tenant.programme.id}/exchange/results", data={"csrf_token": token})
    page = wait_for_results(client, tenant.programme.id)
    name = next(part.split('"')[0] for part in page.text.split("/exchange/outbox/")[1:]
                if part.startswith("status-") and part.split('"')[0].endswith(".csv"))
    answer = client.get(f"/programmes/{tenant.programme.id}/exchange/outbox/{name}")
    assert answer.status_code == 200
    assert answer.content.decode("cp932").startswith("世帯番号,")


def test_a_path_in_place_of_a_file_name_finds_nothing(factory, client, login):
    tenant = factory.tenant(households=1)
    login(factory.user("liaison", tenant.municipality))
    for name in ("..%2Fsecret.key", ".hidden", "%2E%2E"):
        assert client.get(f"/programmes/{tenant.programme.id}/exchange/outbox/{name}").status_code == 404


def test_an_operator_may_not_use_the_exchange(factory, client, login):
    tenant = factory.tenant(households=1)
    login(factory.user("operator"))
    assert client.get(f"/programmes/{tenant.programme.id}/exchange").status_code == 403


def test_an_uploaded_file_is_kept_in_the_drop_archive_like_an_sftp_upload(factory, client, login, rows, write,
                                                                          settings):
    tenant = factory.tenant(households=0)
    token = login(factory.user("liaison", tenant.municipality))
    upload(client, tenant.programme, token, write(rows, "taisho.csv"))
    archive = settings.data_dir / "drop" / tenant.municipality.code / "archive"
    assert [p.name.endswith("-taisho.csv") for p in archive.iterdir()] == [True]


def test_an_empty_upload_is_refused_and_leaves_nothing(factory, client, login, tmp_path, settings):
    tenant = factory.tenant(households=0)
    token = login(factory.user("liaison", tenant.municipality))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    answer = upload(client, tenant.programme, token, empty)
    assert answer.status_code == 422 and "空です" in answer.text
    assert not any((settings.data_dir / "drop" / tenant.municipality.code / "archive").iterdir())
