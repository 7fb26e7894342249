from datetime import date

import pytest

from exchange.results.kana import NotTransferable, fit, transfer_kana
from exchange.results.zengin import Requester, Transfer, read_zengin, write_zengin
from secretariat.core.errors import InvalidInput

REQUESTER = Requester("1234567890", "ﾃｽﾄｼ", "0001", "ﾐｽﾞﾎ", "001", "ﾄｳｷﾖｳ", "ordinary", "1234567")


def transfers(n=3):
    return [Transfer("0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "001", "ﾎﾝﾃﾝ", "ordinary", f"{i:07d}", transfer_kana("ヤマダ　タロウ"),
                     30_000 + i, f"{i:08d}") for i in range(1, n + 1)]


@pytest.mark.parametrize("name, expected", [("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"), ("キョウコ", "ｷﾖｳｺ"), ("サトウ　ユーキ", "ｻﾄｳ ﾕ-ｷ"),
                                            ("がっこう", "ｶﾞﾂｺｳ"), ("ｼﾞｮｰｼﾞ", "ｼﾞﾖ-ｼﾞ"), ("ヴァン", "ｳﾞｱﾝ")])
def test_names_become_bank_kana(name, expected):
    assert transfer_kana(name) == expected


def test_a_name_a_bank_cannot_carry_is_refused():
    with pytest.raises(NotTransferable):
        transfer_kana("山田")


def test_a_cut_never_leaves_a_kana_without_its_voiced_mark():
    assert fit("ﾃﾞﾝｼﾞﾛｳ", 4) == "ﾃﾞﾝ "
    assert fit("ﾃﾞﾝｼﾞﾛｳ", 5) == "ﾃﾞﾝｼﾞ"


def test_every_record_is_120_bytes_and_the_trailer_holds_the_totals():
    data = write_zengin(REQUESTER, date(2026, 12, 10), transfers())
    records = data.split(b"\r\n")[:-1]
    assert [len(r) for r in records] == [120] * 6
    assert [r[:1] for r in records] == [b"1", b"2", b"2", b"2", b"8", b"9"]
    assert records[4][1:7] == b"000003" and int(records[4][7:19]) == 30_001 + 30_002 + 30_003


def test_the_reader_reconciles_what_the_writer_wrote():
    parsed = read_zengin(write_zengin(REQUESTER, date(2026, 12, 10), transfers()))
    assert parsed.transfer_date_mmdd == "1210"
    assert [t.amount_yen for t in parsed.transfers] == [30_001, 30_002, 30_003]
    assert parsed.transfers[0].recipient_kana == "ﾔﾏﾀﾞ ﾀﾛｳ"


def test_the_reader_accepts_lf_endings_and_trimmed_lines():
    data = write_zengin(REQUESTER, date(2026, 12, 10), transfers())
    trimmed = b"\n".join(line.rstrip(b" ") for line in data.split(b"\r\n"))
    assert read_zengin(trimmed).total_yen == 90_006


def test_a_trailer_that_disagrees_is_refused():
    data = bytearray(write_zengin(REQUESTER, date(2026, 12, 10), transfers()))
    trailer = data.index(b"\r\n8") + 2
    data[trailer + 1:trailer + 7] = b"000004"
    with pytest.raises(InvalidInput, match="トレーラー"):
        read_zengin(bytes(data))


def test_a_file_without_its_end_record_is_refused_as_cut_short():
    data = write_zengin(REQUESTER, date(2026, 12, 10), transfers())
    with pytest.raises(InvalidInput, match="エンド・レコード"):
        read_zengin(data[:-122])
