"""What the print room needs to know about one household to print its pack.

Built from stored records for a print run, or from synthetic households for samples, so the
renderer never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def wareki(day: date) -> str:
    """令和8年12月1日: dates on letters are written in the Japanese era."""
    if day >= date(2019, 5, 1):
        era, year = "令和", day.year - 2018
    elif day >= date(1989, 1, 8):
        era, year = "平成", day.year - 1988
    else:
        era, year = "昭和", day.year - 1925
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Addressee:
    household_id: int
    household_number: str
    postal_code: str
    address: str
    address_extra: str
    head_name: str
    head_name_kana: str
    amount_yen: int
    programme_name: str
    municipality_name: str
    deadline: date
    issue_date: date
    account_on_file: str = ""
    deficiencies: tuple[str, ...] = field(default_factory=tuple)
    pay_by: date | None = None  # a push programme's D: paid by this day (支給のお知らせ)
    decline_by: date | None = None  # and its E: decline or change the account by this day

    def text_for(self, binding: str) -> str:
        """The text a prefilled item shows (codes and address blocks are drawn, not written)."""
        values = {
            "address": f"{self.address}　{self.address_extra}".strip(),
            "head_name": self.head_name,
            "head_name_kana": self.head_name_kana,
            "household_number": self.household_number,
            "amount": f"{self.amount_yen:,}円",
            "account_on_file": self.account_on_file or "登録済みの口座はありません",
            "programme_name": self.programme_name,
            "municipality_name": self.municipality_name,
            "deadline": f"{wareki(self.deadline)}（当日消印有効）",
            "issue_date": wareki(self.issue_date),
            "pay_by": wareki(self.pay_by) if self.pay_by else "",
            "decline_by": wareki(self.decline_by) if self.decline_by else "",
        }
        return values.get(binding, "")
