"""Expiry (期限切れ): after the deadline and the post's grace days, unanswered applications end and
are listed back to the municipality."""

from datetime import date

import pytest
from sqlmodel import select

from exchange.results.status import write_result_files
from mailroom.checkin.service import check_in_code
from secretariat.core.applications.models import Application
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import InvalidInput, PermissionDenied
from secretariat.core.programmes.expiry import expire_unanswered
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON

DEADLINE = date(2027, 2, 28)
AFTER_GRACE = date(2027, 3, 8)  # the deadline plus seven days of post, and a day


def expire(factory, forms, on=AFTER_GRACE, actor=SYSTEM, grace_days=7):
    with factory.session() as session:
        moved = expire_unanswered(session=session, actor=actor, grace_days=grace_days, on=on,
                                  programme=session.get(Programme, forms.tenant.programme.id))
        session.commit()
        return moved


def statuses(factory, forms):
    with factory.session() as session:
        return sorted(a.status for a in session.exec(
            select(Application).where(Application.programme_id == forms.tenant.programme.id)))


def test_applications_still_waiting_on_the_resident_expire_after_the_grace_days(factory, mailed):
    forms = mailed(households=3)
    with factory.session() as session:
        check_in_code(session=session, actor=SYSTEM, code=forms.code(0), arrived_on=ARRIVED_ON)
        session.commit()
    assert expire(factory, forms) == 2
    assert statuses(factory, forms) == sorted([Status.expired.value, Status.expired.value, Status.received.value])


def test_nothing_expires_while_a_form_posted_on_the_deadline_may_still_be_on_its_way(factory, mailed):
    forms = mailed(households=1)
    with pytest.raises(InvalidInput, match="2027-03-08 から"):
        expire(factory, forms, on=date(2027, 3, 7))
    assert statuses(factory, forms) == [Status.mailed.value]


def test_undeliverable_forms_expire_too(factory, mailed):
    forms = mailed(households=2)
    with factory.session() as session:
        first, _second = session.exec(select(Application).where(
            Application.programme_id == forms.tenant.programme.id).order_by(Application.id)).all()
        transition(session=session, application=first, to=Status.undeliverable, actor=SYSTEM)
        session.commit()
    assert expire(factory, forms) == 2


def test_only_a_supervisor_or_an_admin_expires_applications(factory, mailed):
    forms = mailed(households=1)
    with pytest.raises(PermissionDenied):
        expire(factory, forms, actor=Actor(username="op1", role=Role.operator))


def test_the_municipality_gets_an_expired_list(factory, mailed, tmp_path):
    forms = mailed(households=2)
    expire(factory, forms)
    with factory.session() as session:
        paths = write_result_files(session=session, actor=SYSTEM, on=AFTER_GRACE, out_dir=tmp_path,
                                   programme=session.get(Programme, forms.tenant.programme.id))
        session.commit()
    listed = next(p for p in paths if p.name.startswith("expired") and p.suffix == ".csv")
    lines = listed.read_bytes().decode("cp932").splitlines()
    assert lines[0] == "世帯番号,世帯主宛名番号,世帯主氏名,発送日,返戻日,期限切れ日"
    assert len(lines) == 3
    assert all(line.endswith(",2027-03-08") for line in lines[1:])
