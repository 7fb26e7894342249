"""A liaison sees only their own municipality, on every route the app has.

The routes are read from the app itself, so a route added later is tested without anyone
remembering to: if it takes an identifier this test does not know, it fails and says so.
"""

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from secretariat.app import create_app
from secretariat.core.config import Settings
from callcenter import router as callcenter
from exchange import router as exchange
from exchange.decisions import router as decisions
from mailroom.checkin import router as mailroom
from mailroom.keying import router as keying
from mailroom.printing import router as print_room
from mailroom.printing.runs import print_programme, record_mailing
from online import router as online
from secretariat.core.web.deps import TENANT_PATH_PARAMETERS as CORE_PARAMETERS
from tests.factories import SYSTEM
from tests.conftest import csrf_from, log_in

# Routes that hold no tenant's data at all.
TENANT_NEUTRAL = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/healthz"),
                  ("GET", "/api/openapi.json"), ("GET", "/print/templates/{template_name}/preview.pdf"),
                  ("GET", "/a/static/resident.css")}
# Every router's path parameters that name a tenant's objects; a parameter missing here fails the test.
TENANT_PATH_PARAMETERS = (CORE_PARAMETERS + print_room.TENANT_PATH_PARAMETERS + mailroom.TENANT_PATH_PARAMETERS
                          + exchange.TENANT_PATH_PARAMETERS + callcenter.TENANT_PATH_PARAMETERS
                          + keying.TENANT_PATH_PARAMETERS + decisions.TENANT_PATH_PARAMETERS)
# Parameters that only pick something inside an object already checked (a file of a print run).
INNER_PARAMETERS = {"file_name": "manifest.csv", "kind": "csv"}


def http_routes(routes, prefix: str = "") -> list[tuple[str, Route]]:
    """(prefix, route) of every HTTP route, walking into included routers however FastAPI nests them."""
    found: list[tuple[str, Route]] = []
    for route in routes:
        nested = getattr(route, "original_router", None) or getattr(route, "router", None)
        if nested is not None and not isinstance(route, Mount):
            found += http_routes(nested.routes, prefix + getattr(getattr(route, "include_context", None), "prefix", ""))
        elif isinstance(route, (APIRoute, Route)):
            found.append((prefix, route))
    return found


def route_table(app) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route."""
    return sorted({(method, prefix + route.path) for prefix, route in http_routes(app.routes)
                   for method in route.methods if method != "HEAD"})


APP = create_app(Settings(data_dir=".", database_url="sqlite://", secret_key="x"))
ROUTES = route_table(APP)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", path)


def fill(path: str, identifiers: dict) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(identifiers[m.group(1)]), path)


def identifiers_of(factory, tenant, path: str, folder) -> dict:
    identifiers = {"municipality_code": tenant.municipality.code, "programme_id": tenant.programme.id,
                   "household_id": tenant.households[0].id, "application_id": tenant.applications[0].id}
    if "{run_id}" in path:
        with factory.session() as session:
            run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                                  out_root=folder / tenant.municipality.code)
            identifiers["run_id"] = run.id
    if "{reading_id}" in path or "{scanned_page_id}" in path:
        identifiers["reading_id"] = field_reading_of(factory, tenant, folder)
        with factory.session() as session:
            from mailroom.checkin.models import FieldReading

            identifiers["scanned_page_id"] = session.get(FieldReading, identifiers["reading_id"]).scanned_page_id
    if "{target_file_id}" in path or "{batch_id}" in path:
        identifiers |= exchange_records_of(factory, tenant)
    if "{task_id}" in path:
        identifiers["task_id"] = keying_task_of(factory, tenant, folder)
    if "{decision_id}" in path:
        identifiers["decision_id"] = decision_list_of(factory, tenant, folder)
    if "{reminder_id}" in path:
        identifiers["reminder_id"] = reminder_run_of(factory, tenant, folder)
    if "{letter_id}" in path:
        identifiers["letter_id"] = letter_run_of(factory, tenant, folder)
    if "{cancel_list_id}" in path:
        identifiers["cancel_list_id"] = cancel_list_of(factory, tenant)
    if "{escalation_id}" in path:
        identifiers["escalation_id"] = escalation_of(factory, tenant)
    if "{callback_id}" in path or "{change_id}" in path:
        identifiers |= call_follow_ups_of(factory, tenant)
    if "{user_id}" in path:  # a login of the tenant's: its liaison
        identifiers["user_id"] = factory.user("liaison", tenant.municipality).id
    if "/exchange/outbox/" in path:  # a file waiting in the municipality's outbox
        outbox = folder / "drop" / tenant.municipality.code / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        (outbox / INNER_PARAMETERS["file_name"]).write_text("x")
    return identifiers | INNER_PARAMETERS


def cancel_list_of(factory, tenant) -> int:
    """A gift-code cancel list of the tenant's programme (empty: the route's tenancy is what is walked)."""
    from exchange.giftcodes.models import GiftCodeCancelList

    with factory.session() as session:
        made = GiftCodeCancelList(municipality_id=tenant.municipality.id, programme_id=tenant.programme.id,
                                  made_by="system")
        session.add(made)
        session.commit()
        return made.id


def escalation_of(factory, tenant) -> int:
    """An open escalation of the tenant's, as the call center records one."""
    from callcenter.inquiries.service import escalate, log_inquiry

    with factory.session() as session:
        agent = factory.actor("agent")
        inquiry = log_inquiry(session=session, actor=agent, programme=tenant.programme,
                              household=session.get(type(tenant.households[0]), tenant.households[0].id),
                              category="eligibility")
        escalation = escalate(session=session, actor=agent, inquiry=inquiry, question="対象になりますか")
        session.commit()
        return escalation.id


