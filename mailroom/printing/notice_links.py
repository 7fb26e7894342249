"""The household's own online link on its notice (ファストパス): a hook the print room draws from.

The print room cannot make links: they belong to the residents' side (`online`), which builds on
the mailroom, not the other way round. So rendering asks a `NoticeLinks` hook, which the composition
root fills with the online side's issuer for the length of a print (`using(...)`); with no hook, or
when the hook answers None (a programme without the web channel), the notice carries no link.

The hook is asked once per household and form at the moment its pack is drawn: a link exists whole
only then (the store keeps its hash), so a batch drawn again after a crash, or a reissued pack,
gets a new link that replaces the old one, and what is on paper is always the current link.

The hook is held in a context variable, so a print in one thread or test never draws another's
links. Render workers in other processes (`print run --workers N`) do not see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from mailroom.printing.addressee import Addressee

INSTRUCTION = "スマートフォンで読み取るか、下記のURLから申請できます"


@dataclass(frozen=True)
class NoticeLink:
    url: str    # what the QR code holds: the household's whole link
    typed: str  # the short URL printed under it, for a resident without a QR reader
    instruction: str = INSTRUCTION  # the line beside the code (a gift-code letter says how to use its code)


class NoticeLinks(Protocol):
    def __call__(self, addressee: Addressee, form_id: str) -> NoticeLink | None: ...


_current: ContextVar[NoticeLinks | None] = ContextVar("notice_links", default=None)


def current() -> NoticeLinks | None:
    return _current.get()


@contextmanager
def using(links: NoticeLinks | None) -> Iterator[None]:
    """Draw links from `links` on every notice rendered inside the block."""
    reset = _current.set(links)
    try:
        yield
    finally:
        _current.reset(reset)
