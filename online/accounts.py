"""The account on file as a resident's page shows it: the bank and branch by name (a resident knows
みずほ銀行, not 0001), the kind, and the number with every digit but the last three hidden (a
shared phone or a look over the shoulder shows no more). The same on the application and push pages."""

from __future__ import annotations

from secretariat.core.banking import bank_named, branch_named
from secretariat.core.households.models import Household

SHOWN_DIGITS = 3  # of the account number, on the resident's page


def account_kind(household: Household) -> str:
    return "current" if household.account_type == "current" else "ordinary"


def masked_number(household: Household) -> str:
    number = household.account_number or ""
    return "＊" * max(len(number) - SHOWN_DIGITS, 0) + number[-SHOWN_DIGITS:]


def _named(match, code: str) -> str:
    return f"{match.name}（{code}）" if match else code


def account_parts(household: Household) -> dict[str, str] | None:
    """The masked account's parts, for a page to word the account's kind in its language; None
    without an account on file."""
    if not household.account_number:
        return None
    return {"bank": _named(bank_named(household.bank_code or ""), household.bank_code or ""),
            "branch": _named(branch_named(household.bank_code or "", household.branch_code or ""),
                             household.branch_code or ""),
            "kind": account_kind(household), "number": masked_number(household)}


def masked_account(household: Household) -> str:
    """The masked account as one Japanese line (みずほ銀行（0001） 本店（001） 普通 ＊＊＊＊567), or ''."""
    parts = account_parts(household)
    if parts is None:
        return ""
    kind = "当座" if parts["kind"] == "current" else "普通"
    return f"{parts['bank']} {parts['branch']} {kind} {parts['number']}"
