"""Uploading scans at the check-in station as a browser does, and waiting for the ingest job the
upload queued (the embedded worker of the test app takes it) to finish."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from tests.conftest import csrf_from


def upload(client, files: dict[str, bytes], arrived_on: str = ""):
    """POST the files; the answer is the page the upload redirects to (its job's progress)."""
    token = csrf_from(client.get("/mailroom").text)
    return client.post("/mailroom/ingest", headers={"x-csrf-token": token}, data={"arrived_on": arrived_on},
                       files=[("files", (name, data, "application/octet-stream")) for name, data in files.items()])


def job_of(answer) -> int:
    return int(parse_qs(urlsplit(str(answer.url)).query)["job"][0])


def when_ingested(client, answer, timeout_s: float = 180):
    """The upload's progress page once its job has ended (finished or failed)."""
    job = job_of(answer)
    deadline = time.monotonic() + timeout_s
    while True:
        progress = client.get(f"/mailroom/ingest/progress?job={job}").json()
        if progress["state"] not in ("queued", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return client.get(f"/mailroom/ingest?job={job}")


def uploaded(client, files: dict[str, bytes]):
    """Upload the files and wait for them to be taken in: the page that says what the batch holds."""
    return when_ingested(client, upload(client, files))
