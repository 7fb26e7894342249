import io

import numpy
from PIL import Image

from mailroom.scanning.images import decode_pages, read_pages


def tiny_page(shade: int) -> numpy.ndarray:
    return numpy.full((40, 30), shade, numpy.uint8)


def encoded(format_: str, *shades: int, **options) -> bytes:
    buffer = io.BytesIO()
    images = [Image.fromarray(tiny_page(shade)) for shade in shades]
    images[0].save(buffer, format=format_, save_all=len(images) > 1, append_images=images[1:], **options)
    return buffer.getvalue()


def error_code(data: bytes) -> str:
    [page] = decode_pages(data, "x")
    assert page.pixels is None
    return page.error.code


def test_a_jpeg_cut_off_half_way_is_refused_as_truncated():
    data = encoded("JPEG", 200)
    assert error_code(data[: len(data) // 2]) == "truncated"


def test_a_png_cut_off_is_refused_as_truncated():
    data = encoded("PNG", 200)
    assert error_code(data[:-20]) == "truncated"


def test_a_file_that_is_no_image_at_all_is_refused_by_its_content_not_its_name():
    assert error_code(b"PK\x03\x04 a zip file renamed scan.jpg") == "not_an_image"


def test_an_empty_file_is_refused():
    assert error_code(b"") == "empty_file"


def test_a_jpeg_with_a_damaged_body_is_corrupt():
    data = bytearray(encoded("JPEG", 200))
    data[20:-2] = b"\x00" * (len(data) - 22)
    assert error_code(bytes(data)) == "corrupt"


def test_a_multi_page_tiff_gives_one_image_per_page():
    pages = list(decode_pages(encoded("TIFF", 10, 200, 90), "batch.tif"))
    assert [(p.index, int(p.pixels[0, 0])) for p in pages] == [(1, 10), (2, 200), (3, 90)]
    assert pages[1].name == "batch.tif#2"


def test_a_multi_page_pdf_gives_one_image_per_page():
    data = encoded("PDF", 10, 200, resolution=30)
    pages = list(decode_pages(data, "batch.pdf"))
    assert len(pages) == 2 and pages[0].pixels.mean() < 60 < pages[1].pixels.mean()


def test_a_truncated_pdf_is_refused():
    data = encoded("PDF", 10, 200, resolution=30)
    assert error_code(data[: len(data) - 200]) == "truncated"


def test_a_missing_file_is_unreadable(tmp_path):
    [page] = read_pages(tmp_path / "nothing.jpg")
    assert page.error.code == "unreadable"
