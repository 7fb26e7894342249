"""The Zengin writer read back by an independent reader: the 総合振込 layout as banks publish it,
transcribed below as data, and checked field by field (position, N or C class, alignment,
padding). Nothing here comes from the writer's own layout; only its inputs are imported.

Sources of the table (positions are 1-based byte columns):
  [A] 群馬銀行「全銀協制定ファイルフォーマット【総合振込】」 https://expydoc.com/doc/11700435/
      N = 数字, C = 半角文字（カタカナ、英大文字・数字）; 数字項目は右詰、残りを「0」; カタカナ・英大文字
      項目等は左詰、残りをスペース; 120バイト（改行コード CRLF をつける場合は後付けで122バイト);
      header and data fields with their widths; 手形交換所番号 N(4) 未使用（0とする）
  [B] 三井住友銀行 Web21「ファイルレイアウト 総合振込（全銀形式）」 https://happylibus.com/doc/455113/
      新規コード N 0（1, 2）; 顧客コード1・2 N (C only with 識別コード Y, EDI); 振込指定区分 N 7:電信扱
      8:文書扱; 識別コード C
  [C] 「参考資料 持込規格」 https://expydoc.com/doc/8010391/
      header columns 5~14, 15~54, 55~58, 59~62, 63~77, 78~80, 81~95, 96, 97~103, 104~120
  [D] GMOあおぞらネット銀行 API仕様 BulkTransfer (github.com/gmoaozora/gmo-aozora-api-ruby,
      docs/corporation/BulkTransfer.md): 手形交換所番号「入力する場合は、ALL０, ALLスペース」
  [E] 宮崎銀行 https://www.miyagin.co.jp/kfkdown-zengin-help: 各レコード120バイト、
      「改行コード無し」または「CR+LF」
  [F] 三菱UFJ銀行 FAQ https://biz.corporate.bk.mufg.jp/faq/show/811: 記号は , - . ( ) / とスペース;
      ジンジャー https://jinjer-kyuyo.zendesk.com/hc/ja/articles/900002885563: 小さいカナと長音は使えない
The excerpts of [A] at hand stop inside the data record (at 受取人名); the rest of the data record
follows [B], and the trailer (合計件数 N(6), 合計金額 N(12), ダミー C(101)) and end (ダミー C(119))
records are the common layout, whose widths add up to 120.
"""

from __future__ import annotations

from datetime import date

import pytest

from exchange.results.zengin import FileConventions, Requester, Transfer, write_zengin

# (name, first column, width, class, the values the published content column allows or None)
HEADER = [
    ("データ区分", 1, 1, "N", {"1"}),
    ("種別コード", 2, 2, "N", {"21"}),
    ("コード区分", 4, 1, "N", {"0"}),
    ("委託者コード", 5, 10, "N", None),
    ("委託者名", 15, 40, "C", None),
    ("振込指定日", 55, 4, "N", None),
    ("仕向銀行番号", 59, 4, "N", None),
    ("仕向銀行名", 63, 15, "C", None),
    ("仕向支店番号", 78, 3, "N", None),
    ("仕向支店名", 81, 15, "C", None),
    ("預金種目", 96, 1, "N", {"1", "2", "9"}),
    ("口座番号", 97, 7, "N", None),
    ("ダミー", 104, 17, "C", {" " * 17}),
]
DATA = [
    ("データ区分", 1, 1, "N", {"2"}),
    ("被仕向銀行番号", 2, 4, "N", None),
    ("被仕向銀行名", 6, 15, "C", None),
    ("被仕向支店番号", 21, 3, "N", None),
    ("被仕向支店名", 24, 15, "C", None),
    ("手形交換所番号", 39, 4, "N", None),
    ("預金種目", 43, 1, "N", {"1", "2", "4", "9"}),
    ("口座番号", 44, 7, "N", None),
    ("受取人名", 51, 30, "C", None),
    ("振込金額", 81, 10, "N", None),
    ("新規コード", 91, 1, "N", {"0", "1", "2"}),
    ("顧客コード1", 92, 10, "N", None),
    ("顧客コード2", 102, 10, "N", None),
    ("振込指定区分", 112, 1, "N", {"7", "8"}),
    ("識別表示", 113, 1, "C", {" ", "Y"}),
    ("ダミー", 114, 7, "C", {" " * 7}),
]
TRAILER = [
    ("データ区分", 1, 1, "N", {"8"}),
    ("合計件数", 2, 6, "N", None),
    ("合計金額", 8, 12, "N", None),
    ("ダミー", 20, 101, "C", {" " * 101}),
]
END = [
    ("データ区分", 1, 1, "N", {"9"}),
    ("ダミー", 2, 119, "C", {" " * 119}),
]
LAYOUTS = {"1": HEADER, "2": DATA, "8": TRAILER, "9": END}

