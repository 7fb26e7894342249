"""Scanned files are measured from their headers and refused before decoding when a page has too many
pixels or a file too many pages; pages are decoded one at a time; a decoder's failure is one page's."""

import io
import os
import subprocess
import sys

import cv2
import numpy
import pypdfium2
import pytest
from PIL import Image

from mailroom.scanning import images
from mailroom.scanning.images import DEFAULT_LIMITS, ScanLimits, decode_pages, read_page

from .bombs import blank_pdf, pdf_drawing_white_image, white_png

A4_300_DPI = (2480, 3508)


def encoded(format_: str, *sizes: tuple[int, int], **options) -> bytes:
    """Pages of the given (width, height), each a flat grey, in one file."""
    buffer = io.BytesIO()
    pages = [Image.fromarray(numpy.full((height, width), 128 + number, numpy.uint8))
             for number, (width, height) in enumerate(sizes)]
    pages[0].save(buffer, format=format_, save_all=len(pages) > 1, append_images=pages[1:], **options)
    return buffer.getvalue()


def outcomes(data: bytes, limits: ScanLimits = DEFAULT_LIMITS) -> list[str]:
    """Per page: its size as decoded, or its error code."""
    return [page.error.code if page.error else "{1}x{0}".format(*page.pixels.shape)
            for page in decode_pages(data, "scan", limits)]


def only_error(data: bytes, limits: ScanLimits = DEFAULT_LIMITS):
    [page] = decode_pages(data, "scan", limits)
    assert page.pixels is None
    return page.error


@pytest.mark.parametrize("format_", ["PNG", "JPEG", "TIFF"])
def test_a_page_of_exactly_the_pixel_limit_is_decoded_and_one_pixel_more_is_refused(format_):
    data = encoded(format_, (40, 30))
    assert outcomes(data, ScanLimits(max_pixels=1200)) == ["40x30"]
    assert outcomes(data, ScanLimits(max_pixels=1199)) == ["too_many_pixels"]


def test_a_pdf_page_is_measured_at_the_rendering_resolution():
    data = blank_pdf(1, 72, 36)  # one inch by half an inch: 300 × 150 pixels at 300 dpi
    assert outcomes(data, ScanLimits(max_pixels=45_000)) == ["300x150"]
    assert outcomes(data, ScanLimits(max_pixels=44_999)) == ["too_many_pixels"]


def test_a_page_longer_than_the_side_limit_is_refused_whatever_its_pixels():
    assert outcomes(encoded("PNG", (400, 3)), ScanLimits(max_side=399)) == ["side_too_long"]


def test_a_pdf_page_of_200_by_200_inches_is_refused_naming_its_size_and_the_limit():
    error = only_error(blank_pdf(1, 14400, 14400))
    assert error.code == "too_many_pixels"
    assert "60,000×60,000" in error.message and "3,600,000,000 画素" in error.message
    assert "上限 40,000,000 画素" in error.message


@pytest.mark.parametrize("side", [30_000, 60_000])
def test_a_png_of_a_billion_white_pixels_is_refused_from_its_header_not_taken_for_a_blank_page(side):
    error = only_error(white_png(side, side))
    assert error.code == "too_many_pixels" and f"{side:,}×{side:,}" in error.message


def test_a_small_pdf_page_that_draws_a_huge_image_is_refused_for_the_image():
    error = only_error(pdf_drawing_white_image(30_000))
    assert error.code == "too_many_pixels" and "900,000,000" in error.message


def test_a_pdf_of_more_pages_than_the_limit_is_refused_whole_naming_both():
    error = only_error(blank_pdf(10_000))
    assert error.code == "too_many_pages"
    assert "10,000 頁" in error.message and "上限 500 頁" in error.message


def test_a_multi_page_tiff_over_the_page_limit_is_refused_whole():
    error = only_error(encoded("TIFF", (4, 4), (4, 4), (4, 4)), ScanLimits(max_pages=2))
    assert error.code == "too_many_pages" and "3 頁以上" in error.message


