"""A request's line and headers are bounded (16 KiB, as uvicorn's h11 bounded them), on the
server `secretariat serve` runs, spoken to over a raw socket as an attacker would."""

from __future__ import annotations

import socket

import httpx2

from secretariat.core.web.http_protocol import MAX_HEAD_BYTES
from tests.web.live import served


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    return connection


def answer_to(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_request_with_headers_over_the_bound_is_refused_with_431(app):
    with served(app) as base, connect(base) as connection:
        filler = "".join(f"X-Filler-{n}: {'a' * 1000}\r\n" for n in range(MAX_HEAD_BYTES // 1000 + 2))
        connection.sendall(f"GET /login HTTP/1.1\r\nHost: x\r\n{filler}\r\n".encode())
        answer = answer_to(connection)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert "要求ヘッダーが大きすぎます" in answer.decode()


def test_one_endless_header_line_is_cut_off_long_before_it_ends(app):
    """The parser holds an unfinished header without telling anyone: the bytes are counted anyway."""
    sent = 0
    with served(app) as base, connect(base) as connection:
        connection.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        try:
            for _ in range(1024):  # up to 64 MiB, never a line end
                connection.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = answer_to(connection) if sent < 1024 * 65536 else b""
    assert sent < 4 * 1024 * 1024
    assert answer.startswith(b"HTTP/1.1 431 ") or answer == b""


def test_headers_under_the_bound_are_served(app):
    with served(app) as base:
        answer = httpx2.get(f"{base}/login", headers={"X-Filler": "a" * (MAX_HEAD_BYTES // 2)})
    assert answer.status_code == 200


def test_a_large_body_arriving_with_its_head_is_not_taken_for_a_large_head(app):
    """An upload's first chunk carries the head and much of the body: only the head is bounded."""
    body = b"username=u&password=" + b"p" * (512 * 1024)
    with served(app) as base, connect(base) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                           b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        answer = answer_to(connection)
    assert answer.startswith(b"HTTP/1.1 ")
    assert not answer.startswith(b"HTTP/1.1 431 ")


def test_a_second_request_on_the_same_connection_gets_a_fresh_bound(app):
    head = f"GET /login HTTP/1.1\r\nHost: x\r\nX-Filler: {'a' * (MAX_HEAD_BYTES * 2 // 3)}\r\n"
    with served(app) as base, connect(base) as connection:
        connection.sendall(f"{head}\r\n".encode())
        first = b""
        while b"</html>" not in first:
            first += connection.recv(65536)
        connection.sendall(f"{head}Connection: close\r\n\r\n".encode())
        second = answer_to(connection)
    assert first.startswith(b"HTTP/1.1 200 ")
    assert second.startswith(b"HTTP/1.1 200 ")
