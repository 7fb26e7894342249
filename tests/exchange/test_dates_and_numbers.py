from datetime import date

import pytest

from exchange.targets.numbers import has_valid_check_digit, with_check_digit
from exchange.targets.wareki import BadDate, parse_date


@pytest.mark.parametrize("text", ["R5.12.1", "R05/12/01", "令和5年12月1日", "5051201", "2023-12-01", "2023/12/1",
                                  "20231201", "Ｒ５．１２．１", "令和５年１２月１日"])
def test_every_form_municipalities_use_names_the_same_day(text):
    assert parse_date(text) == date(2023, 12, 1)


def test_the_first_year_of_an_era_may_be_written_gannen():
    assert parse_date("令和元年5月1日") == date(2019, 5, 1)
    assert parse_date("S60.4.3") == date(1985, 4, 3)
    assert parse_date("H1.1.8") == date(1989, 1, 8)


@pytest.mark.parametrize("text", ["H31.5.1", "R1.4.30", "昭和64年1月8日", "R5.2.30", "4999999", "明日"])
def test_a_date_outside_its_era_or_the_calendar_is_refused(text):
    with pytest.raises(BadDate):
        parse_date(text)


def test_the_resident_number_check_digit_is_modulus_11_with_weights_2_to_7():
    assert with_check_digit("123456789") == "1234567892"
    assert has_valid_check_digit("1234567892")
    assert not has_valid_check_digit("1234567893")
    # a remainder of 0 or 1 gives check digit 0
    assert all(has_valid_check_digit(with_check_digit(f"{n:09d}")) for n in range(0, 2000, 7))
