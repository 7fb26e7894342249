"""The app served by uvicorn on loopback, configured exactly as `secretariat serve` configures it,
for tests that need what the test client cannot give: truly simultaneous requests, and a real
peer address that proxy headers could try to override."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import uvicorn
from fastapi import FastAPI

from secretariat.app import server_config
from tests.conftest import csrf_from
from tests.factories import PASSWORD


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The base URL of `app` served on a free loopback port until the block ends."""
    port = free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Browser:
    """One browser: its own cookie jar, holding the login form it was shown."""

    def __init__(self, base_url: str):
        # A fresh connection per request: a kept-alive one may be closed by the server while
        # the other browsers are still fetching their forms.
        self.http = httpx2.Client(base_url=base_url, timeout=120, follow_redirects=False,
                                  limits=httpx2.Limits(max_keepalive_connections=0))
        self.token = csrf_from(self.http.get("/login").text)

    def log_in(self, username: str, password: str = PASSWORD, headers: dict | None = None) -> httpx2.Response:
        return self.http.post("/login", headers=headers, data={"username": username, "password": password,
                                                               "csrf_token": self.token, "next": "/"})

    def close(self) -> None:
        self.http.close()
