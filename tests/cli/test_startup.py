"""`secretariat` starts without loading what its commands use: every scanner-station script and
cron job pays the start-up on each call. Timings are in benchmarks/startup.py; these tests hold
the behaviour behind them: heavy libraries are imported by the commands that use them."""

import json
import subprocess
import sys
from importlib.metadata import entry_points

HEAVY = ("alembic", "openpyxl", "faker", "paramiko", "twilio", "ortools", "reportlab", "cv2", "numpy", "fastapi",
         "uvicorn", "sqlalchemy", "pydantic", "yaml", "rich")


def modules_loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    answer = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
                            capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(answer.stdout.splitlines()[-1]))


def test_loading_the_cli_imports_no_heavy_library():
    loaded = {name.split(".")[0] for name in modules_loaded_by("import secretariat.cli")}
    heavy = sorted(loaded & set(HEAVY))
    assert heavy == [], (f"importing secretariat.cli loads {heavy}: import them inside the commands that use them "
                         "(`python -X importtime -c 'import secretariat.cli'` shows which module brings them in)")


def test_the_console_script_is_the_cli_app():
    from secretariat.cli import app

    [script] = entry_points(group="console_scripts", name="secretariat")
    assert script.value == "secretariat.cli:app"
    assert script.load() is app


def test_a_command_s_help_loads_no_more_than_the_top_level_help():
    def loaded_by_help(*words: str) -> set[str]:
        return modules_loaded_by(f"import sys\nsys.argv = ['secretariat', *{list(words)!r}, '--help']\n"
                                 "from secretariat.cli import app\ntry:\n    app()\nexcept SystemExit:\n    pass")

    extra = sorted({name.split(".")[0] for name in loaded_by_help("mailroom", "check") - loaded_by_help()})
    assert extra == [], f"`mailroom check --help` loads {extra} beyond what `--help` loads"


def _run_cli(*words: str) -> str:
    return (f"import sys\nsys.argv = ['secretariat', *{list(words)!r}]\n"
            "from secretariat.cli import app\ntry:\n    app()\nexcept SystemExit:\n    pass")


def libraries_loaded_by_checking_a_blank_png(tmp_path, monkeypatch) -> set[str]:
    """The top-level packages a fresh `secretariat mailroom check --json blank.png` holds at its end."""
    import cv2
    import numpy

    monkeypatch.setenv("SECRETARIAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(tmp_path / "cache"))
    page = tmp_path / "blank.png"
    cv2.imwrite(str(page), numpy.full((280, 200), 255, numpy.uint8))
    loaded = {name.split(".")[0] for name in modules_loaded_by(_run_cli("mailroom", "check", "--json", str(page)))}
    assert "cv2" in loaded  # the check itself ran
    return loaded


def test_checking_a_png_loads_neither_the_pdf_reader_nor_the_print_room(tmp_path, monkeypatch):
    """A feed of JPEG and PNG pages needs no PDF library; the print room's renderer (reportlab) is
    loaded only to render a template's reference page, which is then kept on disk."""
    loaded = libraries_loaded_by_checking_a_blank_png(tmp_path, monkeypatch)
    assert sorted(loaded & {"pypdfium2", "reportlab"}) == []


def test_checking_a_page_as_json_loads_no_console_library(tmp_path, monkeypatch):
    """rich is loaded when a command first prints through its console: the JSON lines of
    `mailroom check --json` are written without it."""
    assert "rich" not in libraries_loaded_by_checking_a_blank_png(tmp_path, monkeypatch)


def test_the_files_to_check_are_read_without_pydantic_and_still_checked_by_typer(tmp_path):
    """typer 0.29 coerces each given value through pydantic (0.2 s to load); a plain list of paths
    is coerced by typer's own path rules instead."""
    from typer.testing import CliRunner

    from secretariat.cli import app

    loaded = modules_loaded_by(_run_cli("mailroom", "check", str(tmp_path / "missing.png")))
    assert not {name for name in loaded if name.split(".")[0] == "pydantic"}
    answer = CliRunner().invoke(app, ["mailroom", "check", "--json", str(tmp_path / "missing.png")])
    assert answer.exit_code == 1
    assert json.loads(answer.stdout.splitlines()[0])["error"]["code"] == "unreadable"


def test_a_number_of_workers_is_read_without_pydantic(tmp_path):
    """A scanner station's script may say how many processes check its pages (`--workers 2`)."""
    loaded = modules_loaded_by(_run_cli("mailroom", "check", "--workers", "2", str(tmp_path / "missing.png")))
    assert not {name for name in loaded if name.split(".")[0] == "pydantic"}


def test_a_number_of_workers_out_of_bounds_is_refused_in_typer_s_words(tmp_path):
    from typer.testing import CliRunner

    from secretariat.cli import app

    for given in ("0", "-1", "abc", "２"):
        answer = CliRunner().invoke(app, ["mailroom", "check", "--workers", given, str(tmp_path / "missing.png")])
        assert answer.exit_code == 2, given
        assert "Invalid value for '--workers': Input should be" in answer.output, given


def test_checking_a_form_page_loads_neither_pydantic_nor_yaml_once_the_templates_are_kept(tmp_path, monkeypatch):
    """The check's set-up, as `mailroom check` pays it before its first page: the templates come
    back from the loader's cache as plain records, so nothing that parses or validates a layout
    file is loaded, nor what only a pool of workers needs."""
    monkeypatch.setenv("SECRETARIAT_CACHE_DIR", str(tmp_path))
    setup = ("from mailroom.scanning import check\nfrom mailroom.scanning.parallel import PageChecker\n"
             "from templates.loader import default_templates\n"
             "check.template_by_key(default_templates()['kakuninsho-hikazei'].key)")
    modules_loaded_by(setup)  # the first run loads the files and keeps the set
    loaded = {name.split(".")[0] for name in modules_loaded_by(setup)}
    assert "cv2" in loaded  # the check itself is loaded
    assert sorted(loaded & {"pydantic", "pydantic_core", "annotated_types", "yaml", "multiprocessing"}) == []
    assert not {"importlib.metadata", "concurrent.futures"} & modules_loaded_by(setup)
