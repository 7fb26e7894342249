"""`secretariat` starts without loading what its commands use: every scanner-station script and
cron job pays the start-up on each call. Timings are in benchmarks/startup.py; these tests hold
the behaviour behind them: heavy libraries are imported by the commands that use them."""

import json
import subprocess
import sys
from importlib.metadata import entry_points

HEAVY = ("alembic", "openpyxl", "faker", "paramiko", "twilio", "ortools", "reportlab", "cv2", "numpy", "fastapi",
         "uvicorn", "sqlalchemy")


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
