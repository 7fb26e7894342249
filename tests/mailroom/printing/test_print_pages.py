import time

from pypdf import PdfReader
from io import BytesIO


def wait_until_printed(client, location: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(location).text
        if "印刷完了" in page:
            return page
        time.sleep(0.2)
    raise AssertionError("the print run did not finish")


def start_and_finish_run(client, programme_id: int, token: str) -> str:
    """Start a print run from the web page and wait for it; returns the run page's address."""
    started = client.post(f"/programmes/{programme_id}/print-runs", data={"csrf_token": token},
                          follow_redirects=False)
    wait_until_printed(client, started.headers["location"])
    return started.headers["location"]


def test_a_supervisor_previews_a_template_as_a_pdf(factory, client, login):
    login(factory.user("supervisor"))
    assert "支給要件確認書" in client.get("/print").text
    answer = client.get("/print/templates/kakuninsho-hikazei/preview.pdf")
    assert answer.headers["content-type"] == "application/pdf"
    assert len(PdfReader(BytesIO(answer.content)).pages) == 4


def test_a_supervisor_starts_a_print_run_follows_it_and_records_the_mail_out(factory, client, login):
    tenant = factory.tenant(households=3)
    token = login(factory.user("supervisor"))
    started = client.post(f"/programmes/{tenant.programme.id}/print-runs", data={"wave": 1, "csrf_token": token},
                          follow_redirects=False)
    assert started.status_code == 303
    page = wait_until_printed(client, started.headers["location"])
    assert "3 / 3 世帯" in page and "batch-0001.pdf" in page and "manifest.csv" in page
    pdf = client.get(started.headers["location"] + "/files/batch-0001.pdf")
    assert len(PdfReader(BytesIO(pdf.content)).pages) == 9
    mailed = client.post(started.headers["location"] + "/mailed", data={"mailed_on": "2026-11-20", "csrf_token": token})
    assert "発送日 2026-11-20（3 世帯）" in mailed.text


def test_starting_a_run_with_nothing_left_to_print_says_so(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("operator"))
    start_and_finish_run(client, tenant.programme.id, token)
    again = client.post(f"/programmes/{tenant.programme.id}/print-runs", data={"csrf_token": token})
    assert again.status_code == 409 and "印刷する世帯はありません" in again.text


def test_a_run_file_outside_the_runs_folder_is_not_found(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("supervisor"))
    run_page = start_and_finish_run(client, tenant.programme.id, token)
    for name in ("..%2F..%2Fsecret.key", ".hidden", "batch-0009.pdf"):
        assert client.get(f"{run_page}/files/{name}").status_code == 404


def test_call_center_agents_and_liaisons_may_not_use_the_print_room(factory, client, login):
    tenant = factory.tenant(households=1)
    login(factory.user("liaison", tenant.municipality))
    assert client.get("/print").status_code == 403
    client.cookies.clear()
    login(factory.user("agent"))
    assert client.get("/print/templates/cover-letter/preview.pdf").status_code == 403
