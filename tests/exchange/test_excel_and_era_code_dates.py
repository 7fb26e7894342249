"""Dates as a target list really arrives: re-saved by Excel (a midnight time added, or turned into its
serial number), and in the eight-digit form with a two-digit era code; a year before 1868 or a birth
after the programme's reference date (基準日) is an error.

The era codes are 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, in the seven-digit form (`3551226`) and with a
leading zero in the eight-digit one (`03551226` = 昭和55年12月26日). Sources: the suikawiki page on
元号コード (https://wiki.suikawiki.org/n/元号コード(英字), "明治を 1 とし、以後日本の元号を順に割り振って
いくものが数値符号として主流 (事実上の標準)", and COBOL's "3600214"), and a municipality's own resident
table: 芽室町's sample export sets 生年月日_元号 to 1:明治 2:大正 3:昭和 4:平成 5:令和
(Memuro-Town/MADO-packages sample-data/scripts/generate-sample-data.mjs, `元号コード`). The text of the
中間標準レイアウト仕様 itself was not at hand; the same page records rarer tables (大正 3, 昭和 5 …), which
is why a code outside 1-5 is refused rather than guessed.
"""

from datetime import date

import pytest

from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from exchange.targets.wareki import BadDate, read_date
from secretariat.core.auth.actor import Actor
from secretariat.core.programmes.models import Programme

BORN = 4


@pytest.mark.parametrize("text", ["1980-12-26 00:00:00", "1980/12/26 0:00", "1980/12/26 00:00", "1980-12-26T00:00:00",
                                  "１９８０/１２/２６ ０:００", "S55.12.26 0:00"])
def test_a_date_excel_saved_with_a_midnight_time_reads_as_the_day_without_a_warning(text):
    assert read_date(text) == (date(1980, 12, 26), "")


def test_a_date_with_another_time_reads_as_the_day_with_a_warning():
    day, warning = read_date("1980/12/26 9:30")
    assert day == date(1980, 12, 26) and "9:30" in warning


def test_an_excel_serial_number_reads_as_its_day_with_a_warning_that_it_may_be_something_else():
    day, warning = read_date("29581")
    assert day == date(1980, 12, 26)
    assert "シリアル値" in warning and "1980年12月26日" in warning


@pytest.mark.parametrize("text", ["1980", "581", "295810"])
def test_a_bare_number_that_is_no_five_digit_serial_is_refused(text):
    with pytest.raises(BadDate):
        read_date(text)


@pytest.mark.parametrize("text, day", [("03551226", date(1980, 12, 26)), ("01450729", date(1912, 7, 29)),
                                       ("02010730", date(1912, 7, 30)), ("04010108", date(1989, 1, 8)),
                                       ("05010501", date(2019, 5, 1)), ("０３５５１２２６", date(1980, 12, 26))])
def test_the_eight_digit_form_with_a_two_digit_era_code_reads(text, day):
    assert read_date(text) == (day, "")


def test_the_era_code_form_excel_stripped_of_its_leading_zero_reads_the_same():
    assert read_date("3551226") == read_date("03551226")


@pytest.mark.parametrize("text", ["06010501", "00551226"])
def test_an_era_code_outside_the_table_is_refused_naming_the_code(text):
    with pytest.raises(BadDate) as refused:
        read_date(text)
    assert f"元号コード {text[:2]}" in str(refused.value)


def test_a_date_outside_its_era_in_the_era_code_form_is_refused():
    with pytest.raises(BadDate) as refused:
        read_date("03641231")  # 昭和 ended on 64年1月7日
    assert "昭和の期間" in str(refused.value)


@pytest.mark.parametrize("text", ["1867-12-31", "18000101", "1850/1/1 0:00"])
def test_a_year_before_1868_is_refused_with_its_own_code(text):
    with pytest.raises(BadDate) as refused:
        read_date(text)
    assert refused.value.code == "before_1868" and "1868" in str(refused.value)


def test_dates_excel_re_saved_read_clean_in_a_list(rows, write):
    rows[1][BORN], rows[2][BORN] = "1980-12-26 00:00:00", "1980/12/26 0:00"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok and listing.warnings == []
    assert [p.birth_date for p in listing.persons[:2]] == [date(1980, 12, 26)] * 2


def test_a_serial_birth_date_is_a_warning_and_the_list_is_still_good(rows, write):
    rows[3][BORN] = "29581"
    listing = read_target_list(write(rows), load_mapping())
    assert listing.ok
    assert [(p.row, p.column, p.value, p.code) for p in listing.warnings] == [(4, "生年月日", "29581",
                                                                                "date_needs_check")]
    assert listing.persons[2].birth_date == date(1980, 12, 26)


def test_a_year_before_1868_in_a_list_is_an_error(rows, write):
    rows[2][BORN] = "1800-01-01"  # a wife's: a head left out would add a no_head error
    listing = read_target_list(write(rows), load_mapping())
    assert [(p.row, p.code) for p in listing.errors] == [(3, "before_1868")]


def test_a_birth_after_the_reference_date_is_an_error(rows, write):
    rows[2][BORN] = "2025-04-02"
    listing = read_target_list(write(rows), load_mapping(), reference_date=date(2025, 4, 1))
    assert [(p.row, p.code) for p in listing.errors] == [(3, "born_after_reference_date")]
    assert "2025年04月01日" in listing.errors[0].message


def test_a_birth_on_the_reference_date_is_accepted(rows, write):
    rows[2][BORN] = "R7.4.1"
    assert read_target_list(write(rows), load_mapping(), reference_date=date(2025, 4, 1)).ok


def test_an_import_checks_births_against_its_programmes_reference_date(factory, programme, rows, write):
    rows[2][BORN] = "2025-06-01"
    with factory.session() as session:
        target = session.get(Programme, programme.id)
        target.reference_date = date(2025, 4, 1)
        record, listing = import_target_file(session=session, actor=Actor.system("t"), programme=target,
                                             path=write(rows))
    assert record.status == "rejected"
    assert [(p.row, p.code) for p in listing.errors] == [(3, "born_after_reference_date")]