def call_follow_ups_of(factory, tenant) -> dict:
    """A call-back owed and an address change noted, on a call with the tenant's household."""
    from callcenter.inquiries.service import log_inquiry, note_address_change, schedule_callback
    from secretariat.core.clock import utcnow

    with factory.session() as session:
        agent = factory.actor("agent")
        household = session.get(type(tenant.households[0]), tenant.households[0].id)
        inquiry = log_inquiry(session=session, actor=agent, programme=tenant.programme, household=household,
                              category="eligibility")
        callback = schedule_callback(session=session, actor=agent, inquiry=inquiry, phone="0432451234", due=utcnow())
        change = note_address_change(session=session, actor=agent, inquiry=inquiry, postal_code="2600013",
                                     address="千葉市中央区中央1-1")
        session.commit()
        return {"callback_id": callback.id, "change_id": change.id}


def exchange_records_of(factory, tenant) -> dict:
    """A target file and a prepared payment batch of the tenant's, as the exchange stores them."""
    from datetime import date

    from exchange.results.models import PaymentBatch
    from exchange.targets.models import TargetFile

    with factory.session() as session:
        record = TargetFile(municipality_id=tenant.municipality.id, programme_id=tenant.programme.id, name="t.csv",
                            sha256="0" * 64, status="rejected", received_by="tests")
        batch = PaymentBatch(municipality_id=tenant.municipality.id, programme_id=tenant.programme.id,
                             transfer_date=date(2026, 12, 10), requester_code="1234567890", requester_name_kana="ﾃｽﾄ",
                             from_bank_code="0001", from_branch_code="001", from_account_number="1234567",
                             prepared_by="someone-else")
        session.add_all([record, batch])
        session.commit()
        return {"target_file_id": record.id, "batch_id": batch.id}


def decision_list_of(factory, tenant, folder) -> int:
    """A decision list proposed for the tenant's first application, checked complete."""
    from exchange.decisions.flows import propose_decision_list
    from secretariat.core.applications.states import Status

    factory.advance(tenant.applications[0], Status.printed, Status.mailed, Status.received, Status.checking,
                    Status.complete)
    with factory.session() as session:
        decision = propose_decision_list(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                                         out_root=folder / "decisions")
        session.commit()
        return decision.id