# the C class: half-width katakana without the small ones and the long vowel, upper-case letters,
# digits, space and the symbols , - . ( ) / ([A], [F])
KATAKANA = "ｦ" + "".join(chr(code) for code in range(0xFF71, 0xFF9E)) + "ﾞﾟ"  # ｱ … ﾝ, then the marks
C_CHARACTERS = set(KATAKANA + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-.()/")

REQUESTER = Requester(code="123456789", name_kana="ﾁﾊﾞｼ ｷﾕｳﾌｷﾝ(ｼﾞﾑｷﾖｸ)", bank_code="0134", bank_name_kana="ﾁﾊﾞ",
                      branch_code="76", branch_name_kana="ﾁﾊﾞｼﾔｸｼﾖ", account_type="ordinary", account_number="12345")
TRANSFERS = [
    Transfer("0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "1", "ﾎﾝﾃﾝ", "ordinary", "1234", "ﾔﾏﾀﾞ ﾀﾛｳ", 50_000, customer_code="42"),
    Transfer("0009", "ﾐﾂｲｽﾐﾄﾓ", "178", "ｻｶｲ", "current", "7654321",
             "ﾃﾞﾝｼﾞﾛｳ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ﾀﾞｲｺﾞﾛｳ", 9_999_999_999, customer_code="1234567890"),
    Transfer("9900", "ﾕｳﾁﾖ", "018", "ｾﾞﾛｲﾁﾊﾁ", "ordinary", "0000001", "A.B-C/D,E", 1, customer_code="7"),
]
ON = date(2026, 12, 10)


def split_records(data: bytes, separator: bytes) -> list[bytes]:
    """Records as a bank's loader cuts them: 120 bytes, each followed by the separator ([A], [E])."""
    step = 120 + len(separator)
    assert len(data) % step == 0, f"{len(data)} bytes is not a whole number of {step}-byte records"
    records = [data[start:start + step] for start in range(0, len(data), step)]
    assert all(record.endswith(separator) for record in records)
    return [record[:120] for record in records]


def fields(record: bytes) -> dict[str, tuple[str, str, set | None]]:
    """Each field of the record by the published table: name → (text, class, allowed values)."""
    layout = LAYOUTS[record[:1].decode("ascii")]
    column = 1
    found = {}
    for name, first, width, kind, allowed in layout:
        assert first == column, f"the transcribed table has a gap or an overlap at {name}"
        found[name] = (record[first - 1:first - 1 + width].decode("cp932"), kind, allowed)
        column = first + width
    assert column == 121, "the transcribed table does not cover 120 bytes"
    return found


def class_problems(name: str, text: str, kind: str, allowed: set | None) -> list[str]:
    problems = []
    if kind == "N" and not (text.isascii() and text.isdigit()):
        problems.append(f"{name} {text!r}: an N field is digits only, right-aligned and zero-filled")
    if kind == "C":
        if set(text) - C_CHARACTERS:
            problems.append(f"{name} {text!r}: {''.join(sorted(set(text) - C_CHARACTERS))} is not a C character")
        if text.strip() and (text[0] == " " or text != text.rstrip().ljust(len(text))):
            problems.append(f"{name} {text!r}: a C field is left-aligned and space-filled")
    if allowed is not None and text not in allowed:
        problems.append(f"{name} {text!r}: the layout allows {sorted(allowed)}")
    return problems


def written(separator: str = "crlf", clearing_house: str = "zeros") -> list[dict]:
    data = write_zengin(REQUESTER, ON, TRANSFERS, FileConventions(separator=separator, clearing_house=clearing_house))
    return [fields(record) for record in split_records(data, b"\r\n" if separator == "crlf" else b"")]


@pytest.mark.parametrize("kind, index", [("header", [0]), ("data", [1, 2, 3]), ("trailer", [4]), ("end", [5])])
def test_every_field_is_of_its_published_class_alignment_and_padding(kind, index):
    records = written()
    problems = [problem for i in index for name, (text, field_class, allowed) in records[i].items()
                for problem in class_problems(name, text, field_class, allowed)]
    assert problems == []


def test_the_file_is_header_data_trailer_end():
    assert [record["データ区分"][0] for record in written()] == ["1", "2", "2", "2", "8", "9"]


def test_the_header_carries_the_requester_and_the_day_at_their_published_columns():
    header = {name: text for name, (text, _, _) in written()[0].items()}
    assert (header["委託者コード"], header["委託者名"].rstrip(), header["振込指定日"]) == (
        "0123456789", "ﾁﾊﾞｼ ｷﾕｳﾌｷﾝ(ｼﾞﾑｷﾖｸ)", "1210")
    assert (header["仕向銀行番号"], header["仕向支店番号"], header["預金種目"], header["口座番号"]) == (
        "0134", "076", "1", "0012345")


def test_each_data_record_carries_its_transfer_at_the_published_columns():
    data = [{name: text for name, (text, _, _) in record.items()} for record in written()[1:4]]
    assert [(d["被仕向銀行番号"], d["被仕向支店番号"], d["預金種目"], d["口座番号"], d["振込金額"]) for d in data] == [
        ("0005", "001", "1", "0001234", "0000050000"), ("0009", "178", "2", "7654321", "9999999999"),
        ("9900", "018", "1", "0000001", "0000000001")]
    assert [d["受取人名"].rstrip() for d in data] == ["ﾔﾏﾀﾞ ﾀﾛｳ", "ﾃﾞﾝｼﾞﾛｳ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ﾀﾞｲｺﾞﾛｳ", "A.B-C/D,E"]


def test_customer_code_1_is_right_aligned_and_zero_filled():
    data = written()[1:4]
    assert [record["顧客コード1"][0] for record in data] == ["0000000042", "1234567890", "0000000007"]


def test_the_trailer_counts_and_totals_the_data_records():
    records = written()
    trailer = records[4]
    assert int(trailer["合計件数"][0]) == 3
    assert int(trailer["合計金額"][0]) == sum(int(record["振込金額"][0]) for record in records[1:4])


@pytest.mark.parametrize("fill, expected", [("zeros", "0000"), ("spaces", "    ")])
def test_the_unused_clearing_house_number_is_all_zeros_or_all_spaces_as_asked(fill, expected):
    # [A] writes it 0; [D] takes all zeros or all spaces: the two a bank profile chooses between
    assert {record["手形交換所番号"][0] for record in written(clearing_house=fill)[1:4]} == {expected}


def test_with_crlf_every_record_is_122_bytes_ending_in_crlf():
    data = write_zengin(REQUESTER, ON, TRANSFERS, FileConventions(separator="crlf"))
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and [len(line) for line in lines[:-1]] == [120] * 6


def test_without_separator_the_records_run_back_to_back_120_bytes_each():
    data = write_zengin(REQUESTER, ON, TRANSFERS, FileConventions(separator="none"))
    assert len(data) == 6 * 120 and b"\r" not in data and b"\n" not in data
    assert [data[start:start + 1] for start in range(0, len(data), 120)] == [b"1", b"2", b"2", b"2", b"8", b"9"]
