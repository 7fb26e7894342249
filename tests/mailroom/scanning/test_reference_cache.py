"""The template's rendered reference pages are kept on disk and used again, never stale."""

import dataclasses

import numpy
import pytest

from mailroom.scanning import reference

KEY, PAGE = "kakuninsho-hikazei@1", 1


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(tmp_path))
    reference.reference_page.cache_clear()
    yield tmp_path / "reference"
    reference.reference_page.cache_clear()


def test_a_rendered_reference_page_is_kept_and_equals_a_fresh_rendering(cache):
    first = reference.reference_page(KEY, PAGE)
    kept = list(cache.glob("*.npy"))
    assert len(kept) == 1
    assert numpy.array_equal(numpy.load(kept[0]), first)
    assert numpy.array_equal(first, reference.render_reference(reference.template_by_key(KEY), PAGE))


def test_a_kept_page_is_read_instead_of_rendered(cache, monkeypatch):
    reference.reference_page(KEY, PAGE)
    reference.reference_page.cache_clear()
    monkeypatch.setattr(reference, "render_reference", lambda *args: pytest.fail("rendered again"))
    assert reference.reference_page(KEY, PAGE).shape[0] > 0


def test_a_changed_template_names_another_file(cache):
    template = reference.template_by_key(KEY)
    moved = dataclasses.replace(template, title=template.title + "（改）")
    assert reference._digest(template, PAGE) != reference._digest(moved, PAGE)
    assert reference._digest(template, PAGE) != reference._digest(template, PAGE + 1)


def test_a_damaged_kept_file_is_rendered_again(cache):
    good = reference.reference_page(KEY, PAGE)
    (kept,) = cache.glob("*.npy")
    kept.write_bytes(b"not an array")
    reference.reference_page.cache_clear()
    assert numpy.array_equal(reference.reference_page(KEY, PAGE), good)


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(blocked))
    reference.reference_page.cache_clear()
    try:
        assert reference.reference_page(KEY, PAGE).shape[0] > 0
    finally:
        reference.reference_page.cache_clear()
