"""Checking a batch of scanned pages on every core.

The image check needs no database, so the pages of a batch are decoded and checked in worker
processes, one page a task (a PDF or TIFF of many pages is spread over the workers too), while
the caller (`mailroom check`, `mailroom ingest`, the web upload) files the results in its own
process, in the order of the files and their pages, whatever order the workers finish in. A
worker is handed a file's path and a page number, never pixels, and hands back the reading and
the crops of its undecided boxes (or what the caller's own function makes of them): the pixels
of a page live in one process, one page at a time.

A single worker, or a single page, is checked in the calling process itself, with no pool. A
single worker is one core, as each worker of a pool is: its pages are checked with OpenCV on one
thread, so that job workers run one per core (`secretariat worker --processes N`) share the
machine rather than each spreading over every core. A single page alone uses OpenCV's own threads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING, Generic, TypeVar

from mailroom.scanning.images import DEFAULT_LIMITS, ScanError, ScanLimits, decode_pages, read_file
from secretariat.core.workers import end_with_parent

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from mailroom.scanning.check import PageReading

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")
AHEAD_PER_WORKER = 4  # pages handed out ahead of the one being filed: workers never wait, memory stays flat
WORKER_MODULES = ["mailroom.scanning.check", __name__]  # loaded once, before any worker is forked


def default_workers() -> int:
    """Every core the machine has."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class PageTask:
    """Page `index` (1-based) of the file at `path`."""

    path: str
    index: int = 1


@dataclass
class PageCheck:
    """One page as a worker saw it: not decoded (`decoded` False, `error` says why), decoded but
    not read (`error`: blank, no code, not registered…), or read (`reading`), with PNG crops of
    the boxes the machine could not decide, and the file's SHA-256 (with its first page), when
    they were asked for."""

    decoded: bool
    reading: PageReading | None = None
    error: ScanError | None = None
    crops: dict[tuple[str, str], bytes] = field(default_factory=dict)
    sha256: str = ""
    reduced: bool = False  # read from the page decoded at half its resolution


def check_page(task: PageTask, limits: ScanLimits = DEFAULT_LIMITS, crops: bool = False,
               digest: bool = False) -> PageCheck:
    """Decode and check one page; never raises (an unexpected failure is the page's `check_failed`).
    With `digest`, the check of a file's first page hashes the file too: it is read here anyway,
    and hashing a scan costs a good part of checking it, so it is spread over the workers too."""
    try:
        data = read_file(task.path)
    except ScanError as error:
        return PageCheck(decoded=False, error=error)
    sha256 = hashlib.sha256(data).hexdigest() if digest and task.index == 1 else ""
    checked = _check_data(task, data, limits, crops)
    checked.sha256 = sha256
    return checked


def _check_data(task: PageTask, data: bytes, limits: ScanLimits, crops: bool) -> PageCheck:
    """The page checked from a JPEG decoded at half its resolution where it is large (see
    `decode_pages`), and checked again at full resolution when that reading leaves a page or a
    field to an operator (`_settled`)."""
    checked = _check_decoded(task, data, limits, crops, reduced=True)
    if checked.reduced and not _settled(checked):
        checked = _check_decoded(task, data, limits, crops, reduced=False)
    return checked


def _check_decoded(task: PageTask, data: bytes, limits: ScanLimits, crops: bool, reduced: bool) -> PageCheck:
    image = next(decode_pages(data, task.path, limits, only=task.index, reduced=reduced), None)
    if image is None:
        return PageCheck(decoded=False, error=ScanError("unreadable", f"{task.index} 頁目がファイルにありません"))
    if image.error is not None:
        return PageCheck(decoded=False, error=image.error)
    from mailroom.scanning import check  # here: the process that only hands pages out never loads the check

    try:
        reading = check.check_pixels(image.pixels)
    except ScanError as error:
        return PageCheck(decoded=True, error=error, reduced=image.reduced)
    except Exception as error:  # noqa: BLE001 — one page must not stop the batch; the cause is logged
        log.exception("checking page %d of %s failed", task.index, task.path)
        return PageCheck(decoded=True, reduced=image.reduced, error=ScanError(
            "check_failed", f"頁を読み取る途中で予期しないエラーが起きました（{type(error).__name__}）"))
    return PageCheck(decoded=True, reading=reading, reduced=image.reduced,
                     crops=check.uncertain_crops(reading, image.pixels) if crops else {})


