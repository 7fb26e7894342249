"""The Zengin writer refuses what a bank would refuse, naming the field, and the reader takes
both separators a bank profile can choose."""

from dataclasses import replace
from datetime import date

import pytest

from exchange.results.zengin import FileConventions, Requester, Transfer, read_zengin, write_zengin
from secretariat.core.errors import InvalidInput

REQUESTER = Requester("1234567890", "ﾃｽﾄｼ", "0001", "ﾐｽﾞﾎ", "001", "ﾄｳｷﾖｳ", "ordinary", "1234567")
ON = date(2026, 12, 10)


def transfer(**changes) -> Transfer:
    fields = dict(bank_code="0005", bank_name_kana="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", branch_code="001", branch_name_kana="ﾎﾝﾃﾝ",
                  account_type="ordinary", account_number="0001234", recipient_kana="ﾔﾏﾀﾞ ﾀﾛｳ", amount_yen=30_000,
                  customer_code="42")
    return Transfer(**(fields | changes))


def test_customer_code_1_is_written_right_aligned_and_zero_filled():
    record = write_zengin(REQUESTER, ON, [transfer(customer_code="42")]).split(b"\r\n")[1]
    assert record[91:101] == b"0000000042"


def test_a_transfer_without_a_customer_code_writes_zeros_there():
    record = write_zengin(REQUESTER, ON, [transfer(customer_code="")]).split(b"\r\n")[1]
    assert record[91:111] == b"0" * 20


@pytest.mark.parametrize("changes, field", [
    (dict(customer_code="00000001AB"), "顧客コード1"),
    (dict(customer_code="12345678901"), "顧客コード1"),
    (dict(account_number="１２３４"), "口座番号"),
    (dict(amount_yen=10_000_000_000), "振込金額"),
    (dict(branch_code="1-2"), "被仕向支店番号"),
])
def test_a_value_that_is_not_digits_or_too_wide_for_its_n_field_is_refused_by_name(changes, field):
    with pytest.raises(InvalidInput, match=field):
        write_zengin(REQUESTER, ON, [transfer(**changes)])


@pytest.mark.parametrize("name", ["ｷｮｳｺ", "ﾕｰｷ", "yamada", "山田"])
def test_a_name_with_a_character_outside_the_c_class_is_refused_by_name(name):
    with pytest.raises(InvalidInput, match="受取人名"):
        write_zengin(REQUESTER, ON, [transfer(recipient_kana=name)])


def test_a_requester_code_with_letters_is_refused_by_name():
    with pytest.raises(InvalidInput, match="委託者コード"):
        write_zengin(replace(REQUESTER, code="12345ABCDE"), ON, [transfer()])


def test_the_reader_takes_a_file_whose_records_run_back_to_back():
    data = write_zengin(REQUESTER, ON, [transfer(), transfer(amount_yen=5)], FileConventions(separator="none"))
    parsed = read_zengin(data)
    assert [t.amount_yen for t in parsed.transfers] == [30_000, 5]


def test_the_reader_takes_a_file_with_crlf_after_every_record():
    data = write_zengin(REQUESTER, ON, [transfer(), transfer(amount_yen=5)], FileConventions(separator="crlf"))
    assert read_zengin(data).total_yen == 30_005


def test_the_reader_gives_back_customer_code_1_as_written():
    data = write_zengin(REQUESTER, ON, [transfer(customer_code="42")], FileConventions(separator="none"))
    assert read_zengin(data).transfers[0].customer_code == "0000000042"


def test_a_file_whose_amount_is_not_digits_is_refused_naming_the_record():
    data = bytearray(write_zengin(REQUESTER, ON, [transfer()], FileConventions(separator="none")))
    data[120 + 80:120 + 90] = b"     30000"
    with pytest.raises(InvalidInput, match="レコード 2 の振込金額"):
        read_zengin(bytes(data))
