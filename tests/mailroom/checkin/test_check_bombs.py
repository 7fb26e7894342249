"""`secretariat mailroom check` against files that claim far more than they weigh: each is answered
with a JSON line naming the limit, in bounded memory, and the check goes on to the next image."""

import json
from pathlib import Path

import cv2

from tests.mailroom.scanning.bombs import blank_pdf, pdf_drawing_white_image, white_png

from .measured import run_secretariat

MEMORY_BOUND_MB = 600  # the process itself takes about 170 MB; one A4 page at 300 dpi is 9 MB

BOMBS = {
    "page-of-200-by-200-inches.pdf": (lambda: blank_pdf(1, 14400, 14400), ["too_many_pixels"]),
    "a4-page-drawing-a-30000-square-image.pdf": (lambda: pdf_drawing_white_image(30_000), ["too_many_pixels"]),
    "10000-pages.pdf": (lambda: blank_pdf(10_000), ["too_many_pages"]),
    "30000-square.png": (lambda: white_png(30_000, 30_000), ["too_many_pixels"]),
    "60000-square.png": (lambda: white_png(60_000, 60_000), ["too_many_pixels"]),
    "100-a4-pages.pdf": (lambda: blank_pdf(100), ["blank_page"] * 100),  # legitimate, and rendered one by one
}


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_mailroom_check_answers_each_bomb_with_an_error_line_in_bounded_memory(tmp_path):
    for name, (make, _codes) in BOMBS.items():
        (tmp_path / name).write_bytes(make())
    paths = [tmp_path / name for name in BOMBS]
    run = run_secretariat("mailroom", "check", "--json", *paths, data_dir=tmp_path / "data")
    answered = [(Path(line["image"]).name.partition("#")[0], line["error"]["code"]) for line in json_lines(run.stdout)]
    assert run.exit_code == 1, run.stderr[-2000:]
    assert answered == [(name, code) for name, (_make, codes) in BOMBS.items() for code in codes]
    assert run.peak_mb < MEMORY_BOUND_MB


def test_mailroom_check_prints_a_line_per_page_and_goes_on_past_bombs(mailed, scanner, plan, tmp_path):
    folder = scanner(mailed(1), 0, plan)  # scan-00001.jpg and scan-00002.jpg: the form's two pages
    (folder / "scan-00001a.pdf").write_bytes(blank_pdf(1, 14400, 14400))
    (folder / "scan-00001b.png").write_bytes(white_png(60_000, 60_000))
    files = sorted(folder.iterdir())
    run = run_secretariat("mailroom", "check", "--json", *files, data_dir=tmp_path / "data")
    lines = json_lines(run.stdout)
    assert run.exit_code == 1, run.stderr[-2000:]
    assert [(line["page"], (line["error"] or {}).get("code")) for line in lines] == [
        (1, None), (None, "too_many_pixels"), (None, "too_many_pixels"), (2, None)]
    assert lines[1]["image"].endswith("scan-00001a.pdf") and "上限 40,000,000 画素" in lines[1]["error"]["message"]


def test_mailroom_check_takes_its_limits_from_the_settings(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETARIAT_SCAN_MAX_PAGES", "2")
    path = tmp_path / "three-pages.pdf"
    path.write_bytes(blank_pdf(3, 72, 72))
    [line] = json_lines(cli("mailroom", "check", "--json", path).stdout)
    assert line["error"]["code"] == "too_many_pages" and "上限 2 頁" in line["error"]["message"]


def test_mailroom_check_reports_a_page_whose_check_fails_unexpectedly_and_goes_on(cli, tmp_path, monkeypatch):
    from mailroom.scanning import check

    def fails(_pixels):
        raise cv2.error("OpenCV(5.0.0) error: (-215:Assertion failed)")

    monkeypatch.setattr(check, "check_pixels", fails)
    path = tmp_path / "two-pages.pdf"
    path.write_bytes(blank_pdf(2, 72, 72))
    result = cli("mailroom", "check", "--workers", "1", "--json", path)  # checked in this process, where the fault is
    assert result.exit_code == 1
    assert [line["error"]["code"] for line in json_lines(result.stdout)] == ["check_failed", "check_failed"]