def test_the_oversized_page_of_a_multi_page_tiff_is_refused_alone():
    data = encoded("TIFF", (40, 30), (80, 60), (40, 30))
    assert outcomes(data, ScanLimits(max_pixels=1200)) == ["40x30", "too_many_pixels", "40x30"]


def test_a_tiff_page_whose_size_is_written_in_a_type_scanners_do_not_use_is_refused_undecoded():
    data = bytearray(encoded("TIFF", (40, 30)))
    directory = int.from_bytes(data[4:8], "little")
    for entry in range(directory + 2, directory + 2 + 12 * int.from_bytes(data[directory:directory + 2], "little"), 12):
        if int.from_bytes(data[entry:entry + 2], "little") == 256:  # ImageWidth: LONG → SLONG, which libtiff reads
            data[entry + 2:entry + 4] = (9).to_bytes(2, "little")
    assert outcomes(bytes(data)) == ["corrupt"]


def test_pdf_pages_are_rendered_one_at_a_time_as_they_are_asked_for(monkeypatch):
    rendered = []
    render = pypdfium2.PdfPage.render

    def counted(page, **options):
        rendered.append(page)
        return render(page, **options)

    monkeypatch.setattr(pypdfium2.PdfPage, "render", counted)
    pages = decode_pages(blank_pdf(3, 72, 72), "scan.pdf")
    assert rendered == []
    first = next(pages)
    assert (first.index, first.count, len(rendered)) == (1, 3, 1)


def test_reading_one_page_decodes_no_other(monkeypatch, tmp_path):
    decoded = []
    imdecodemulti = cv2.imdecodemulti
    monkeypatch.setattr(images.cv2, "imdecodemulti", lambda *a: decoded.append(a[3]) or imdecodemulti(*a))
    path = tmp_path / "batch.tif"
    path.write_bytes(encoded("TIFF", (40, 30), (80, 60), (40, 30)))
    page = read_page(path, 2)
    assert (page.index, page.pixels.shape, decoded) == (2, (60, 80), [(1, 2)])


def test_an_opencv_error_while_decoding_is_that_page_s_error(monkeypatch):
    def fails(*_):
        raise cv2.error("decoder trouble")

    monkeypatch.setattr(images.cv2, "imdecode", fails)
    error = only_error(encoded("PNG", (40, 30)))
    assert error.code == "decode_failed" and "展開できませんでした" in error.message


def test_running_out_of_memory_while_rendering_is_that_page_s_error_and_the_next_page_still_comes(monkeypatch):
    render = pypdfium2.PdfPage.render
    calls = []

    def second_fails(page, **options):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError
        return render(page, **options)

    monkeypatch.setattr(pypdfium2.PdfPage, "render", second_fails)
    assert outcomes(blank_pdf(3, 72, 72)) == ["300x300", "decode_failed", "300x300"]


def test_the_default_limits_take_an_a3_page_at_300_dpi():
    a3 = (A4_300_DPI[1], A4_300_DPI[0] * 2)
    assert DEFAULT_LIMITS.refuse_page(*a3) is None


def test_opencv_refuses_on_its_own_what_is_over_its_limit_in_the_web_app_and_the_cli():
    # OpenCV reads its limit once, as it loads: this must hold in a process started like ours
    header_only = white_png(12_000, 12_000)[:33] + white_png(1, 1)[33:]  # 144 million pixels claimed
    program = ("import sys, numpy, secretariat.app, secretariat.cli, cv2\n"
               "try:\n    cv2.imdecode(numpy.frombuffer(sys.stdin.buffer.read(), numpy.uint8), cv2.IMREAD_GRAYSCALE)\n"
               "except cv2.error as error:\n"
               "    print('refused' if 'CV_IO_MAX_IMAGE_PIXELS' in str(error) else error)\n")
    environ = {name: value for name, value in os.environ.items() if name != "OPENCV_IO_MAX_IMAGE_PIXELS"}
    answer = subprocess.run([sys.executable, "-c", program], input=header_only, capture_output=True, env=environ,
                            timeout=120)
    assert answer.stdout.strip() == b"refused", answer.stderr.decode()[-2000:]
