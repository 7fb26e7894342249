"""Normalising the Japanese text that municipal systems export.

Municipal files mix half-width kana (ｿｳｼﾞｬ), full-width digits (１２３) and hyphens of every
width; staff type whichever their keyboard gives. Everything is stored in one form so that
a search matches whatever was typed.
"""

import re
import unicodedata

import jaconv

from secretariat.core.errors import InvalidInput

_KANA_ALLOWED = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")
_HYPHENS = "-‐‑‒–—―−ｰー－"


def to_halfwidth_digits(text: str) -> str:
    return jaconv.z2h(text, kana=False, digit=True, ascii=True)


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def normalise_kana(text: str) -> str:
    """Full-width katakana with single full-width spaces: ｿｳｼﾞｬ ﾀﾛｳ → ソウジャ　タロウ.

    NFKC joins a half-width kana and its voiced mark into one character (ｼﾞ → ジ) in C, many
    times faster than converting character by character; hiragana are shifted to katakana.
    """
    text = unicodedata.normalize("NFKC", text.strip()).translate(_HIRAGANA_TO_KATAKANA)
    return re.sub(r"[ \u3000]+", "\u3000", text)


_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def enlarge_small_kana(katakana: str) -> str:
    """ッ → ツ, ャ → ヤ …: how bank names are written, and how a name search forgives ｷｮｳｺ for キヨウコ."""
    return katakana.translate(_SMALL_TO_LARGE)


KANA_DROP = "ー－-\u3000 ・"  # what a name search forgives: long vowel marks, hyphens, spaces, middle dots
_KANA_FOLD = str.maketrans("", "", KANA_DROP)


def fold_kana(text: str) -> str:
    """The key two spellings of a name share: ｷｮｳｺ, きょうこ and キヨウコ all fold to キヨウコ."""
    return enlarge_small_kana(normalise_kana(text)).translate(_KANA_FOLD)


def kana_keys(name_kana: str) -> dict[str, str]:
    """A person's stored search keys: the whole 氏名カナ folded, and the given name folded (what
    follows the first space), since a caller may give either the full name or only the given one."""
    _, _, given = normalise_kana(name_kana).partition("\u3000")
    return {"kana_key": fold_kana(name_kana)[:100], "given_kana_key": fold_kana(given)[:100]}


def validate_kana(text: str, field: str = "氏名カナ") -> str:
    kana = normalise_kana(text)
    if not kana or not _KANA_ALLOWED.match(kana):
        raise InvalidInput(f"{field}はカタカナで書いてください")
    return kana


def normalise_postal_code(text: str) -> str:
    digits = to_halfwidth_digits(text).strip()
    for hyphen in _HYPHENS:
        digits = digits.replace(hyphen, "")
    if len(digits) != 7 or not digits.isdigit():
        raise InvalidInput(f"郵便番号「{text}」は7桁の数字で書いてください（例: 263-0023）")
    return digits


def normalise_phone(text: str) -> str:
    digits = to_halfwidth_digits(text).strip()
    for ch in _HYPHENS + " ()（）":
        digits = digits.replace(ch, "")
    if digits and (not digits.isdigit() or not 10 <= len(digits) <= 11):
        raise InvalidInput(f"電話番号「{text}」は10桁か11桁の数字で書いてください")
    return digits
