"""The provider's issuance file (発行ファイル: code, amount, expiry), validated whole: every problem
is reported with its row and column, and nothing is stored when there is one."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from exchange.giftcodes.models import GiftCode
from exchange.giftcodes.setting import required_setting
from exchange.targets.encoding import Limits, OverLimit, bounded_records, detect_encoding
from exchange.targets.validate import Problem
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst
from secretariat.core.errors import InvalidInput
from secretariat.core.programmes.models import Programme
from secretariat.core.spreadsheet import is_formula_like

ISSUANCE_HEADINGS = ("code", "amount", "expiry")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


@dataclass
class Issuance:
    stored: int = 0
    total_yen: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[Problem]:
        return []

    @property
    def summary(self) -> str:
        return (f"取込完了: ギフトコード {self.stored} 件, {self.total_yen:,} 円（未割当）" if self.ok
                else refused(self.errors))


def refused(errors: list[Problem]) -> str:
    return f"取込せず: エラー {len(errors)} 件（何も取り込んでいません）"


def read_provider_csv(path: Path, headings: tuple[str, ...], limits: Limits) -> tuple[list[tuple[int, list[str]]],
                                                                                   list[Problem]]:
    """(row number, cells) of a provider's UTF-8 CSV file (with or without BOM) after its header
    `headings`, blank rows skipped; or the problems that stop it being read at all."""
    try:
        encoding = detect_encoding(path)
        if encoding == "cp932":
            return [], [Problem(0, "", "", "not_utf8", "UTF-8 の CSV ではありません（Shift_JIS のようです）。"
                                                      "UTF-8 で保存して送り直してください。")]
        records = list(bounded_records(path, encoding, limits))
    except OverLimit as error:
        return [], [Problem(error.row, "", error.value, error.code, error.message)]
    except InvalidInput as error:
        return [], [Problem(0, "", "", "unreadable_file", error.message)]
    except (csv.Error, UnicodeDecodeError) as error:
        return [], [Problem(0, "", "", "bad_csv", f"CSV として読めません（{type(error).__name__}）。")]
    if not records or [cell.strip().lower() for cell in records[0][1]] != list(headings):
        value = ",".join(records[0][1])[:200] if records else ""
        return [], [Problem(1, "", value, "bad_header", f"見出し行は {','.join(headings)} でなければなりません")]
    rows = [(number, [cell.strip() for cell in cells]) for number, cells in records[1:]
            if any(cell.strip() for cell in cells)]
    problems = [Problem(number, headings[index], cell[:100], "formula", "数式として読まれる値は受け付けません"
                        "（先頭が = + - @ の値）")
                for number, cells in rows for index, cell in enumerate(cells[:len(headings)]) if is_formula_like(cell)]
    problems += [Problem(number, "", ",".join(cells)[:200], "bad_columns", f"列の数が {len(cells)} です。"
                         f"{len(headings)} 列（{','.join(headings)}）でなければなりません")
                 for number, cells in rows if len(cells) != len(headings)]
    return rows, problems


def codes_named(session: Session, provider: str, names: list[str]) -> dict[str, GiftCode]:
    """The provider's stored codes among `names`, by code; asked in chunks, as a file may hold
    more codes than a statement may carry parameters."""
    found = {}
    for start in range(0, len(names), 1000):
        found.update((code.code, code) for code in session.exec(
            select(GiftCode).where(GiftCode.provider == provider, GiftCode.code.in_(names[start:start + 1000]))))
    return found


def parse_date(text: str) -> date | None:
    """A date written 2027-03-31 or 2027/3/31, or None."""
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def import_issuance(*, session: Session, actor: Actor, programme: Programme, path: Path, today: date | None = None,
                    limits: Limits = Limits()) -> Issuance:
    """Store the codes of the programme's provider's issuance file as available, all or none."""
    actor.require(Role.admin, Role.supervisor)
    setting = required_setting(session=session, actor=actor, programme=programme)
    today = today or today_jst()
    result = Issuance()
    rows, result.errors = read_provider_csv(path, ISSUANCE_HEADINGS, limits)
    bad_rows = {problem.row for problem in result.errors}
    codes: list[GiftCode] = []
    seen: dict[str, int] = {}
    for number, (code, amount, expiry) in ((n, cells) for n, cells in rows if n not in bad_rows):
        problems = []
        if not code:
            problems.append(Problem(number, "code", "", "required", "コードが空です"))
        elif len(code) > 200:
            problems.append(Problem(number, "code", code[:100], "too_long", "コードが長すぎます（200 文字まで）"))
        elif code in seen:
            problems.append(Problem(number, "code", code, "duplicate_in_file",
                                    f"コードが {seen[code]} 行目と重複しています"))
        seen.setdefault(code, number)
        if not amount.isascii() or not amount.isdigit() or int(amount) <= 0:
            problems.append(Problem(number, "amount", amount, "bad_amount", "金額は正の整数（円）で書いてください"))
        expires_on = parse_date(expiry)
        if expires_on is None:
            problems.append(Problem(number, "expiry", expiry, "bad_date",
                                    "有効期限は日付（例: 2027-03-31）で書いてください"))
        elif expires_on < today:
            problems.append(Problem(number, "expiry", expiry, "expired",
                                    f"有効期限が過ぎています（{today.isoformat()} より前）"))
        if problems:
            result.errors += problems
            continue
        codes.append(GiftCode(municipality_id=programme.municipality_id, programme_id=programme.id,
                              provider=setting.provider, code=code, amount_yen=int(amount), expires_on=expires_on,
                              imported_by=actor.username))
    stored = codes_named(session, setting.provider, [code.code for code in codes])
    result.errors += [Problem(number, "code", code, "already_stored", "このコードは取込済みです")
                      for code, number in seen.items() if code in stored]
    if result.errors:
        result.errors.sort(key=lambda problem: problem.row)
        return result
    session.add_all(codes)
    result.stored, result.total_yen = len(codes), sum(code.amount_yen for code in codes)
    record_audit(session=session, actor=actor, action="giftcode_issuance", entity="programme",
                 entity_id=programme.id, municipality_id=programme.municipality_id,
                 detail=f"{result.stored} codes, {result.total_yen} yen, {setting.provider}")
    session.flush()
    return result
