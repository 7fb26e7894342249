import pytest
from sqlmodel import select

from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.tenancy.codes import validate_municipality_code
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import create_municipality, get_municipality_by_code, list_municipalities
from tests.factories import SYSTEM


@pytest.mark.parametrize("code", ["131016", "011002", "271004", "141003", "121002", "271403"])
def test_published_municipality_codes_pass_their_check_digit(code):
    assert validate_municipality_code(code) == code


@pytest.mark.parametrize("code, problem", [("131017", "正しくは 131016"), ("13101", "6桁の数字"),
                                           ("１３１０１６", "6桁の数字"), ("13101a", "6桁の数字")])
def test_a_bad_municipality_code_is_refused_with_the_reason(code, problem):
    with pytest.raises(InvalidInput, match=problem):
        validate_municipality_code(code)


def test_a_municipality_is_created_once(session):
    create_municipality(session=session, actor=SYSTEM, code="131016", name="東京都千代田区")
    with pytest.raises(Conflict, match="自治体 131016 はすでに登録されています"):
        create_municipality(session=session, actor=SYSTEM, code="131016", name="千代田区")


def test_an_unknown_municipality_is_a_clear_not_found(session):
    with pytest.raises(NotFound, match="自治体コード「999999」の自治体はありません"):
        get_municipality_by_code(session=session, actor=SYSTEM, code="999999")


def test_a_liaison_sees_only_their_own_municipality(factory, session):
    ours, theirs = factory.tenant(households=0, name="甲市"), factory.tenant(households=0, name="乙市")
    liaison = factory.actor("liaison", ours.municipality)
    assert [m.code for m in list_municipalities(session=session, actor=liaison)] == [ours.municipality.code]
    with pytest.raises(NotFound):
        get_municipality_by_code(session=session, actor=liaison, code=theirs.municipality.code)


def test_only_an_admin_creates_municipalities(factory, session):
    from secretariat.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        create_municipality(session=session, actor=factory.actor("supervisor"), code="131016", name="千代田区")
    assert session.exec(select(Municipality)).all() == []
