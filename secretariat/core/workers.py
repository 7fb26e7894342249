"""What every worker process of a pool does (print-run renderers, scan checkers)."""

from __future__ import annotations

import os
import threading


def end_with_parent(parent: int | None = None) -> None:
    """End this worker when the process it works for is gone (killed with -9, or by the OOM killer).

    Otherwise it would wait on the dead pool's queue for ever, holding its memory and whatever it
    inherited (an ingest's hold on its batch folder). `parent` defaults to the current parent: a
    worker made by a fork server is its child, and is handed to init when the fork server ends
    with the process it serves.
    """
    watched = os.getppid() if parent is None else parent

    def watch() -> None:
        pause = threading.Event()
        while os.getppid() == watched:
            pause.wait(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
