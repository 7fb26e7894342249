"""Uploading a target list from the liaison's exchange page as a browser does, and waiting for the
import job the upload queued (the embedded worker of the test app takes it) to end."""

from __future__ import annotations

import re
import time
from pathlib import Path


def post_targets(client, programme, token, path: Path, name: str | None = None):
    """POST the file; the answer is the redirect to its job's page, not followed."""
    with path.open("rb") as handle:
        return client.post(f"/programmes/{programme.id}/exchange/targets", files={"file": (name or path.name, handle)},
                           data={"csrf_token": token}, follow_redirects=False)


def job_state(page) -> str:
    return re.search(r'data-testid="upload-job" data-state="(\w+)"', page.text).group(1)


def when_imported(client, answer, timeout_s: float = 60):
    """The upload's job page once its job has ended (done or failed); any other answer as it is."""
    if answer.status_code != 303:
        return answer
    deadline = time.monotonic() + timeout_s
    while True:
        page = client.get(answer.headers["location"])
        if job_state(page) not in ("queued", "running") or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def uploaded(client, programme, token, path: Path, name: str | None = None):
    """Upload the file and wait for its import: the page with its validation result."""
    return when_imported(client, post_targets(client, programme, token, path, name))
