"""The Python heap of a process that runs all day (the web server)."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Set what starting made (modules, the app and its routes, the message catalogue) aside from
    the garbage collector, once it is made and before the first request.

    Those few hundred thousand objects live as long as the process, yet every full collection
    walked them all: about 130 ms with every request thread stopped, every few seconds under a
    full call center. That pause was most of the web's slowest requests in the load benchmark
    (p95 850 → 350 ms before the server's C parsers; benchmarks/README.md). Objects made later
    are collected as before."""
    gc.collect()
    gc.freeze()
