"""Target-list files as municipal systems write them, from synthetic households.

For the demo, the tests and the benchmark: CP932 CSV with the default mapping's headings,
optionally as messy as real exports are (half-width kana, 和暦 dates in several forms,
full-width digits, `ＦＯ－` heading prefixes, CRLF).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from pathlib import Path

import jaconv

from exchange.targets.wareki import ERAS
from secretariat.core.households.service import HouseholdImport

HEADINGS = ["宛名番号", "世帯番号", "氏名", "氏名カナ", "生年月日", "性別", "続柄", "郵便番号", "住所", "方書", "電話番号"]
ACCOUNT_HEADINGS = ["金融機関コード", "支店コード", "預金種目", "口座番号", "口座名義カナ"]


def wareki(day, style: int) -> str:
    """`day` in one of the forms municipalities use: 0 R5.12.1, 1 令和5年12月1日, 2 5051201, 3 2023/12/01."""
    era, (first, _, aliases, digit) = next((name, spec) for name, spec in ERAS.items()
                                           if spec[0] <= day and (spec[1] is None or day <= spec[1]))
    year = day.year - first.year + 1
    if style == 0:
        return f"{aliases[0]}{year}.{day.month}.{day.day}"
    if style == 1:
        return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    if style == 2:
        return f"{digit}{year:02d}{day.month:02d}{day.day:02d}"
    return f"{day.year}/{day.month:02d}/{day.day:02d}"


def target_rows(households: Iterable[HouseholdImport], *, messy: bool = False, accounts: bool = False,
                seed: int = 0) -> Iterable[list[str]]:
    """Rows of a target list, one person each, with the heading row first."""
    rng = random.Random(seed)
    prefix = "ＦＯ－" if messy else ""
    yield [prefix + h for h in HEADINGS + (ACCOUNT_HEADINGS if accounts else [])]
    for household in households:
        for person in household.persons:
            kana = person.name_kana
            if messy and rng.random() < 0.5:
                kana = jaconv.z2h(kana, kana=True, ascii=False, digit=False)
            postal = household.postal_code
            postal = f"{postal[:3]}-{postal[3:]}"
            if messy and rng.random() < 0.3:
                postal = jaconv.h2z(postal, ascii=True, digit=True)
            row = [person.resident_number, household.household_number, person.name, kana,
                   wareki(person.birth_date, rng.randrange(4) if messy else 3),
                   {"male": "男", "female": "女"}.get(person.sex.value, ""), person.relationship, postal,
                   household.address, household.address_extra, household.phone]
            if accounts:
                row += ([household.bank_code, household.branch_code, "普通", household.account_number,
                         household.account_holder_kana] if household.bank_code else ["", "", "", "", ""])
            yield row


def csv_bytes(rows: Iterable[list[str]], encoding: str = "cp932") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_target_csv(path: Path, households: Iterable[HouseholdImport], *, encoding: str = "cp932",
                     messy: bool = False, accounts: bool = False, seed: int = 0) -> Path:
    """Stream the rows to `path` (a million persons never sit in memory as text)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(
            target_rows(households, messy=messy, accounts=accounts, seed=seed))
    return path
