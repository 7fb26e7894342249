"""The 全銀協 総合振込 file: fixed-length 120-byte records a municipality's bank loads.

    1 header   (データ区分 1): who pays, from which account, on which day
    2 data     (データ区分 2): one transfer each
    8 trailer  (データ区分 8): the count and the total, the control totals
    9 end      (データ区分 9)

Text is JIS X 0201 (half-width kana), written as CP932 bytes, one byte a character, each
record ending CRLF. The reader accepts what files look like after passing through other
systems: LF endings, no separators at all, or trailing spaces trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exchange.results.kana import fit
from secretariat.core.errors import InvalidInput

RECORD = 120
ACCOUNT_TYPES = {"ordinary": "1", "current": "2"}


@dataclass(frozen=True)
class Requester:
    """振込依頼人: the municipality's paying account."""

    code: str  # 委託者コード, 10 digits, given by the bank
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
    customer_code: str = ""  # 顧客コード: our household number, so results map back


def _num(value: int | str, width: int, what: str) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise InvalidInput(f"{what} {value!r} does not fit {width} digits")
    return text.zfill(width)


def header_record(requester: Requester, transfer_date: date) -> str:
    return ("1" + "21" + "0" + _num(requester.code, 10, "委託者コード") + fit(requester.name_kana, 40)
            + transfer_date.strftime("%m%d") + _num(requester.bank_code, 4, "仕向金融機関番号")
            + fit(requester.bank_name_kana, 15) + _num(requester.branch_code, 3, "仕向支店番号")
            + fit(requester.branch_name_kana, 15) + ACCOUNT_TYPES[requester.account_type]
            + _num(requester.account_number, 7, "依頼人口座番号") + " " * 17)


def data_record(transfer: Transfer) -> str:
    return ("2" + _num(transfer.bank_code, 4, "被仕向金融機関番号") + fit(transfer.bank_name_kana, 15)
            + _num(transfer.branch_code, 3, "被仕向支店番号") + fit(transfer.branch_name_kana, 15) + " " * 4
            + ACCOUNT_TYPES[transfer.account_type] + _num(transfer.account_number, 7, "口座番号")
            + fit(transfer.recipient_kana, 30) + _num(transfer.amount_yen, 10, "振込金額") + "0"
            + fit(transfer.customer_code, 10) + " " * 10 + " " + " " + " " * 7)


def trailer_record(count: int, total_yen: int) -> str:
    return "8" + _num(count, 6, "合計件数") + _num(total_yen, 12, "合計金額") + " " * 101


def end_record() -> str:
    return "9" + " " * 119


def write_zengin(requester: Requester, transfer_date: date, transfers: list[Transfer]) -> bytes:
    """The whole file; every record checked to be exactly 120 bytes before it is returned."""
    records = [header_record(requester, transfer_date), *(data_record(t) for t in transfers),
               trailer_record(len(transfers), sum(t.amount_yen for t in transfers)), end_record()]
    encoded = [record.encode("cp932") for record in records]
    for number, record in enumerate(encoded, start=1):
        if len(record) != RECORD:
            raise InvalidInput(f"record {number} would be {len(record)} bytes, not {RECORD}: a name holds a "
                               "character that is not half-width")
    return b"".join(record + b"\r\n" for record in encoded)


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
            raise InvalidInput(f"the file is {len(body)} bytes, not a whole number of {RECORD}-byte records")
        return [body[i:i + RECORD] for i in range(0, len(body), RECORD)]
    lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
    while lines and not lines[-1].strip(b" \x1a"):
        lines.pop()
    records = []
    for number, line in enumerate(lines, start=1):
        if len(line) > RECORD:
            raise InvalidInput(f"record {number} is {len(line)} bytes; a record is {RECORD}")
        records.append(line.ljust(RECORD))  # trimmed trailing spaces put back
    return records


def read_zengin(data: bytes) -> ZenginFile:
    """Parse a 総合振込 file and reconcile its trailer; any mismatch is an error naming the record."""
    records = [record.decode("cp932") for record in _records(data)]
    if not records or records[0][0] != "1":
        raise InvalidInput("record 1 is not a header record (データ区分 1)")
    if records[-1][0] != "9":
        raise InvalidInput("the file does not end with an end record (データ区分 9): it may be cut short")
    header = records[0]
    transfers = []
    trailer = None
    for number, record in enumerate(records[1:-1], start=2):
        kind = record[0]
        if kind == "2" and trailer is None:
            transfers.append(Transfer(
                bank_code=record[1:5], bank_name_kana=record[5:20].rstrip(), branch_code=record[20:23],
                branch_name_kana=record[23:38].rstrip(),
                account_type={v: k for k, v in ACCOUNT_TYPES.items()}.get(record[42], record[42]),
                account_number=record[43:50], recipient_kana=record[50:80].rstrip(),
                amount_yen=int(record[80:90]), customer_code=record[91:101].rstrip()))
        elif kind == "8" and trailer is None:
            trailer = (int(record[1:7]), int(record[7:19]))
        else:
            raise InvalidInput(f"record {number} has データ区分 {kind!r} out of place")
    if trailer is None:
        raise InvalidInput("the file has no trailer record (データ区分 8)")
    result = ZenginFile(transfer_date_mmdd=header[54:58], requester_code=header[4:14], transfers=transfers,
                        trailer_count=trailer[0], trailer_total_yen=trailer[1])
    if result.trailer_count != len(transfers) or result.trailer_total_yen != result.total_yen:
        raise InvalidInput(f"the trailer says {result.trailer_count} transfers totalling {result.trailer_total_yen} "
                           f"yen; the data records hold {len(transfers)} totalling {result.total_yen} yen")
    return result
