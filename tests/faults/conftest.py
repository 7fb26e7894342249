"""What the fault tests share: the warm `secretariat` command, and fresh stores that live as long
as a test module (each module runs its command on six stores and checks them in several tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.harness import WarmCli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def warm_cli():
    cli = WarmCli(cwd=REPO)
    yield cli
    cli.close()


@pytest.fixture(scope="module")
def module_stores(stores):
    """new() -> the URL of a freshly migrated store, dropped when the module's tests are done."""
    made: list[str] = []

    def new() -> str:
        made.append(stores.create())
        return made[-1]

    yield new
    for url in made:
        stores.drop(url)
