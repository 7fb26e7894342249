"""How `secretariat serve` runs the app: the parts that decide how fast it answers under load."""

from __future__ import annotations

import gc

import uvicorn
import uvloop
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from secretariat.app import run_server, server_config


def test_the_server_parses_http_with_httptools():
    config = server_config(FastAPI(), host="127.0.0.1", port=8000)
    config.load()
    assert issubclass(config.http_protocol_class, HttpToolsProtocol)


def test_the_server_runs_on_uvloop():
    config = server_config(FastAPI(), host="127.0.0.1", port=8000)
    loop = config.get_loop_factory()()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_the_start_up_heap_is_set_aside_before_the_server_runs(monkeypatch):
    frozen_when_run = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: frozen_when_run.append(gc.get_freeze_count()))
    gc.unfreeze()
    try:
        run_server(FastAPI(), host="127.0.0.1", port=8000)
    finally:
        gc.unfreeze()
    assert frozen_when_run and frozen_when_run[0] > 0

