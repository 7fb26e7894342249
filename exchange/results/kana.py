"""Names for bank transfers: JIS X 0201 half-width kana as the Zengin format allows them.

Banks accept half-width katakana, digits, upper-case letters, space and `( ) - . / ,` only (the
Zengin layout's C class, `ALLOWED`; every C field of `zengin.py` is checked against it). So
small kana are enlarged (ｯ → ﾂ), the long vowel becomes `-`, ヴ becomes ｳﾞ, and a name cut to
its field's width never ends on a kana whose voiced mark (ﾞ ﾟ) was cut off.
"""

from __future__ import annotations

import jaconv

from secretariat.core.text import enlarge_small_kana

_OLD_KANA = str.maketrans("ヰヱ", "イエ")  # ゐ, ゑ: banks take ｲ, ｴ
_LONG = str.maketrans({"ー": "-", "ｰ": "-", "－": "-", "―": "-", "‐": "-", "−": "-", "\u3000": " ", "・": ".",
                       "（": "(", "）": ")", "／": "/", "，": ",", "．": "."})
ALLOWED = set("ｦｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ"
              "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ()-./,")
MARKS = "ﾞﾟ"


class NotTransferable(ValueError):
    pass


def transfer_kana(text: str) -> str:
    """Full- or half-width kana text as a bank transfer name, or `NotTransferable` naming the character."""
    wide = jaconv.h2z(text.strip(), kana=True, ascii=False, digit=False)
    wide = enlarge_small_kana(jaconv.hira2kata(wide)).translate(_OLD_KANA).replace("ヴ", "ウ゛")
    narrow = jaconv.z2h(wide.translate(_LONG), kana=True, ascii=True, digit=True).upper()
    narrow = narrow.replace("ｳ゛", "ｳﾞ").replace("゛", "ﾞ").replace("゜", "ﾟ")
    bad = sorted({ch for ch in narrow if ch not in ALLOWED})
    if bad:
        raise NotTransferable(f"振込に使えない文字があります: {''.join(bad)}")
    return " ".join(narrow.split())


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters without leaving a kana whose voiced mark was cut, space-padded."""
    if len(text) <= width:
        return text.ljust(width)
    cut = text[:width]
    if text[width] in MARKS:
        cut = cut[:-1]  # the last kana would lose its ﾞ or ﾟ: cut before it
    return cut.ljust(width)
