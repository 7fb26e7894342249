"""A request's line, headers and trailers are bounded (16 KiB, as uvicorn's h11 bounded them) on the
server `secretariat serve` runs, spoken to over a raw socket as an attacker would; trailers never
become headers, and no request gets two answers."""

from __future__ import annotations

import socket

import httpx2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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


def endless_line(connection: socket.socket, start: bytes) -> int:
    """Send `start`, then up to 64 MiB that never ends the line; the bytes sent before the server cut it off."""
    connection.sendall(start)
    sent = 0
    try:
        for _ in range(1024):
            connection.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def test_a_request_with_headers_over_the_bound_is_refused_with_431(app):
    with served(app) as base, connect(base) as connection:
        filler = "".join(f"X-Filler-{n}: {'a' * 1000}\r\n" for n in range(MAX_HEAD_BYTES // 1000 + 2))
        connection.sendall(f"GET /login HTTP/1.1\r\nHost: x\r\n{filler}\r\n".encode())
        answer = answer_to(connection)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert "要求ヘッダーが大きすぎます" in answer.decode()


def test_one_endless_header_line_is_cut_off_long_before_it_ends(app):
    """The parser holds an unfinished header without telling anyone: the bytes are counted anyway."""
    with served(app) as base, connect(base) as connection:
        sent = endless_line(connection, b"GET /login HTTP/1.1\r\nHost: x\r\nX-Endless: ")
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


def echo_app() -> FastAPI:
    """Answers with the headers the app was given, once the whole body has been read."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request):
        await request.body()
        return JSONResponse([[name, value] for name, value in request.headers.items()])

    return app


def chunked_post(path: str, trailers: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "5\r\na=bcd\r\n0\r\n").encode() + trailers


def test_trailers_after_a_chunked_body_never_become_request_headers():
    """A trailing X-Forwarded-For would otherwise be believed by the proxy-header middleware."""
    with served(echo_app()) as base, connect(base) as connection:
        connection.sendall(chunked_post("/echo", b"X-Forwarded-For: 203.0.113.9\r\nCookie: session=forged\r\n\r\n"))
        answer = answer_to(connection)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"203.0.113.9" not in answer and b"forged" not in answer


def test_an_endless_trailer_line_is_cut_off_long_before_it_ends():
    with served(echo_app()) as base, connect(base) as connection:
        sent = endless_line(connection, chunked_post("/echo", b"X-Endless: "))
    assert sent < 4 * 1024 * 1024


def test_a_request_already_answered_gets_no_second_answer_for_its_oversized_trailers(app):
    """/login refuses a POST without its form token at once; the trailers that follow close the connection."""
    with served(app) as base, connect(base) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\na=bcd\r\n")
        first = b""
        while b"</html>" not in first:
            first += connection.recv(65536)
        filler = b"".join(b"X-Trailer-%d: %s\r\n" % (n, b"a" * 1000) for n in range(MAX_HEAD_BYTES // 1000 + 2))
        try:
            connection.sendall(b"0\r\n" + filler + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        rest = answer_to(connection)
    assert first.startswith(b"HTTP/1.1 403 ")
    assert b"HTTP/1.1 " not in rest


def test_a_pipelined_request_after_a_large_body_is_served(app):
    """The body before it in the same read is not counted as the next request's head."""
    body = b"a=" + b"b" * (100 * 1024)
    with served(app) as base, connect(base) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(body) + body + b"GET /login HTTP/1.1\r\nHo")
        connection.sendall(b"st: x\r\nConnection: close\r\n\r\n")
        answers = answer_to(connection)
    assert answers.count(b"HTTP/1.1 ") == 2
    assert b"HTTP/1.1 431 " not in answers
