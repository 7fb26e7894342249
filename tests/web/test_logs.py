import logging

from secretariat.core.logs import DropQueryStrings


def test_access_log_lines_lose_their_query_strings():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.1:5000", "GET", "/programmes/1?q=ヤマダ　タロウ", "1.1", 200), None)
    DropQueryStrings().filter(record)
    assert "ヤマダ" not in record.getMessage() and "/programmes/1" in record.getMessage()


def test_browsing_and_searching_households_logs_no_personal_data(factory, client, login, caplog):
    tenant = factory.tenant(households=2)
    with factory.session() as session:
        from secretariat.core.households.models import Person
        from sqlmodel import select
        people = session.exec(select(Person)).all()
    caplog.set_level(logging.DEBUG)
    login(factory.user("supervisor"))
    client.get(f"/programmes/{tenant.programme.id}", params={"q": people[0].name_kana})
    client.get(f"/households/{tenant.households[0].id}")
    client.get(f"/api/households/{tenant.households[0].id}")
    logged = caplog.text
    for person in people:
        assert person.name not in logged and person.name_kana not in logged
    assert tenant.households[0].address not in logged
