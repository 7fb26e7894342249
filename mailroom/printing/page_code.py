"""The machine-readable code on every printed page (QR, error correction level M).

It says which issued form the page belongs to, whose it is, which page, and which template
version drew it, with a short check so that a handheld scanner's keyed-in text, or a damaged
read, is caught rather than filed against the wrong household.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy
import zxingcpp

PREFIX = "SCT1"


class PageCodeError(ValueError):
    pass


@dataclass(frozen=True)
class PageCode:
    form_id: str
    household_id: int
    page: int
    template: str  # name@version

    @property
    def text(self) -> str:
        body = f"{PREFIX}|{self.form_id}|{self.household_id}|{self.page}|{self.template}"
        return f"{body}|{_check(body)}"


def _check(body: str) -> str:
    return hashlib.blake2s(body.encode(), digest_size=3).hexdigest().upper()


def parse(text: str) -> PageCode:
    parts = text.strip().split("|")
    if len(parts) != 6 or parts[0] != PREFIX:
        raise PageCodeError("この事務局が印刷した様式のコードではありません")
    body, check = "|".join(parts[:5]), parts[5]
    if _check(body) != check.upper():
        raise PageCodeError("コードの検査文字が合いません（読み違いか打ち間違い）")
    try:
        return PageCode(form_id=parts[1], household_id=int(parts[2]), page=int(parts[3]), template=parts[4])
    except ValueError:
        raise PageCodeError("コードの数字の部分が正しくありません") from None


def qr_modules(text: str) -> numpy.ndarray:
    """The QR symbol's modules, one byte per module: 0 for dark, 255 for light."""
    return numpy.asarray(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False))