def letter_run_of(factory, tenant, folder) -> int:
    """A run of letters (the print room's record) to the tenant's households, its file written."""
    from mailroom.printing.letters import GIFTCODE, letters_path, open_letter_run

    with factory.session() as session:
        run = open_letter_run(session=session, actor=SYSTEM, programme=session.merge(tenant.programme), kind=GIFTCODE,
                              out_root=folder / "letters", household_ids=[h.id for h in tenant.households])
        letters_path(run).write_bytes(b"%PDF-1.4\n")
        session.commit()
        return run.id


def reminder_run_of(factory, tenant, folder) -> int:
    """A run of reminder letters to the tenant's households, printed, mailed and left unanswered."""
    from datetime import date

    from mailroom.printing.reminders import print_reminders
    from mailroom.printing.runs import record_mailing

    with factory.session() as session:
        programme = session.merge(tenant.programme)
        run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=folder / "packs")
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 20))
        reminders = print_reminders(session=session, actor=SYSTEM, programme=programme, out_root=folder / "reminders",
                                    on=programme.deadline_date)
        session.commit()
        return reminders.id


def keying_task_of(factory, tenant, folder) -> int:
    """A keying task for the tenant's form whose reading `field_reading_of` stored."""
    from mailroom.checkin.models import FieldReading
    from mailroom.keying.models import KeyingTask

    with factory.session() as session:
        reading = session.get(FieldReading, field_reading_of(factory, tenant, folder))
        task = KeyingTask(municipality_id=reading.municipality_id, programme_id=tenant.programme.id,
                          household_id=tenant.households[0].id, receipt_id=reading.receipt_id)
        session.add(task)
        session.commit()
        return task.id


def field_reading_of(factory, tenant, folder) -> int:
    """A field reading of the tenant's household, as a scan batch would have stored it."""
    from datetime import date

    from mailroom.checkin.models import FieldReading, Receipt, ScanBatch, ScannedPage

    household = tenant.households[0]
    crop = folder / f"crop-{household.id}.png"
    crop.write_bytes(b"\x89PNG\r\n\x1a\n")
    with factory.session() as session:
        batch = ScanBatch(source="scanner", started_by="tests")
        session.add(batch)
        session.flush()
        receipt = Receipt(municipality_id=household.municipality_id, programme_id=household.programme_id,
                          household_id=household.id, form_id=f"T-{household.id}", arrived_on=date(2026, 11, 21),
                          received_by="tests", outcome="review")
        session.add(receipt)
        session.flush()
        page = ScannedPage(scan_batch_id=batch.id, receipt_id=receipt.id, municipality_id=household.municipality_id,
                           source_name="p.jpg", image_path=str(crop), role="form")
        session.add(page)
        session.flush()
        reading = FieldReading(receipt_id=receipt.id, scanned_page_id=page.id, municipality_id=household.municipality_id,
                               field="signature", kind="signature", machine_state="uncertain", crop_path=str(crop))
        session.add(reading)
        session.commit()
        return reading.id


def test_the_route_table_holds_every_route_the_api_schema_lists():
    documented = {(method.upper(), path) for path, operations in APP.openapi()["paths"].items()
                  for method in operations}
    assert documented and documented <= set(ROUTES)
    assert ("GET", "/households/{household_id}") in ROUTES


