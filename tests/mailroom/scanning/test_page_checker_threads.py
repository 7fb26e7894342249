"""A single page-checking worker is one core: job workers run one per core share the machine."""

from __future__ import annotations

import cv2
import pytest

from mailroom.scanning.parallel import PageChecker, PageTask


def opencv_threads(_task: PageTask) -> int:
    return cv2.getNumThreads()


@pytest.fixture
def four_opencv_threads():
    before = cv2.getNumThreads()
    cv2.setNumThreads(4)
    yield
    cv2.setNumThreads(before)


def test_a_single_worker_checks_its_pages_on_one_opencv_thread(four_opencv_threads):
    with PageChecker(1, opencv_threads) as checker:
        seen = [threads for _item, threads in checker.in_order((n, PageTask("page.jpg", n)) for n in range(3))]
    assert seen == [1, 1, 1]


def test_opencv_has_its_threads_back_once_the_checker_closes(four_opencv_threads):
    with PageChecker(1, opencv_threads) as checker:
        list(checker.in_order((n, PageTask("page.jpg", n)) for n in range(3)))
    assert cv2.getNumThreads() == 4


def test_a_single_page_alone_is_checked_on_opencvs_own_threads(four_opencv_threads):
    with PageChecker(1, opencv_threads) as checker:
        seen = [threads for _item, threads in checker.in_order([(1, PageTask("page.jpg"))])]
    assert seen == [4]
