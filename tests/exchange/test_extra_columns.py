"""Columns a municipality's export carries that the mapping does not know (住民票コード, 住民となった年月日…):
real exports carry many, and they no longer stop a file. They are left out, never imported; a warning
names each one unless the mapping lists it under `ignore_columns`."""

from sqlmodel import select

from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household, Person

RESIDENT, NAME = 0, 2


def with_column(rows, heading: str, at: int, value=lambda i: f"99900000{i:03d}"):
    """The rows with a column inserted at `at`: `heading` in the header, `value(i)` in row i."""
    return [row[:at] + [heading if i == 0 else value(i)] + row[at:] for i, row in enumerate(rows)]


def test_a_column_the_mapping_does_not_know_is_a_warning_naming_it(rows, write):
    listing = read_target_list(write(with_column(rows, "住民票コード", 3)), load_mapping())
    assert listing.ok
    assert [(p.row, p.column, p.code) for p in listing.warnings] == [(1, "住民票コード", "unknown_column")]
    assert "4列目「住民票コード」" in listing.warnings[0].message and "取り込まず" in listing.warnings[0].message


def test_a_column_the_mapping_ignores_is_left_out_without_a_warning(rows, write):
    listing = read_target_list(write(with_column(rows, "住民となった年月日", 5, lambda i: "2010-04-01")),
                               load_mapping())
    assert listing.ok and listing.warnings == []


def test_a_mapping_lists_the_columns_it_ignores(rows, write):
    mapping = load_mapping().model_copy(update={"ignore_columns": ["住民票コード"]})
    listing = read_target_list(write(with_column(rows, "ＦＯ－住民票コード", 3)), mapping)
    assert listing.ok and listing.warnings == []


def test_the_columns_after_an_unknown_one_are_read_in_their_place(rows, write):
    listing = read_target_list(write(with_column(with_column(rows, "住民票コード", 1), "備考", 0, str)),
                               load_mapping())
    assert listing.ok
    assert [(p.resident_number, p.name) for p in listing.persons] == [(row[RESIDENT], row[NAME]) for row in rows[1:]]


def test_an_unknown_column_is_never_imported(factory, programme, rows, write):
    path = write(with_column(rows, "住民票コード", 3, lambda i: f"ZZ{i:09d}"))
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=Actor.system("t"), programme=programme, path=path)
        session.commit()
        stored = [value for model in (Person, Household) for item in session.exec(select(model))
                  for value in item.model_dump().values()]
    assert record.status == "imported" and record.warning_count == 1
    assert not [value for value in stored if isinstance(value, str) and value.startswith("ZZ")]


def test_a_row_longer_than_the_header_is_still_refused(rows, write):
    rows = with_column(rows, "住民票コード", len(rows[0]))
    rows[3].append("はみ出し")
    listing = read_target_list(write(rows), load_mapping())
    assert [p.row for p in listing.errors if p.code == "wrong_field_count"] == [4]


def test_a_row_missing_only_the_unknown_last_field_is_refused_as_misaligned(rows, write):
    rows = with_column(rows, "住民票コード", len(rows[0]))
    rows[3].pop()
    listing = read_target_list(write(rows), load_mapping())
    assert [p.row for p in listing.errors if p.code == "wrong_field_count"] == [4]
