"""The loaded set of templates is kept on disk and read back at the next start-up, never stale."""

import shutil
from pathlib import Path

import pytest

from templates import loader


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A copy of the shipped forms and letters, and an empty cache."""
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(tmp_path / "cache"))
    for folder in ("forms", "letters"):
        shutil.copytree(loader.ROOT / folder, tmp_path / "layouts" / folder)
    loader.default_templates.cache_clear()
    yield tmp_path / "layouts"
    loader.default_templates.cache_clear()


def kept(root: Path) -> list[Path]:
    return sorted((root.parent / "cache" / "templates").glob("*.pickle"))


def test_a_loaded_set_is_kept_and_equals_the_files(root):
    loaded = loader.default_templates(root)
    assert len(kept(root)) == 1
    loader.default_templates.cache_clear()
    assert loader.default_templates(root) == loaded == loader._load_all(sorted(root.glob("*/*.yaml")))


def test_a_kept_set_is_read_instead_of_the_files(root, monkeypatch):
    loader.default_templates(root)
    loader.default_templates.cache_clear()
    monkeypatch.setattr(loader, "load_template", lambda path: pytest.fail(f"{path.name} read again"))
    assert "kakuninsho-hikazei" in loader.default_templates(root)


def test_an_edited_file_is_loaded_again(root):
    loader.default_templates(root)
    form = root / "forms" / "kakuninsho-hikazei.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("title: ", "title: 改訂 ", 1), encoding="utf-8")
    loader.default_templates.cache_clear()
    assert loader.default_templates(root)["kakuninsho-hikazei"].title.startswith("改訂 ")
    assert len(kept(root)) == 2


def test_a_broken_file_is_refused_every_time_and_never_kept(root):
    loader.default_templates(root)
    form = root / "forms" / "kakuninsho-hikazei.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("version: 1", "version: 0", 1), encoding="utf-8")
    for _ in range(2):
        loader.default_templates.cache_clear()
        with pytest.raises(loader.TemplateError, match="kakuninsho-hikazei.yaml: version"):
            loader.default_templates(root)
    assert len(kept(root)) == 1


def test_a_damaged_kept_set_is_loaded_again(root):
    good = loader.default_templates(root)
    (kept_file,) = kept(root)
    kept_file.write_bytes(b"not a pickle")
    loader.default_templates.cache_clear()
    assert loader.default_templates(root) == good


def test_a_kept_set_that_others_may_write_is_loaded_from_the_files_instead(root, monkeypatch):
    loader.default_templates(root)
    (kept_file,) = kept(root)
    kept_file.chmod(0o666)
    loader.default_templates.cache_clear()
    read, load = [], loader.load_template
    monkeypatch.setattr(loader, "load_template", lambda path: read.append(path.name) or load(path))
    assert "kakuninsho-hikazei" in loader.default_templates(root)
    assert "kakuninsho-hikazei.yaml" in read
