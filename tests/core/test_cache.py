"""The machine's cache folder: files appear whole, and a cache that cannot be written costs only time."""

from secretariat.core.cache import cache_root, keep


def test_the_cache_folder_is_the_one_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(tmp_path / "here"))
    assert cache_root() == tmp_path / "here"
    monkeypatch.delenv("SECRETARIAT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "secretariat"


def test_a_kept_file_appears_under_its_name_with_nothing_left_beside_it(tmp_path):
    assert keep(tmp_path / "sub" / "made.bin", lambda handle: handle.write(b"made"))
    assert [path.name for path in (tmp_path / "sub").iterdir()] == ["made.bin"]
    assert (tmp_path / "sub" / "made.bin").read_bytes() == b"made"


def test_a_folder_that_cannot_be_made_is_reported_not_raised(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    assert keep(blocked / "made.bin", lambda handle: handle.write(b"made")) is False
