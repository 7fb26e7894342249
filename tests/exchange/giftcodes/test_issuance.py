from sqlmodel import func, select

from exchange.giftcodes.issuance import import_issuance
from exchange.giftcodes.models import GiftCode
from tests.exchange.giftcodes.conftest import TODAY, codes, issuance_file
from tests.factories import SYSTEM


def imported(factory, tenant, path):
    with factory.session() as session:
        result = import_issuance(session=session, actor=SYSTEM, programme=tenant.programme, path=path, today=TODAY)
        session.commit()
    return result


def stored(factory) -> int:
    with factory.session() as session:
        return session.exec(select(func.count()).select_from(GiftCode)).one()


def test_a_valid_issuance_file_stores_its_codes_as_available(factory, giftcode_tenant, tmp_path):
    result = imported(factory, giftcode_tenant, issuance_file(tmp_path, codes("A", 3), bom=True))
    assert (result.ok, result.stored, result.total_yen) == (True, 3, 90_000)
    with factory.session() as session:
        assert {c.state for c in session.exec(select(GiftCode))} == {"available"}


def test_each_problem_names_its_line_and_column_and_nothing_is_stored(factory, giftcode_tenant, tmp_path):
    rows = [["A1", "30000", "2027-03-31"], ["A1", "30000", "2027-03-31"], ["A2", "-5", "2027-03-31"],
            ["A3", "30000", "三月末"], ["A4", "30000", "2026-11-30"], ["=HYPERLINK(1)", "30000", "2027-03-31"]]
    result = imported(factory, giftcode_tenant, issuance_file(tmp_path, rows))
    assert [(p.row, p.column, p.code) for p in result.errors] == [
        (3, "code", "duplicate_in_file"), (4, "amount", "bad_amount"), (5, "expiry", "bad_date"),
        (6, "expiry", "expired"), (7, "code", "formula")]
    assert "2 行目と重複" in result.errors[0].message
    assert stored(factory) == 0


def test_a_code_already_stored_is_refused(factory, giftcode_tenant, tmp_path):
    imported(factory, giftcode_tenant, issuance_file(tmp_path, codes("A", 2), "first.csv"))
    result = imported(factory, giftcode_tenant, issuance_file(tmp_path, codes("A", 1) + codes("B", 1), "again.csv"))
    assert [(p.row, p.code) for p in result.errors] == [(2, "already_stored")]
    assert stored(factory) == 2


def test_a_file_without_the_header_is_refused(factory, giftcode_tenant, tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("A1,30000,2027-03-31\n", encoding="utf-8")
    result = imported(factory, giftcode_tenant, path)
    assert [p.code for p in result.errors] == ["bad_header"]
