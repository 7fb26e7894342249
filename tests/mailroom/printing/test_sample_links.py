"""A design sample's households are made up: its notices show the specimen link, and printing one
never asks the store for a household's online link (on a real store it would issue links for the
real households 1…N)."""

from pypdf import PdfReader
from typer.testing import CliRunner

from secretariat.cli import app


def test_a_sample_of_the_notice_prints_on_a_machine_with_no_store_and_shows_the_specimen_link(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETARIAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECRETARIAT_DATABASE_URL", f"sqlite:///{tmp_path / 'never-made.db'}")
    out = tmp_path / "cover.pdf"
    answer = CliRunner().invoke(app, ["forms", "sample", "cover-letter", "--count", "2", "--out", str(out)])
    assert answer.exit_code == 0, answer.output
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert text.count("example.invalid/a/specimen") == 2
    assert not (tmp_path / "never-made.db").exists()
