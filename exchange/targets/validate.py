"""Reading a target list (対象者一覧) and finding every problem in it before anything is stored.

One pass over the file: each row is normalised (half-width kana made full-width, full-width
digits made half-width, 和暦 dates read, 続柄 codes turned into words) and checked; persons are
grouped into households by 世帯番号 and each household is checked as a whole (one head, one
address). Problems carry the row as a spreadsheet shows it (the header is row 1), the column
heading, the value and a code.

What a resident's record cannot do without is an error and stops the file; what it can (a
column the mapping does not know, a phone number that is not one) is a warning, and the file is
imported without it.

Persons are kept as tuples, not objects, so a million-person list fits comfortably in memory.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import jaconv

from exchange.results.banks import bank_problem
from exchange.targets.encoding import BoundedLines, Limits, OverLimit, check_columns, check_size, detect_encoding
from exchange.targets.mapping import FIELDS, Mapping
from exchange.targets.numbers import has_valid_check_digit
from exchange.targets.wareki import BadDate, read_date
from secretariat.core.errors import InvalidInput
from secretariat.core.postal import known_postal_codes
from secretariat.core.text import normalise_phone, to_halfwidth_digits, validate_kana

MAX_KEPT = 10_000  # problems kept in full; beyond this only counted
GETA = "〓"
_HALF_KANA = re.compile("[\uff61-\uff9f]")
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_HYPHENS = str.maketrans("", "", "-‐‑‒–—―−ｰー－ ")
_CLEAN_KANA = re.compile("^[\u30a1-\u30fc]+(?:\u3000[\u30a1-\u30fc]+)*$")
_ACCOUNT_TYPES = {"普通": "ordinary", "1": "ordinary", "当座": "current", "2": "current"}
# an extension after the number: （内線12）, (内12), 内線12, ext.12, #12
_EXTENSION = re.compile(r"[(（]?\s*(?:内線|内|EXT\.?|X|#)\s*\d+\s*[)）]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    code: str
    message: str
    severity: str = "error"

    def as_dict(self) -> dict:
        return dict(row=self.row, column=self.column, value=self.value, code=self.code, message=self.message)


class PersonRow(NamedTuple):
    row: int
    resident_number: str
    household_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    relationship: str
    is_head: bool
    change: str  # add, change, remove; "" in a full list
    change_reason: str
    change_date: date | None


class HouseholdDraft:
    """A household as the list describes it: the first row's address data and its members' counts."""

    __slots__ = ("number", "row", "postal_code", "address", "address_extra", "phone", "account", "heads",
                 "persons")

    def __init__(self, number: str, row: int, postal_code: str, address: str, address_extra: str, phone: str,
                 account: tuple | None):
        self.number, self.row = number, row
        self.postal_code, self.address, self.address_extra, self.phone = postal_code, address, address_extra, phone
        self.account = account
        self.heads = 0
        self.persons = 0

    def columns(self) -> dict:
        bank, branch, kind, number, holder = self.account or (None,) * 5
        return dict(household_number=self.number, postal_code=self.postal_code, address=self.address,
                    address_extra=self.address_extra, phone=self.phone, bank_code=bank, branch_code=branch,
                    account_type=kind, account_number=number, account_holder_kana=holder)


@dataclass
class TargetList:
    """What a file holds, and everything wrong with it."""

    name: str
    sha256: str
    size: int
    encoding: str = ""
    mapping: str = "default"
    is_delta: bool = False
    rows: int = 0
    households: dict[str, HouseholdDraft] = field(default_factory=dict)
    persons: list[PersonRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    grouped: bool = True  # each household's persons on consecutive rows (how most systems export)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, problem: Problem) -> None:
        if problem.severity == "error":
            self.error_count += 1
            if len(self.errors) < MAX_KEPT:
                self.errors.append(problem)
        else:
            self.warning_count += 1
            if len(self.warnings) < MAX_KEPT:
                self.warnings.append(problem)

    def report(self) -> dict:
        """The JSON shape `exchange validate --json` prints and the web page shows."""
        return dict(ok=self.ok, file=self.name, sha256=self.sha256, encoding=self.encoding, mapping=self.mapping,
                    kind="delta" if self.is_delta else "full", rows=self.rows, households=len(self.households),
                    persons=len(self.persons), error_count=self.error_count, warning_count=self.warning_count,
                    errors=[p.as_dict() for p in self.errors], warnings=[p.as_dict() for p in self.warnings])


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_target_list(path: Path, mapping: Mapping, *, name: str | None = None, limits: Limits = Limits(),
                     reference_date: date | None = None) -> TargetList:
    """Read and check the whole file; never raises for what is in it, only reports.

    A file beyond `limits` is refused with one problem before it is parsed (a file too large
    before it is even hashed); a row too long stops the reading where it starts. A birth after
    `reference_date` (the programme's 基準日; today when there is none) is an error."""
    try:
        check_size(path, limits)
    except OverLimit as error:
        result = TargetList(name=name or path.name, sha256="", size=path.stat().st_size, mapping=mapping.name)
        result.add(_over(error))
        return result
    sha256, size = file_digest(path)
    result = TargetList(name=name or path.name, sha256=sha256, size=size, mapping=mapping.name)
    try:
        result.encoding = detect_encoding(path)
    except InvalidInput as error:
        result.add(Problem(0, "", "", "unreadable_file", error.message))
        return result
    with path.open(encoding=result.encoding, newline="") as handle:
        lines = BoundedLines(handle, limits.row_chars)
        reader = csv.reader(lines)
        header = None
        try:
            header = next(reader, None)
            if header is None:
                result.add(Problem(1, "", "", "no_header", "見出し行がありません"))
                return result
            check_columns(header, limits)
            columns = _header(header, mapping, result)
            if columns is None:
                return result
            _RowReader(mapping, columns, _width(header), result, reference_date).read(reader, lines)
        except OverLimit as error:
            if header is None:
                error.row = 1  # the header, however many lines its quotes spread it over
            result.add(_over(error))
        except csv.Error as error:
            result.add(Problem(reader.line_num, "", "", "bad_csv",
                               f"CSV としてここから先を読めません（{error}）。引用符（\"）が閉じられていないか、"
                               "ファイルが途中で切れています"))
    _check_households(result)
    return result


def _over(error: OverLimit) -> Problem:
    return Problem(error.row, "", error.value, error.code, error.message)


def _width(header: list[str]) -> int:
    """How many fields a row has: the header's, a trailing comma after the last heading not counted."""
    return len(header) - 1 if len(header) > 1 and not header[-1].strip() else len(header)


def _header(header: list[str], mapping: Mapping, result: TargetList) -> dict[str, tuple[int, str, bool]] | None:
    """field → (column index, heading as written, blank allowed); None when the header is unusable.
    A heading the mapping does not know is left out: quietly if the mapping lists it under
    `ignore_columns`, otherwise with a warning naming it."""
    columns: dict[str, tuple[int, str, bool]] = {}
    fine = True
    for index, heading in enumerate(header[:_width(header)]):
        column = mapping.column_for(heading)
        if column is None:
            if not mapping.ignores(heading):
                result.add(Problem(1, heading, heading, "unknown_column",
                                   f"{index + 1}列目「{heading.strip()}」は対応表（{mapping.name}）にない列のため、"
                                   "取り込まずに読み飛ばしました", "warning"))
        elif column.field in columns:
            result.add(Problem(1, heading, heading, "duplicate_column", f"列「{heading.strip()}」が2回あります"))
            fine = False
        else:
            columns[column.field] = (index, heading.strip(), column.blank_ok)
    for column in mapping.columns:
        if not column.optional and column.field not in columns:
            result.add(Problem(1, column.header, "", "missing_column",
                               f"見出し行に「{column.header}」の列がありません"))
            fine = False
    return columns if fine else None


def _digits(text: str) -> str:
    return to_halfwidth_digits(text).strip() if _FULL_WIDTH.search(text) else text.strip()


def _wide(text: str) -> str:
    text = text.strip()
    return jaconv.h2z(text, kana=True, ascii=False, digit=False) if _HALF_KANA.search(text) else text


class _RowReader:
    """Checks rows one by one; holds the lookups that make that fast.

    Each record is turned into one tuple of every mapped field in `FIELDS` order (an absent
    column reads as ""), and the checks below take clean values the quick way, calling the
    slower normalisers only for values that need them.
    """

    def __init__(self, mapping: Mapping, columns: dict[str, tuple[int, str, bool]], width: int, result: TargetList,
                 reference_date: date | None):
        self.mapping, self.columns, self.result = mapping, columns, result
        self.width = width  # the header's fields, the columns left out included
        # -1 reads the "" appended to every record: the value of a column the file does not have
        self.take = itemgetter(*(columns[name][0] if name in columns else -1 for name in FIELDS))
        self.blank_ok = {name: columns[name][2] for name in columns}
        self.postal_codes = known_postal_codes()
        self.heads = set(mapping.head_relationships)
        self.sex = {to_halfwidth_digits(k): v for k, v in mapping.sex_values.items()}
        self.changes = {to_halfwidth_digits(k): v for k, v in mapping.change_values.items()}
        self.codes = _relationship_codes(mapping)
        self.relationships: dict[str, str] = {}  # 続柄 as written → as stored, for values already read
        self.today = date.today()
        self.reference_date = reference_date
        self.latest_birth = min(reference_date, self.today) if reference_date else self.today
        self.seen_residents: set[str] = set()  # a set, not a dict of rows: a million entries, 40 MB less
        self.interned: dict[str, str] = {}
        result.is_delta = "change" in columns

    def read(self, reader, lines: BoundedLines) -> None:
        result = self.result
        width = self.width
        lines.used = 0  # the header's characters
        row = 1
        try:
            for row, record in enumerate(reader, start=2):
                lines.used = 0
                if not "".join(record).strip():
                    if record:
                        result.add(Problem(row, "", "", "empty_row", "空の行を読み飛ばしました", "warning"))
                    continue
                result.rows += 1
                if len(record) < width or (len(record) > width and "".join(record[width:]).strip()):
                    result.add(Problem(row, "", f"{len(record)}項目", "wrong_field_count",
                                       f"この行の項目数は{len(record)}で、見出し行の{width}と合いません"))
                    continue
                record.append("")
                self.person(row, self.take(record))
        except OverLimit as error:
            error.row = row + 1  # the record being read, as a spreadsheet counts rows: a quoted field may span lines
            raise

    def problem(self, row: int, name: str, value: str, code: str, message: str, severity: str = "error") -> None:
        self.result.add(Problem(row, self.columns[name][1] if name in self.columns else name, value, code, message,
                                severity))

    def required(self, row: int, name: str, value: str) -> str:
        value = value.strip()
        if not value and not self.blank_ok.get(name, True):
            self.problem(row, name, "", "required", f"{self.columns[name][1]}が空欄です")
        return value

    def intern(self, text: str) -> str:
        """One string object for values many rows share (postal codes, bank codes, 続柄)."""
        return self.interned.setdefault(text, text)

    def person(self, row: int, values: tuple) -> None:
        (resident, household, name, kana, born, sex, relationship, postal, address, extra, phone, bank, branch,
         account_type, account_number, holder, change, change_reason, change_date) = values
        errors_before = self.result.error_count
        resident = self._resident_number(row, resident)
        household = _digits(self.required(row, "household_number", household))
        name = self._name(row, name)
        kana = self._kana(row, "name_kana", self.required(row, "name_kana", kana))
        born = self._birth_date(row, born)
        sex = self._sex(row, sex)
        relationship = self.relationships.get(relationship) or self._relationship(row, relationship)
        change, reason, change_date = self._change(row, change, change_reason, change_date)
        postal = self.intern(self._postal(row, postal))
        address = _wide(self.required(row, "address", address))
        extra = _wide(extra)
        phone = self._phone(row, phone)
        account = self._account(row, (bank, branch, account_type, account_number, holder))
        if self.result.error_count != errors_before or not household:
            return
        is_head = relationship in self.heads
        draft = self.result.households.get(household)
        if draft is None:
            draft = HouseholdDraft(household, row, postal, address, extra, phone, account)
            self.result.households[household] = draft
        else:
            if change != "remove":
                self._same_household(row, draft, postal, address, extra, phone)
            if self.result.persons and self.result.persons[-1].household_number != household:
                self.result.grouped = False  # this household's members are not on consecutive rows
        draft.persons += 1
        draft.heads += is_head and change != "remove"
        self.result.persons.append(PersonRow(row, resident, draft.number, name, kana, born, sex, relationship,
                                             is_head, change, reason, change_date))

    def _resident_number(self, row: int, value: str) -> str:
        value = _digits(self.required(row, "resident_number", value))
        if not value:
            return ""
        if not (value.isascii() and value.isalnum()) or len(value) > 20:
            self.problem(row, "resident_number", value, "bad_resident_number",
                         "宛名番号は20文字以内の英数字で書いてください")
        elif self.mapping.check_digit and not has_valid_check_digit(value):
            self.problem(row, "resident_number", value, "bad_check_digit",
                         "宛名番号のチェックデジット（モジュラス11、ウェイト2〜7）が合いません")
        elif value in self.seen_residents:
            first = next((p.row for p in self.result.persons if p.resident_number == value), None)
            where = f"{first}行目" if first else "これより前の行"
            self.problem(row, "resident_number", value, "duplicate_resident",
                         f"宛名番号 {value} は{where}にもあります")
        else:
            self.seen_residents.add(value)
        return value

    def _name(self, row: int, value: str) -> str:
        value = _wide(self.required(row, "name", value))
        if GETA in value:
            self.problem(row, "name", value, "geta_mark",
                         "氏名に〓（送り元のシステムで表せなかった文字）があります。"
                         "正しい文字を市区町村に確認してください", "warning")
        return value

    def _kana(self, row: int, name: str, value: str, label: str = "氏名カナ") -> str:
        if not value:
            return ""
        if _CLEAN_KANA.match(value):
            return value
        try:
            return validate_kana(value, label)
        except InvalidInput as error:
            self.problem(row, name, value, "bad_kana", error.message)
            return ""

    def _relationship(self, row: int, value: str) -> str:
        """続柄 as stored: words as written (made full-width), a code through the mapping's table."""
        written = value
        value = _digits(self.required(row, "relationship", value))
        if not value:
            return ""
        words = self.codes.get(value)
        if words is None and value.isdigit():
            self.problem(row, "relationship", value, "unknown_relationship_code",
                         f"続柄コード {value} は対応表（{self.mapping.name}）の relationship_codes にありません"
                         if self.codes else
                         f"続柄がコード（{value}）で書かれていますが、対応表（{self.mapping.name}）に続柄コードの表"
                         "（relationship_codes）がありません")
            return ""
        if words is None:
            words = self.intern(_wide(value))
        self.relationships[written] = words
        return words

    def _birth_date(self, row: int, value: str) -> date | None:
        value = self.required(row, "birth_date", value)
        if not value:
            return None
        try:
            born, warning = read_date(value)
        except BadDate as error:
            self.problem(row, "birth_date", value, error.code, str(error))
            return None
        if warning:
            self.problem(row, "birth_date", value, "date_needs_check", warning, "warning")
        if born > self.latest_birth:
            if born > self.today:
                self.problem(row, "birth_date", value, "future_date", "生年月日が未来の日付です")
            else:
                self.problem(row, "birth_date", value, "born_after_reference_date",
                             f"生年月日が事業の基準日（{self.reference_date:%Y年%m月%d日}）より後です。"
                             "基準日より後に生まれた人は対象になりません")
        return born

    def _sex(self, row: int, value: str) -> str:
        sex = self.sex.get(value) or self.sex.get(_digits(value))
        if sex is None:
            self.problem(row, "sex", value, "bad_sex",
                         f"性別は{'、'.join(f'「{k}」' for k in self.mapping.sex_values if k)}のどれかで書いてください")
            return "unknown"
        return sex

    def _change(self, row: int, value: str, reason: str, when: str) -> tuple[str, str, date | None]:
        if not self.result.is_delta:
            return "", "", None
        value = _digits(value)
        change = self.changes.get(value)
        if change is None:
            self.problem(row, "change", value, "bad_change",
                         f"異動区分は{'、'.join(f'「{k}」' for k in self.mapping.change_values)}のどれかで書いてください")
            change = ""
        reason = _wide(reason) or (value if not value.isdigit() else "")
        when = when.strip()
        if not when:
            return change, reason, None
        try:
            day, warning = read_date(when)
        except BadDate as error:
            self.problem(row, "change_date", when, error.code, str(error))
            return change, reason, None
        if warning:
            self.problem(row, "change_date", when, "date_needs_check", warning, "warning")
        return change, reason, day

    def _postal(self, row: int, value: str) -> str:
        value = self.required(row, "postal_code", value)
        if not value:
            return ""
        digits = _digits(value).translate(_HYPHENS).lstrip("〒")
        if len(digits) != 7 or not digits.isdigit():
            self.problem(row, "postal_code", value, "bad_postal_code", "郵便番号は7桁の数字で書いてください（例: 263-0023）")
        elif digits not in self.postal_codes:
            self.problem(row, "postal_code", value, "unknown_postal_code",
                         "郵便番号が日本郵便の郵便番号一覧にありません")
        return digits

    def _phone(self, row: int, value: str) -> str:
        """The number's digits; a value that is not a number (なし) or has an extension is a warning,
        never an error: the phone is optional, and the household is imported without it or with
        the number alone."""
        if value.isascii():
            digits = value.replace("-", "").strip()
            if not digits or (digits.isdigit() and 10 <= len(digits) <= 11):
                return digits
        if not value.strip():
            return ""
        wide = to_halfwidth_digits(value)
        number = _EXTENSION.sub("", wide).strip()
        try:
            digits = normalise_phone(number) if number != wide.strip() else ""
        except InvalidInput:
            digits = ""
        if digits:
            self.problem(row, "phone", value, "phone_extension_dropped",
                         "内線番号は取り込めないため除き、電話番号だけを取り込みました", "warning")
            return digits
        try:
            return normalise_phone(value)
        except InvalidInput:
            pass
        if not any(ch.isdigit() for ch in wide):
            message = "電話番号がないものとして、電話番号は空欄で取り込みました"
        else:
            message = "電話番号（10桁か11桁）として読めないため、電話番号は空欄で取り込みました"
        self.problem(row, "phone", value, "bad_phone", message, "warning")
        return ""

    def _account(self, row: int, values: tuple) -> tuple | None:
        if not any(values):
            return None
        names = ("bank_code", "branch_code", "account_type", "account_number", "account_holder_kana")
        values = [_digits(value) for value in values]
        if not all(values):
            missing = [self.columns.get(n, (0, n))[1] for n, v in zip(names, values) if not v]
            self.problem(row, names[values.index("")], "", "incomplete_account",
                         f"登録口座の項目が足りません（{'、'.join(missing)}が空欄です）")
            return None
        bank, branch, kind, number, holder = values
        if problem := bank_problem(bank, branch):
            self.problem(row, "bank_code", f"{bank}-{branch}", "unknown_bank", problem)
        account_type = _ACCOUNT_TYPES.get(kind)
        if account_type is None:
            self.problem(row, "account_type", kind, "bad_account_type", "預金種目は普通（1）か当座（2）で書いてください")
        if not number.isdigit() or len(number) > 7:
            self.problem(row, "account_number", number, "bad_account_number", "口座番号は7桁以内の数字で書いてください")
        holder = self._kana(row, "account_holder_kana", holder, "口座名義カナ")
        return (self.intern(bank), self.intern(branch), account_type, number.zfill(7),
                holder.replace("\u3000", " "))

    def _same_household(self, row: int, draft: HouseholdDraft, postal: str, address: str, extra: str,
                        phone: str) -> None:
        for name, mine, theirs in (("postal_code", postal, draft.postal_code), ("address", address, draft.address),
                                   ("address_extra", extra, draft.address_extra)):
            if mine != theirs:
                self.problem(row, name, mine, "household_contradiction",
                             f"世帯番号 {draft.number} の{self.columns.get(name, (0, name))[1]}が"
                             f"{draft.row}行目と違います")
                return


def _relationship_codes(mapping: Mapping) -> dict[str, str]:
    """code → words, each code also without its leading zeros (a system or Excel that drops them
    writes 02 as 2); a code written so in the table itself wins."""
    codes = {}
    for code, words in mapping.relationship_codes.items():
        code = to_halfwidth_digits(code).strip()
        if code.isdigit():
            codes.setdefault(code.lstrip("0") or "0", words)
    return codes | {to_halfwidth_digits(code).strip(): words for code, words in mapping.relationship_codes.items()}


def _check_households(result: TargetList) -> None:
    """Every household of a full list has exactly one head (世帯主). A delta is checked against the store."""
    if result.is_delta:
        return
    for draft in result.households.values():
        if draft.heads == 0:
            result.add(Problem(draft.row, "続柄", "", "no_head",
                               f"世帯番号 {draft.number} に世帯主がいません"))
        elif draft.heads > 1:
            result.add(Problem(draft.row, "続柄", "", "several_heads",
                               f"世帯番号 {draft.number} に世帯主が{draft.heads}人います"))