@pytest.mark.parametrize("method, path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_another_municipalitys_identifiers_answer_404_on_every_route(factory, client, method, path, tmp_path):
    if (method, path) in TENANT_NEUTRAL:
        return
    if path.startswith(online.PREFIX):
        return  # a resident's link, not a staff login, opens these: test_a_residents_link_reaches_only_its_household
    unknown = set(path_parameters(path)) - set(TENANT_PATH_PARAMETERS) - set(INNER_PARAMETERS)
    assert not unknown, (f"{method} {path} takes {unknown}: load it through a valid_* dependency and add it "
                         "to TENANT_PATH_PARAMETERS so this test covers it")
    ours, theirs = factory.tenant(households=1, name="甲市"), factory.tenant(households=1, name="乙市")
    liaison = factory.user("liaison", ours.municipality)
    log_in(client, liaison.username)
    token = csrf_from(client.get("/").text)

    def call(identifiers):
        return client.request(method, fill(path, identifiers), headers={"x-csrf-token": token},
                              follow_redirects=False)

    if path_parameters(path):
        assert call(identifiers_of(factory, theirs, path, tmp_path)).status_code == 404
        # and the route does answer for the liaison's own municipality, so the 404 above means something
        assert call(identifiers_of(factory, ours, path, tmp_path)).status_code != 404
    else:
        answer = call({})
        assert answer.status_code in (200, 403), answer.status_code
        assert theirs.municipality.name not in answer.text and theirs.programme.name not in answer.text
        assert f'"id":{theirs.programme.id},' not in answer.text.replace(" ", "")


# --- the residents' routes (ファストパス): the link and the second factor open one household only ------

RESIDENT_ROUTES = [(m, p) for m, p in ROUTES if p.startswith(online.PREFIX) and (m, p) not in TENANT_NEUTRAL]
SIGN_IN = ("POST", "/a/{token}")  # the second factor itself: the link's household, whoever's session is open


def linked_tenant(factory, name, folder):
    """A tenant with one household, its pack printed and mailed, its link issued: (tenant, link, birth date)."""
    from datetime import date

    from sqlmodel import select

    from online.flows import issue_tokens
    from secretariat.core.households.models import Person

    tenant = factory.tenant(households=1, name=name)
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=folder / name)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 20))
        [(_number, token)] = issue_tokens(session=session, actor=SYSTEM, programme=programme)
        born = session.exec(select(Person.birth_date).where(Person.household_id == tenant.households[0].id,
                                                            Person.is_head.is_(True))).one()
        session.commit()
    return tenant, token, born


def test_every_resident_route_takes_only_the_link_as_its_identifier():
    assert RESIDENT_ROUTES and all(set(path_parameters(p)) <= set(online.RESIDENT_PATH_PARAMETERS)
                                   for _m, p in RESIDENT_ROUTES)


@pytest.mark.parametrize("method, path", RESIDENT_ROUTES, ids=[f"{m} {p}" for m, p in RESIDENT_ROUTES])
def test_a_residents_link_reaches_only_its_household(factory, client, method, path, tmp_path):
    """Signed in for one household, another household's link answers exactly as a link that does not
    exist, and shows none of that household; the resident's own link does reach its household."""
    ours, our_token, born = linked_tenant(factory, "甲市", tmp_path)
    theirs, their_token, _ = linked_tenant(factory, "乙市", tmp_path)
    page = client.get(f"/a/{our_token}")
    signed_in = client.post(f"/a/{our_token}", data={"era": "seireki", "year": born.year, "month": born.month,
                                                     "day": born.day, "csrf_token": csrf_from(page.text)},
                            follow_redirects=False)
    assert signed_in.status_code == 303

    def call(token):
        answer = client.request(method, fill(path, {"token": token}), follow_redirects=False)
        text = re.sub(r'value="[0-9a-f]{64}"', "", answer.text).replace(token, "TOKEN")
        return answer.status_code, answer.headers.get("location", "").replace(token, "TOKEN"), text

    nobodys = call("N" * 43)
    assert call(their_token) == nobodys
    assert theirs.households[0].household_number not in client.request(method, fill(path, {"token": their_token}),
                                                                        follow_redirects=True).text
    if (method, path) != SIGN_IN:
        assert call(our_token) != nobodys


@pytest.mark.parametrize("method, path", RESIDENT_ROUTES, ids=[f"{m} {p}" for m, p in RESIDENT_ROUTES])
def test_a_staff_login_opens_no_residents_household(factory, client, method, path, tmp_path):
    ours, our_token, _ = linked_tenant(factory, "甲市", tmp_path)
    log_in(client, factory.user("admin").username)
    answer = client.request(method, fill(path, {"token": our_token}), follow_redirects=True)
    assert ours.households[0].household_number not in answer.text
