"""The web server's HTTP parser (uvicorn's httptools protocol) with a bound on a request's head.

uvicorn's pure-Python parser (h11) refused a request line and headers over 16 KiB; its httptools
parser, which `secretariat serve` uses for speed, keeps whatever headers a client sends: one
connection sending 200 MiB of headers grew the web process by 190 MiB. This protocol refuses a
head over the same 16 KiB with 431 and closes the connection.
"""

from __future__ import annotations

import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024  # h11's bound, under which uvicorn served before; nginx allows 4 × 8 KiB
_REFUSAL = "要求ヘッダーが大きすぎます（16 KiB まで）".encode()
log = logging.getLogger(__name__)


class HeadTooLarge(Exception):
    """Raised in a parser callback to stop reading a head past the bound."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools, refusing a request whose line and headers pass `MAX_HEAD_BYTES`.

    Two counts, because the parser reports a header only once its line has ended: the line and
    headers it has reported, and the bytes received while a head is still unfinished (one
    header line that never ends is held by the parser without a word). A body is never counted,
    even when an upload's first chunk carries it with the head."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._head_complete = False
        self._unfinished_bytes = 0  # received while the head was still unfinished
        self._reported_bytes = 0  # of the request line and headers the parser has reported
        self._too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_complete = False
        self._reported_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_complete = True
        self._unfinished_bytes = 0
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_complete or self.transport.is_closing():
            return
        self._unfinished_bytes += len(data)
        if self._unfinished_bytes > MAX_HEAD_BYTES:
            self._refuse_head()

    def send_400_response(self, msg: str) -> None:
        """uvicorn answers a parser error with 400; a head stopped for its size gets 431."""
        if self._too_large:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._reported_bytes += size
        if self._reported_bytes > MAX_HEAD_BYTES:
            self._too_large = True
            raise HeadTooLarge

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        log.warning("a request's head passed %d bytes: refused with 431", MAX_HEAD_BYTES)
        self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                             b"content-type: text/plain; charset=utf-8\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n" % len(_REFUSAL) + _REFUSAL)
        self.transport.close()
