"""A worker process (`secretariat worker`, spawned once per process) loads the job kinds, not the
web app: the pages' libraries would cost every worker seconds of start-up for nothing it runs."""

import json
import subprocess
import sys

WEB_ONLY = ("fastapi", "starlette", "uvicorn", "jinja2", "paramiko", "openpyxl", "ortools", "pandas")


def test_building_the_job_registry_loads_no_web_ssh_or_spreadsheet_library():
    code = ("from secretariat.background import job_registry\njob_registry()\n"
            "import json, sys\nprint(json.dumps(sorted(sys.modules)))")
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded = {name.split(".")[0] for name in json.loads(answer.stdout.splitlines()[-1])}
    assert sorted(loaded & set(WEB_ONLY)) == [], ("`python -X importtime -c 'import secretariat.background'` "
                                                  "shows which module brings them in")

