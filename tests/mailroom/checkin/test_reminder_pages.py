"""The print room's page prints reminder letters and records their mail-out; a supervisor expires
unanswered applications there, after a page that says what will happen."""

from datetime import date

from sqlmodel import select

from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status

IN_THE_WINDOW = date(2027, 2, 20)
AFTER_GRACE = date(2027, 3, 9)


def statuses(factory, forms):
    with factory.session() as session:
        return {a.status for a in session.exec(
            select(Application).where(Application.programme_id == forms.tenant.programme.id))}


def print_reminders_from_the_page(client, forms, token, days_before=14):
    return client.post(f"/programmes/{forms.tenant.programme.id}/reminders",
                       data={"csrf_token": token, "days_before": days_before}, follow_redirects=False)


def test_an_operator_prints_reminders_and_downloads_the_letters(factory, client, login, mailed, monkeypatch):
    forms = mailed(households=2)
    monkeypatch.setattr("mailroom.printing.reminders.today_jst", lambda: IN_THE_WINDOW)
    token = login(factory.user("operator"))
    assert print_reminders_from_the_page(client, forms, token).status_code == 303
    page = client.get("/print").text
    assert "督促状" in page and "/print/reminders/" in page
    link = page.split('href="/print/reminders/')[1].split('"')[0]
    letters = client.get(f"/print/reminders/{link}")
    assert letters.status_code == 200 and letters.headers["content-type"] == "application/pdf"


def test_reminders_asked_for_too_early_get_a_japanese_reason(factory, client, login, mailed):
    forms = mailed(households=1)
    token = login(factory.user("operator"))
    answer = print_reminders_from_the_page(client, forms, token)
    assert answer.status_code in (400, 422)
    assert "督促状は提出期限" in answer.text and "日前" in answer.text


def test_a_reminder_run_s_mail_out_is_recorded_from_the_page(factory, client, login, mailed, monkeypatch):
    forms = mailed(households=1)
    monkeypatch.setattr("mailroom.printing.reminders.today_jst", lambda: IN_THE_WINDOW)
    token = login(factory.user("operator"))
    print_reminders_from_the_page(client, forms, token)
    run_id = client.get("/print").text.split('action="/print/reminders/')[1].split("/")[0]
    answer = client.post(f"/print/reminders/{run_id}/mailed", data={"csrf_token": token, "mailed_on": "2027-02-20"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert 'action="/print/reminders/' not in client.get("/print").text


def test_expiry_asks_first_and_says_how_many_will_expire(factory, client, login, mailed, monkeypatch):
    forms = mailed(households=2)
    monkeypatch.setattr("secretariat.core.programmes.router.today_jst", lambda: AFTER_GRACE)
    token = login(factory.user("supervisor"))
    page = client.post(f"/programmes/{forms.tenant.programme.id}/expire",
                       data={"csrf_token": token, "grace_days": 7})
    assert page.status_code == 200
    assert "2 件を期限切れにする" in page.text
    assert statuses(factory, forms) == {Status.mailed.value}


def test_a_supervisor_s_confirmed_expiry_expires_the_unanswered(factory, client, login, mailed, monkeypatch):
    forms = mailed(households=2)
    monkeypatch.setattr("secretariat.core.programmes.expiry.today_jst", lambda: AFTER_GRACE)
    token = login(factory.user("supervisor"))
    answer = client.post(f"/programmes/{forms.tenant.programme.id}/expire",
                         data={"csrf_token": token, "grace_days": 7, "confirm": "1"}, follow_redirects=False)
    assert answer.status_code == 303
    assert statuses(factory, forms) == {Status.expired.value}


def test_an_operator_cannot_expire_applications(factory, client, login, mailed):
    forms = mailed(households=1)
    token = login(factory.user("operator"))
    answer = client.post(f"/programmes/{forms.tenant.programme.id}/expire",
                         data={"csrf_token": token, "grace_days": 7, "confirm": "1"})
    assert answer.status_code == 403
    assert statuses(factory, forms) == {Status.mailed.value}