def _settled(checked: PageCheck) -> bool:
    """Whether a half-size reading leaves nothing that full resolution could decide better: a page
    it could not place on its template, or a field it could not decide, is read again; anything else
    (no page code: an ID copy; a blank page; a check that failed) is what it is."""
    if checked.reading is None:
        return checked.error is None or checked.error.code != "not_registered"
    return not checked.reading.uncertain_fields()


class PageChecker(Generic[Result]):
    """`with PageChecker(workers, work) as checker:` then `checker.in_order(jobs)`, where `work`
    turns a `PageTask` into what the caller files (`check_page` with its options, say, through
    `functools.partial`): a module-level function, since workers look it up by name.

    The pool starts when a second page comes, so a command that checks one page never starts
    one. Each worker runs OpenCV on one thread: the processes share the cores instead."""

    def __init__(self, workers: int, work: Callable[[PageTask], Result]):
        self.workers = max(1, workers)
        self.work = work
        self._pool: ProcessPoolExecutor | None = None
        self._opencv_threads: int | None = None  # this process's, while its workers are forked from it

    def __enter__(self) -> PageChecker[Result]:
        return self

    def __exit__(self, *_exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._opencv_threads is not None:
            import cv2

            cv2.setNumThreads(self._opencv_threads)
            self._opencv_threads = None

    def in_order(self, jobs: Iterable[tuple[Item, PageTask]]) -> Iterator[tuple[Item, Result]]:
        """Each job's item with its page's result, in the jobs' order. `jobs` is read only a few
        pages ahead of what has been given back, so it may copy or hash files as it goes."""
        jobs = iter(jobs)
        opening = list(islice(jobs, 2))
        share = self.workers > 1 and len(opening) > 1  # a single page is checked here, with no pool
        if self.workers == 1 and len(opening) > 1:
            self._on_one_thread()
        ahead = self.workers * AHEAD_PER_WORKER if share else 0
        pending: deque[tuple[Item, Future | Result]] = deque()
        for item, task in chain(opening, jobs):
            if share:
                pending.append((item, self._pool_started().submit(self.work, task)))
            else:
                pending.append((item, self.work(task)))
            while len(pending) > ahead:
                yield self._done(pending.popleft(), share)
        while pending:
            yield self._done(pending.popleft(), share)

    def _on_one_thread(self) -> None:
        """OpenCV on one thread in this process until the checker closes."""
        import cv2

        if self._opencv_threads is None:
            self._opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)

    def _pool_started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor  # here: a one-page check starts no pool

            context = _context()
            if context.get_start_method() == "fork":
                # OpenCV's own pool of threads, if this process started it, is stopped first: a child
                # forked while those threads exist inherits their locks without them, and hangs there
                self._on_one_thread()
                _warm()  # once here, rather than in every worker
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker)
        return self._pool

    @staticmethod
    def _done(job: tuple[Item, Future | Result], shared: bool) -> tuple[Item, Result]:
        item, outcome = job
        return item, outcome.result() if shared else outcome


def _context():
    """Forked from this process when it runs no other thread (the workers start at once); from a
    fork server with the check loaded when it does (a web server: forking a threaded process can
    copy a lock some other thread holds); spawned where neither exists."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(WORKER_MODULES)
        return context
    return multiprocessing.get_context("spawn")


def _warm() -> None:
    """The check loaded, and the forms' reference pages rendered (`reference.printed_mask`), in this
    process: workers forked from it start with both."""
    import mailroom.scanning.check  # noqa: F401
    from mailroom.scanning.reference import printed_mask
    from templates.loader import default_templates

    for template in default_templates().values():
        if template.kind == "form":
            for page in template.pages:
                printed_mask(template.key, page.number)


def _start_worker() -> None:
    import cv2

    cv2.setNumThreads(1)
    end_with_parent()
