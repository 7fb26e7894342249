"""Bank and branch codes (金融機関コード, 支店コード) checked against the Zengin code list.

The list comes from the zengin-code package, loaded on first use (it reads some thousand files).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _banks() -> dict:
    import zengin_code

    return zengin_code.Bank.all


@lru_cache(maxsize=50_000)
def bank_problem(bank_code: str, branch_code: str) -> str | None:
    """None when the branch exists; otherwise what is wrong, in words."""
    if len(bank_code) != 4 or not (bank_code.isascii() and bank_code.isdigit()):
        return f"金融機関コード {bank_code!r} は4桁の数字ではありません"
    if len(branch_code) != 3 or not (branch_code.isascii() and branch_code.isdigit()):
        return f"支店コード {branch_code!r} は3桁の数字ではありません"
    bank = _banks().get(bank_code)
    if bank is None:
        return f"金融機関コード {bank_code} は全銀の金融機関コード一覧にありません"
    if branch_code not in bank.branches:
        return f"支店コード {branch_code} は全銀の一覧で金融機関 {bank_code} の支店にありません"
    return None


def bank_names(bank_code: str, branch_code: str) -> tuple[str, str]:
    """The bank's and the branch's names in half-width kana source form (full-width katakana)."""
    bank = _banks()[bank_code]
    return bank.kana, bank.branches[branch_code].kana
