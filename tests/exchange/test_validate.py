import json
import re

import pytest

from exchange.targets.mapping import load_mapping
from exchange.targets.numbers import with_check_digit
from exchange.targets.samples import target_rows, write_target_csv
from exchange.targets.validate import read_target_list


def codes(listing, kind="errors"):
    return [(p.row, p.code) for p in getattr(listing, kind)]


def test_a_messy_cp932_export_reads_clean(tmp_path, households):
    path = write_target_csv(tmp_path / "messy.csv", households, messy=True, accounts=True, seed=3)
    listing = read_target_list(path, load_mapping())
    assert listing.ok, listing.errors
    assert listing.encoding == "cp932"
    assert len(listing.households) == len(households)
    assert len(listing.persons) == sum(len(h.persons) for h in households)
    person = next(p for p in listing.persons if p.resident_number == households[0].persons[0].resident_number)
    assert person.name_kana == households[0].persons[0].name_kana  # half-width kana made full-width
    assert person.birth_date == households[0].persons[0].birth_date  # 和暦 read


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_bom_is_read(rows, write, encoding):
    listing = read_target_list(write(rows, encoding=encoding), load_mapping())
    assert listing.ok and listing.encoding == encoding


def test_names_with_cp932_only_characters_are_valid(rows, write):
    rows[1][2] = "髙﨑　①子"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert listing.persons[0].name == "髙﨑　①子"


def test_the_geta_mark_is_accepted_with_a_warning(rows, write):
    rows[2][2] = "山〓　太郎"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert codes(listing, "warnings") == [(3, "geta_mark")]


def test_each_problem_names_the_spreadsheet_row_the_column_and_the_value(rows, write):
    rows[3][4] = "R5.2.30"
    rows[5][7] = "999-9999"
    listing = read_target_list(write(rows), load_mapping())
    assert not listing.ok
    found = {(p.row, p.column, p.value, p.code) for p in listing.errors}
    assert (4, "生年月日", "R5.2.30", "bad_date") in found
    assert (6, "郵便番号", "999-9999", "unknown_postal_code") in found


def test_a_missing_column_is_refused_before_any_row_and_an_unknown_one_only_warned_of(rows, write):
    for row in rows:
        del row[0]
        row.append("x")
    rows[0][-1] = "備考"
    listing = read_target_list(write(rows), load_mapping())
    assert {p.code for p in listing.errors} == {"missing_column"}
    assert [(p.code, p.column) for p in listing.warnings] == [("unknown_column", "備考")]
    assert listing.rows == 0


def test_a_row_with_too_few_fields_is_reported(rows, write):
    rows[4] = rows[4][:6]
    listing = read_target_list(write(rows), load_mapping())
    assert codes(listing) == [(5, "wrong_field_count")]


def test_duplicates_and_contradictions_are_reported(rows, write):
    rows.append(list(rows[1]))
    same_household = next(i for i in range(2, len(rows)) if rows[i][1] == rows[1][1] and rows[i] != rows[1])
    rows[same_household][8] = "千葉県千葉市中央区どこか1-1"
    listing = read_target_list(write(rows), load_mapping())
    found = {code for _, code in codes(listing)}
    assert {"duplicate_resident", "household_contradiction"} <= found


def test_a_blank_required_column_is_reported_in_japanese(rows, write):
    rows[2][3] = ""
    listing = read_target_list(write(rows), load_mapping())
    assert [(p.row, p.message) for p in listing.errors] == [(3, "氏名カナが空欄です")]


def test_a_repeated_resident_number_names_the_row_it_first_appeared_on(rows, write):
    rows.append(list(rows[1]))
    listing = read_target_list(write(rows), load_mapping())
    repeated = next(p for p in listing.errors if p.code == "duplicate_resident")
    assert repeated.message == f"宛名番号 {rows[1][0]} は2行目にもあります"


def test_a_day_that_does_not_exist_is_reported_in_japanese(rows, write):
    rows[2][4] = "2117-13-01"
    listing = read_target_list(write(rows), load_mapping())
    assert [p.message for p in listing.errors] == ["2117年13月1日という日はありません"]


def test_validation_sentences_are_japanese(rows, write):
    """No sentence of the report is English: each holds Japanese and none the old English phrasing."""
    rows.append(list(rows[1]))
    rows[2][3] = ""
    rows[3][7] = "12"
    rows[4] = rows[4][:6]
    rows[5][6] = "妻"
    listing = read_target_list(write(rows), load_mapping())
    for problem in listing.errors + listing.warnings:
        assert re.search(r"[ぁ-んァ-ン一-龥]", problem.message), problem
        assert not re.search(r"\b(the|is|must|has|appears|row|empty)\b", problem.message), problem


def test_a_household_needs_exactly_one_head(rows, write):
    rows[1][6] = "妻"
    listing = read_target_list(write(rows), load_mapping())
    assert "no_head" in {p.code for p in listing.errors}


def test_a_zip_posing_as_csv_is_refused_by_name(write, tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    listing = read_target_list(path, load_mapping())
    assert listing.errors[0].code == "unreadable_file"
    assert "ZIP" in listing.errors[0].message


def test_bytes_that_are_neither_utf8_nor_cp932_are_refused_with_their_place(tmp_path, rows):
    path = tmp_path / "bad.csv"
    path.write_bytes("宛名番号\n".encode("utf-8") + b"\x81\x7f\xff\xfe\n")
    listing = read_target_list(path, load_mapping())
    assert listing.errors[0].code == "unreadable_file"
    assert "2行目" in listing.errors[0].message


def test_a_file_cut_in_the_middle_of_a_character_is_refused(tmp_path, rows):
    data = "\r\n".join(",".join(r) for r in rows).encode("utf-8")
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:-1] if data[-1] > 0x7f else data + "漢".encode("utf-8")[:2])
    listing = read_target_list(path, load_mapping())
    assert not listing.ok


def test_the_check_digit_is_verified_when_the_mapping_says_so(rows, write):
    for row in rows[1:]:
        row[0] = with_check_digit(row[0][1:])
    rows[3][0] = rows[3][0][:-1] + str((int(rows[3][0][-1]) + 1) % 10)
    mapping = load_mapping().model_copy(update={"check_digit": True})
    found = codes(read_target_list(write(rows), mapping))
    assert [entry for entry in found if entry[1] == "bad_check_digit"] == [(4, "bad_check_digit")]
    assert read_target_list(write(rows), load_mapping()).ok


def test_the_cli_prints_the_report_as_json(cli, rows, write):
    rows[2][4] = "昭和99年1月1日"
    result = cli("exchange", "validate", write(rows), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["rows"] == len(rows) - 1
    assert report["errors"][0] == {"row": 3, "column": "生年月日", "value": "昭和99年1月1日", "code": "bad_date",
                                   "message": report["errors"][0]["message"]}
    assert set(report) >= {"ok", "rows", "households", "errors", "warnings"}


def test_the_sample_rows_start_with_the_default_headings(households):
    assert next(iter(target_rows(households)))[:3] == ["宛名番号", "世帯番号", "氏名"]
