from __future__ import annotations

from pathlib import Path

import pytest

from exchange.targets.samples import csv_bytes, target_rows
from secretariat.core.synthetic import HouseholdFactory


@pytest.fixture
def households():
    """Synthetic households (real postal codes, real bank branches) to write into target lists."""
    return HouseholdFactory(seed=11).households(12)


@pytest.fixture
def rows(households):
    """A target list's rows, heading row first; tests spoil a copy and write it."""
    return [list(row) for row in target_rows(households, accounts=True)]


@pytest.fixture
def write(tmp_path):
    """Write rows as a file (CP932 unless told) and return its path."""
    def do(rows, name: str = "taisho.csv", encoding: str = "cp932") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, encoding))
        return path
    return do


@pytest.fixture
def programme(factory):
    return factory.tenant(households=0).programme


@pytest.fixture
def reviewed(factory):
    """A programme of three households whose forms were checked complete (ready for a decision)."""
    from secretariat.core.applications.states import Status

    tenant = factory.tenant(households=3)
    for application in tenant.applications:
        factory.advance(application, Status.printed, Status.mailed, Status.received, Status.checking, Status.complete)
    return tenant
