"""続柄 given as codes, as resident-register systems export it, is read through the mapping's code table
and stored as words.

The default mapping carries the two-digit table a municipality's own resident table uses (02 世帯主,
11 夫, 12 妻, 20 子, 51 父, 52 母, 99 同居人 …: Memuro-Town/MADO-packages,
packages/hub/docs/database-requirements.md, 続柄コード一覧; the same codes with 01 本人, 03 準世帯主 and
98 使用人 in daisukhayash/jdddd, src/main/java/jdddd/domain/model/kojin/Tudukigara.java). A
municipality whose system numbers them otherwise writes its own table in its mapping.
"""

import pytest
from sqlmodel import select

from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Person

RELATIONSHIP = 6
CODES = {"世帯主": "02", "妻": "12", "子": "20"}


def coded(rows, codes=CODES):
    return [rows[0]] + [row[:RELATIONSHIP] + [codes[row[RELATIONSHIP]]] + row[RELATIONSHIP + 1:] for row in rows[1:]]


def test_relationship_codes_are_stored_as_words(factory, programme, rows, write):
    with factory.session() as session:
        record, _ = import_target_file(session=session, actor=Actor.system("t"), programme=programme,
                                       path=write(coded(rows)))
        session.commit()
        stored = {p.resident_number: (p.relationship, p.is_head) for p in session.exec(select(Person))}
    assert record.status == "imported"
    assert stored == {row[0]: (row[RELATIONSHIP], row[RELATIONSHIP] == "世帯主") for row in rows[1:]}


@pytest.mark.parametrize("code", ["2", "０２", " 02 "])
def test_a_code_without_its_leading_zero_or_in_full_width_reads_the_same(rows, write, code):
    listing = read_target_list(write(coded(rows, CODES | {"世帯主": code})), load_mapping())
    assert listing.ok
    assert {p.relationship for p in listing.persons if p.is_head} == {"世帯主"}


def test_a_code_not_in_the_table_is_an_error_naming_it(rows, write):
    rows = coded(rows)
    rows[2][RELATIONSHIP] = "45"
    listing = read_target_list(write(rows), load_mapping())
    assert [(p.row, p.column, p.value, p.code) for p in listing.errors] == [(3, "続柄", "45",
                                                                              "unknown_relationship_code")]
    assert "45" in listing.errors[0].message and "relationship_codes" in listing.errors[0].message


def test_codes_with_a_mapping_that_has_no_code_table_are_an_error(rows, write):
    mapping = load_mapping().model_copy(update={"relationship_codes": {}})
    listing = read_target_list(write(coded(rows)), mapping)
    assert {p.code for p in listing.errors} == {"unknown_relationship_code"}
    assert "続柄コードの表" in listing.errors[0].message


def test_a_municipality_s_own_table_replaces_the_common_one(rows, write):
    mapping = load_mapping().model_copy(update={"relationship_codes": {"1": "世帯主", "2": "妻", "3": "子"}})
    listing = read_target_list(write(coded(rows, {"世帯主": "1", "妻": "2", "子": "3"})), mapping)
    assert listing.ok
    assert [p.relationship for p in listing.persons] == [row[RELATIONSHIP] for row in rows[1:]]


def test_relationships_written_in_words_are_stored_as_written(rows, write):
    listing = read_target_list(write(rows), load_mapping())
    assert [p.relationship for p in listing.persons] == [row[RELATIONSHIP] for row in rows[1:]]
