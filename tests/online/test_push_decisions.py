"""Push approvals (支給のお知らせ) appear where the municipality looks at its decisions: on the
decisions page, by the day they were made, each day's households downloadable as CSV."""

from online import push
from online.push_jobs import approve_all
from secretariat.core.clock import today_jst
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

from .test_push import move_decline_by, pushed, send_notices  # noqa: F401 — the fixture


def approved_after_the_date(factory, made) -> None:
    send_notices(factory, made)
    with factory.session() as session:
        push.decline(session=session, household=session.get(Household, made.household(1).id))
        session.commit()
    move_decline_by(factory, made, -1)
    with factory.session() as session:
        approve_all(session, session.get(Programme, made.tenant.programme.id))


def test_the_decisions_page_lists_the_push_approvals_by_day(client, login, factory, pushed):  # noqa: F811
    made = pushed(3)
    approved_after_the_date(factory, made)
    login(factory.user("liaison", made.tenant.municipality))
    page = client.get(f"/programmes/{made.tenant.programme.id}/decisions")
    assert "支給のお知らせによる支給決定" in page.text and 'data-testid="push-decisions"' in page.text


def test_a_days_push_approvals_download_as_cp932_csv_without_the_declined(client, login, factory, pushed):  # noqa: F811
    made = pushed(3)
    approved_after_the_date(factory, made)
    login(factory.user("liaison", made.tenant.municipality))
    page = client.get(f"/programmes/{made.tenant.programme.id}/decisions")
    link = page.text.split('href="/programmes/')[-1].split('"')[0]
    answer = client.get(f"/programmes/{link}")
    rows = answer.content.decode("cp932").splitlines()
    assert rows[0].startswith("世帯番号,世帯主氏名,支給額")
    numbers = sorted(row.split(",")[0] for row in rows[1:])
    assert numbers == sorted([made.household(0).household_number, made.household(2).household_number])


def test_another_municipalitys_liaison_cannot_download_them(client, login, factory, pushed):  # noqa: F811
    made = pushed(2)
    approved_after_the_date(factory, made)
    other = factory.tenant(households=0, name="別の市")
    login(factory.user("liaison", other.municipality))
    answer = client.get(f"/programmes/{made.tenant.programme.id}/decisions/push.csv?day={today_jst()}")
    assert answer.status_code == 404
