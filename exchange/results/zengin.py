"""The 全銀協 総合振込 file: fixed-length 120-byte records a municipality's bank loads.

    1 header   (データ区分 1): who pays, from which account, on which day
    2 data     (データ区分 2): one transfer each
    8 trailer  (データ区分 8): the count and the total, the control totals
    9 end      (データ区分 9)

Every field is of one of the layout's two classes, and the writer renders each record from its
layout below, refusing a value that does not fit and naming the field:

    N  digits only, right-aligned, zero-filled
    C  the half-width characters banks accept (JIS X 0201 katakana, upper-case letters, digits,
       space and ( ) - . / ,), left-aligned, space-filled

Text is written as CP932 bytes, one byte a character. Two things banks differ on are the
requester's to choose, in its bank profile (`FileConventions`): records separated by CRLF or by
nothing, and the unused 手形交換所番号 written as zeros or as spaces. The reader accepts what files
look like after passing through other systems: CRLF or LF endings, no separators at all, or
trailing spaces trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exchange.results.kana import ALLOWED, fit
from secretariat.core.errors import InvalidInput

RECORD = 120
ACCOUNT_TYPES = {"ordinary": "1", "current": "2"}
SEPARATORS = {"crlf": b"\r\n", "none": b""}
CLEARING_HOUSE_FILLS = {"zeros": "0000", "spaces": "    "}
TELEGRAPHIC = "7"  # 振込指定区分 7: テレ振込, the way every bank takes a 総合振込 today (8 is 文書振込)


@dataclass(frozen=True)
class Field:
    name: str  # as the published layout names it
    width: int
    kind: str  # "N" or "C"
    may_be_blank: bool = False  # an unused N field some banks want as spaces rather than zeros


def _n(name: str, width: int, may_be_blank: bool = False) -> Field:
    return Field(name, width, "N", may_be_blank)


def _c(name: str, width: int) -> Field:
    return Field(name, width, "C")


HEADER = (_n("データ区分", 1), _n("種別コード", 2), _n("コード区分", 1), _n("委託者コード", 10), _c("委託者名", 40),
          _n("振込指定日", 4), _n("仕向銀行番号", 4), _c("仕向銀行名", 15), _n("仕向支店番号", 3), _c("仕向支店名", 15),
          _n("預金種目", 1), _n("口座番号", 7), _c("ダミー", 17))
DATA = (_n("データ区分", 1), _n("被仕向銀行番号", 4), _c("被仕向銀行名", 15), _n("被仕向支店番号", 3),
        _c("被仕向支店名", 15), _n("手形交換所番号", 4, may_be_blank=True), _n("預金種目", 1), _n("口座番号", 7),
        _c("受取人名", 30), _n("振込金額", 10), _n("新規コード", 1), _n("顧客コード1", 10), _n("顧客コード2", 10),
        _n("振込指定区分", 1), _c("識別表示", 1), _c("ダミー", 7))
TRAILER = (_n("データ区分", 1), _n("合計件数", 6), _n("合計金額", 12), _c("ダミー", 101))
END = (_n("データ区分", 1), _c("ダミー", 119))


@dataclass(frozen=True)
class Requester:
    """振込依頼人: the municipality's paying account."""

    code: str  # 委託者コード, up to 10 digits, given by the bank
    name_kana: str
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str
    recipient_kana: str
    amount_yen: int
    # 顧客コード1, up to 10 digits: our number for this transfer, so that what the bank sends back
    # about it (a 振込不能 return carries the record as it was sent) maps to this one transfer
    customer_code: str = ""


@dataclass(frozen=True)
class FileConventions:
    """What banks differ on; a requester's bank profile chooses, the layout allows both."""

    separator: str = "crlf"  # "crlf": CR LF after every record (122 bytes each); "none": records back to back
    clearing_house: str = "zeros"  # the unused 手形交換所番号: "zeros" as the layout says, or "spaces"


def _render(layout: tuple[Field, ...], values: tuple) -> str:
    return "".join(_numeric(field, value) if field.kind == "N" else _text(field, value)
                   for field, value in zip(layout, values, strict=True))


def _numeric(field: Field, value: int | str) -> str:
    text = str(value)
    if field.may_be_blank and text == " " * field.width:
        return text
    if not (text.isascii() and text.isdigit()) or len(text) > field.width:
        raise InvalidInput(f"{field.name}: {value!r} は{field.width}桁以内の半角数字ではありません")
    return text.zfill(field.width)


def _text(field: Field, value: str) -> str:
    if bad := sorted({ch for ch in value if ch not in ALLOWED}):
        raise InvalidInput(f"{field.name}: 全銀の半角文字にない文字があります: {''.join(bad)}")
    return fit(value, field.width)


def header_record(requester: Requester, transfer_date: date) -> str:
    return _render(HEADER, ("1", "21", "0", requester.code, requester.name_kana, transfer_date.strftime("%m%d"),
                            requester.bank_code, requester.bank_name_kana, requester.branch_code,
                            requester.branch_name_kana, _account_type(requester.account_type),
                            requester.account_number, ""))


