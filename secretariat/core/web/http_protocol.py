"""The web server's HTTP parser (uvicorn's httptools protocol), bounded as uvicorn's h11 was.

`secretariat serve` parses HTTP with httptools for speed, but uvicorn's httptools protocol keeps
whatever a client sends where h11 refused an oversized event: one connection sending 200 MiB of
headers grew the web process by 190 MiB, and an endless trailer after a chunked body grew it
without end while copying the value on every read, stalling every other request. This protocol
refuses a request head over 16 KiB with 431 and closes a connection whose trailers pass the same
bound; trailers never become request headers (uvicorn appended them to the request's headers,
where the proxy-header middleware would have believed an `X-Forwarded-For` among them).
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
    """httptools, refusing a request whose line and headers (or trailers) pass `MAX_HEAD_BYTES`.

    Two counts, because the parser reports a header only once its line has ended: the line,
    headers and trailers it has reported, and the bytes read while the parser sits inside an
    unfinished head or trailer (one line that never ends is held by the parser without a word).
    A read is counted only if nothing moved in it (no message began, no body data came), so a
    body, or the requests before a head in a pipelined read, is never taken for a head: a head or
    trailer is cut off within 16 KiB and one read.

    Once a request's head is complete the app answers it, so a fault after that (oversized
    trailers, a bad chunk) closes the connection without a second answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._head_complete = False
        self._between = True  # inside a head or a trailer, where the parser holds unfinished lines
        self._moved = False  # a message began or body data came in the current read
        self._unfinished_bytes = 0
        self._reported_bytes = 0

    # --- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_complete = False
        self._between = True
        self._moved = True
        self._unfinished_bytes = 0
        self._reported_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        if not self._head_complete:  # after the head: a trailer, dropped
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_complete = True
        self._between = False
        self._unfinished_bytes = 0
        super().on_headers_complete()

    def on_chunk_header(self) -> None:
        self._between = True  # the last chunk's trailers follow; a chunk with data leaves at on_body

    def on_body(self, body: bytes) -> None:
        self._between = False
        self._moved = True
        self._unfinished_bytes = 0
        super().on_body(body)

    def on_chunk_complete(self) -> None:
        self._between = False
        self._unfinished_bytes = 0

    def on_message_complete(self) -> None:
        self._between = True  # until the next message begins
        super().on_message_complete()

    # --- reads ------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._moved = False
        super().data_received(data)
        if not self._between or self._moved or self.transport.is_closing():
            return
        self._unfinished_bytes += len(data)
        if self._unfinished_bytes > MAX_HEAD_BYTES:
            self._refuse()

    def send_400_response(self, msg: str) -> None:
        """uvicorn answers a parser error with 400; a head stopped for its size gets 431, and a
        request already being answered gets no second answer."""
        if self._head_complete or self._reported_bytes > MAX_HEAD_BYTES:
            self._refuse()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._reported_bytes += size
        if self._reported_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge

    def _refuse(self) -> None:
        if self.transport.is_closing():
            return
        if self._head_complete:
            log.warning("a request's trailers or chunks were refused: connection closed")
        else:
            log.warning("a request's head passed %d bytes: refused with 431", MAX_HEAD_BYTES)
            self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                 b"content-type: text/plain; charset=utf-8\r\n"
                                 b"content-length: %d\r\nconnection: close\r\n\r\n" % len(_REFUSAL) + _REFUSAL)
        self.transport.close()
