"""What a Japanese bank accepts: Zengin bank and branch codes, and transfer names in half-width kana.

Reference data that both the scan room's keying (申請データ入力) and the exchange's payment files
need, so it sits in the core where both can reach it.

Bank and branch codes (金融機関コード, 支店コード) are checked against the zengin-code package's list,
loaded on first use (it reads some thousand files).

Names for transfers are JIS X 0201 half-width kana as the Zengin format allows them: banks accept
half-width katakana, digits, upper-case letters, space and `( ) - . / ,` only (the Zengin layout's
C class, `ALLOWED`). So small kana are enlarged (ｯ → ﾂ), the long vowel becomes `-`, ヴ becomes ｳﾞ,
and a name cut to its field's width never ends on a kana whose voiced mark (ﾞ ﾟ) was cut off.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jaconv

from secretariat.core.text import enlarge_small_kana

# --- bank and branch codes -------------------------------------------------------------------


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


@dataclass(frozen=True)
class BankMatch:
    """A bank or branch as an operator sees it: its code and its name in kanji and kana."""

    code: str
    name: str
    kana: str


def bank_named(bank_code: str) -> BankMatch | None:
    bank = _banks().get(bank_code)
    return BankMatch(bank.code, bank.name, bank.kana) if bank else None


def branch_named(bank_code: str, branch_code: str) -> BankMatch | None:
    bank = _banks().get(bank_code)
    branch = bank.branches.get(branch_code) if bank else None
    return BankMatch(branch.code, branch.name, branch.kana) if branch else None


def find_banks(text: str, limit: int = 8) -> list[BankMatch]:
    """Banks whose name (kanji, kana or hiragana) starts with `text`, then those containing it."""
    text = text.strip()
    if not text:
        return []
    banks = _banks().values()
    starts = [b for b in banks if any(n.startswith(text) for n in (b.name, b.kana, b.hira))]
    contains = [b for b in banks if b not in starts and any(text in n for n in (b.name, b.kana, b.hira))]
    return [BankMatch(b.code, b.name, b.kana) for b in (starts + contains)[:limit]]


def find_branches(bank_code: str, text: str, limit: int = 8) -> list[BankMatch]:
    bank = _banks().get(bank_code)
    text = text.strip()
    if bank is None or not text:
        return []
    branches = bank.branches.values()
    starts = [b for b in branches if any(n.startswith(text) for n in (b.name, b.kana, b.hira))]
    contains = [b for b in branches if b not in starts and any(text in n for n in (b.name, b.kana, b.hira))]
    return [BankMatch(b.code, b.name, b.kana) for b in (starts + contains)[:limit]]


# --- names in half-width kana ----------------------------------------------------------------

_OLD_KANA = str.maketrans("ヰヱ", "イエ")  # ゐ, ゑ: banks take ｲ, ｴ
_LONG = str.maketrans({"ー": "-", "ｰ": "-", "－": "-", "―": "-", "‐": "-", "−": "-", "\u3000": " ", "・": ".",
                       "（": "(", "）": ")", "／": "/", "，": ",", "．": "."})
ALLOWED = set("ｦｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ"
              "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ()-./,")
MARKS = "ﾞﾟ"


class NotTransferable(ValueError):
    """Characters a bank transfer name cannot hold, in the order they were typed."""

    def __init__(self, characters: str):
        super().__init__(f"振込に使えない文字があります: {characters}")
        self.characters = characters


def transfer_kana(text: str) -> str:
    """Full- or half-width kana text as a bank transfer name, or `NotTransferable` naming the character."""
    wide = jaconv.h2z(text.strip(), kana=True, ascii=False, digit=False)
    wide = enlarge_small_kana(jaconv.hira2kata(wide)).translate(_OLD_KANA).replace("ヴ", "ウ゛")
    narrow = jaconv.z2h(wide.translate(_LONG), kana=True, ascii=True, digit=True).upper()
    narrow = narrow.replace("ｳ゛", "ｳﾞ").replace("゛", "ﾞ").replace("゜", "ﾟ")
    bad = dict.fromkeys(ch for ch in narrow if ch not in ALLOWED)  # each once, in the order typed
    if bad:
        raise NotTransferable("".join(bad))
    return " ".join(narrow.split())


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters without leaving a kana whose voiced mark was cut, space-padded."""
    if len(text) <= width:
        return text.ljust(width)
    cut = text[:width]
    if text[width] in MARKS:
        cut = cut[:-1]  # the last kana would lose its ﾞ or ﾟ: cut before it
    return cut.ljust(width)


def account_line(household) -> str:
    """The account on file as one line (`0005-001 普通 1234567 ﾀﾅｶ ﾀﾛｳ`), or '' without one;
    `household` is a Household or a row with its account columns."""
    if not household.account_number:
        return ""
    kind = "当座" if household.account_type == "current" else "普通"
    return f"{household.bank_code}-{household.branch_code} {kind} {household.account_number} " \
           f"{household.account_holder_kana or ''}".strip()