def data_record(transfer: Transfer, conventions: FileConventions = FileConventions()) -> str:
    return _render(DATA, ("2", transfer.bank_code, transfer.bank_name_kana, transfer.branch_code,
                          transfer.branch_name_kana, _clearing_house(conventions),
                          _account_type(transfer.account_type), transfer.account_number, transfer.recipient_kana,
                          transfer.amount_yen, "0", transfer.customer_code or "0", "0", TELEGRAPHIC, " ", ""))


def trailer_record(count: int, total_yen: int) -> str:
    return _render(TRAILER, ("8", count, total_yen, ""))


def end_record() -> str:
    return _render(END, ("9", ""))


def _account_type(kind: str) -> str:
    if kind not in ACCOUNT_TYPES:
        raise InvalidInput(f"預金種目: {kind!r} は普通（ordinary）でも当座（current）でもありません")
    return ACCOUNT_TYPES[kind]


def _clearing_house(conventions: FileConventions) -> str:
    if conventions.clearing_house not in CLEARING_HOUSE_FILLS:
        raise InvalidInput(f"手形交換所番号: {conventions.clearing_house!r} は zeros でも spaces でもありません")
    return CLEARING_HOUSE_FILLS[conventions.clearing_house]


def write_zengin(requester: Requester, transfer_date: date, transfers: list[Transfer],
                 conventions: FileConventions = FileConventions()) -> bytes:
    """The whole file, every field checked against its class and width on the way."""
    if conventions.separator not in SEPARATORS:
        raise InvalidInput(f"レコード区切り: {conventions.separator!r} は crlf でも none でもありません")
    records = [header_record(requester, transfer_date), *(data_record(t, conventions) for t in transfers),
               trailer_record(len(transfers), sum(t.amount_yen for t in transfers)), end_record()]
    separator = SEPARATORS[conventions.separator]
    # every character passed the C or N check, so each is one CP932 byte and each record 120 bytes
    return b"".join(record.encode("cp932") + separator for record in records)


@dataclass
class ZenginFile:
    transfer_date_mmdd: str
    requester_code: str
    transfers: list[Transfer]
    trailer_count: int
    trailer_total_yen: int

    @property
    def total_yen(self) -> int:
        return sum(t.amount_yen for t in self.transfers)


def _records(data: bytes) -> list[bytes]:
    if b"\n" not in data:
        body = data.rstrip(b"\x1a")  # some systems end a file with an EOF mark
        if len(body) % RECORD:
            raise InvalidInput(f"ファイルが {len(body)} バイトで、{RECORD} バイトのレコードの整数倍ではありません")
        return [body[i:i + RECORD] for i in range(0, len(body), RECORD)]
    lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
    while lines and not lines[-1].strip(b" \x1a"):
        lines.pop()
    records = []
    for number, line in enumerate(lines, start=1):
        if len(line) > RECORD:
            raise InvalidInput(f"レコード {number} が {len(line)} バイトあります（1レコードは {RECORD} バイト）")
        records.append(line.ljust(RECORD))  # trimmed trailing spaces put back
    return records


def _amount(text: str, what: str, number: int) -> int:
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"レコード {number} の{what} {text!r} が数字ではありません")
    return int(text)


def read_zengin(data: bytes) -> ZenginFile:
    """Parse a 総合振込 file and reconcile its trailer; any mismatch is an error naming the record."""
    records = [record.decode("cp932") for record in _records(data)]
    if not records or records[0][0] != "1":
        raise InvalidInput("レコード 1 がヘッダー・レコード（データ区分 1）ではありません")
    if records[-1][0] != "9":
        raise InvalidInput("エンド・レコード（データ区分 9）で終わっていません: 途中で切れている可能性があります")
    header = records[0]
    types = {code: kind for kind, code in ACCOUNT_TYPES.items()}
    transfers = []
    trailer = None
    for number, record in enumerate(records[1:-1], start=2):
        kind = record[0]
        if kind == "2" and trailer is None:
            transfers.append(Transfer(
                bank_code=record[1:5], bank_name_kana=record[5:20].rstrip(), branch_code=record[20:23],
                branch_name_kana=record[23:38].rstrip(), account_type=types.get(record[42], record[42]),
                account_number=record[43:50], recipient_kana=record[50:80].rstrip(),
                amount_yen=_amount(record[80:90], "振込金額", number), customer_code=record[91:101].strip()))
        elif kind == "8" and trailer is None:
            trailer = (_amount(record[1:7], "合計件数", number), _amount(record[7:19], "合計金額", number))
        else:
            raise InvalidInput(f"レコード {number} のデータ区分 {kind!r} が順序に合いません")
    if trailer is None:
        raise InvalidInput("トレーラー・レコード（データ区分 8）がありません")
    result = ZenginFile(transfer_date_mmdd=header[54:58], requester_code=header[4:14], transfers=transfers,
                        trailer_count=trailer[0], trailer_total_yen=trailer[1])
    if result.trailer_count != len(transfers) or result.trailer_total_yen != result.total_yen:
        raise InvalidInput(f"トレーラーは {result.trailer_count} 件 {result.trailer_total_yen} 円、データ・レコードは "
                           f"{len(transfers)} 件 {result.total_yen} 円で、合計が合いません")
    return result
