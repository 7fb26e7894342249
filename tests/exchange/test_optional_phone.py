"""電話番号 is optional: what municipal systems put there when there is no number (なし) or more than
a number (an extension) is a warning, never an error, and the household is imported: without a phone
when the value is not a number, with the number alone when an extension follows it."""

import pytest
from sqlmodel import select

from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household

PHONE = 10


def warned(listing):
    return [(p.row, p.column, p.code) for p in listing.warnings]


@pytest.mark.parametrize("value", ["なし", "無し", "ﾅｼ", "不明", "電話なし"])
def test_no_number_in_the_phone_column_is_a_warning_and_the_phone_left_empty(rows, write, value):
    rows[1][PHONE] = value
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert warned(listing) == [(2, "電話番号", "bad_phone")]
    assert "空欄" in listing.warnings[0].message
    assert listing.households[rows[1][1]].phone == ""


@pytest.mark.parametrize("value", ["043-123-4567（内線12）", "043-123-4567(内線12)", "043-123-4567 内線12",
                                   "０４３－１２３－４５６７（内１２）", "043-123-4567 ext.12", "0431234567#12"])
def test_an_extension_is_dropped_with_a_warning_and_the_number_kept(rows, write, value):
    rows[1][PHONE] = value
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert warned(listing) == [(2, "電話番号", "phone_extension_dropped")]
    assert "内線" in listing.warnings[0].message
    assert listing.households[rows[1][1]].phone == "0431234567"


@pytest.mark.parametrize("value", ["043-123", "090-1234-5678、043-123-4567", "+819012345678"])
def test_a_phone_that_is_not_one_number_is_a_warning_not_an_error(rows, write, value):
    rows[1][PHONE] = value
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert warned(listing) == [(2, "電話番号", "bad_phone")]
    assert listing.households[rows[1][1]].phone == ""


def test_a_number_with_its_area_code_in_brackets_is_read_without_a_warning(rows, write):
    rows[1][PHONE] = "(043)123-4567"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok and listing.warnings == []
    assert listing.households[rows[1][1]].phone == "0431234567"


def test_a_list_with_odd_phones_is_imported_with_the_phones_it_could_read(factory, programme, rows, write):
    rows[1][PHONE] = "なし"
    first_of_next = next(i for i in range(2, len(rows)) if rows[i][1] != rows[1][1])
    rows[first_of_next][PHONE] = "043-123-4567（内線12）"
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=Actor.system("t"), programme=programme,
                                       path=write(rows))
        session.commit()
        phones = dict(session.exec(select(Household.household_number, Household.phone)).all())
    assert (record.status, record.warning_count) == ("imported", 2)
    assert phones[rows[1][1]] == "" and phones[rows[first_of_next][1]] == "0431234567"


def test_a_dash_alone_is_read_as_no_phone_without_a_warning(rows, write):
    rows[1][PHONE] = "－"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok and listing.warnings == []
    assert listing.households[rows[1][1]].phone == ""
