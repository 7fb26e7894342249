"""A warm `secretariat` command for the fault tests.

`python tests/faults/launcher.py` imports the CLI once (three seconds of imports that every
`.venv/bin/secretariat` pays), then forks one child per order it reads on stdin. The child runs
the console script's entry point (`secretariat.cli:app`) with the order's arguments, environment
and working directory, output to a log file, in its own process group so a test can SIGKILL the
command and any renderer processes it started. Nothing here opens a store, so the children
inherit no connection.

Protocol, one JSON object per line: the test writes {"argv", "env", "cwd", "log"}; the launcher
answers {"pid"} at once and {"returncode", "cpu_seconds"} when the child ends (a negative returncode:
killed by that signal).
"""

import json
import os
import sys
import traceback
from typing import NoReturn


def main() -> None:
    import threading

    from secretariat.cli import app

    # fork copies the calling thread only: a thread some import had started would leave its locks
    # held, for ever, in every child
    assert threading.active_count() == 1, threading.enumerate()
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(app, order)
        try:  # also done in the child: whichever runs first, the group exists before the test can kill it
            os.setpgid(pid, pid)
        except (ProcessLookupError, PermissionError):  # the child has ended already
            pass
        _answer(pid=pid)
        _, status, usage = os.wait4(pid, 0)
        _answer(returncode=os.waitstatus_to_exitcode(status), cpu_seconds=usage.ru_utime + usage.ru_stime)


def _answer(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _child(app, order: dict) -> NoReturn:
    code = 1
    try:
        os.setpgid(0, 0)
        os.chdir(order["cwd"])
        os.environ.clear()
        os.environ.update(order["env"])
        quiet = os.open(os.devnull, os.O_RDONLY)
        log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(quiet, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.argv = ["secretariat", *order["argv"]]
        app()  # the console script's `sys.exit(app())`
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:  # noqa: BLE001 — an uncaught error, reported as the console script would
        traceback.print_exc()
    finally:
        # never back into the launcher's loop; and the interpreter's teardown is skipped: half a
        # second of freeing modules that writes nothing, a quarter of the suite's time
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
