"""What every domain's CLI commands share: a session on the configured store, and domain
errors printed as one clear line with exit status 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.errors import DomainError

if TYPE_CHECKING:
    from sqlmodel import Session

err = Console(stderr=True)
CLI_ACTOR = Actor.system("cli")


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits on success; a domain error rolls back, prints, and exits 1."""
    # imported here, not at the top: every command module imports this one, and `--help` and
    # commands without a store should not pay for loading SQLAlchemy
    from sqlmodel import Session

    from secretariat.core.db import make_engine

    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except DomainError as error:
                session.rollback()
                err.print(f"[red]error:[/red] {error.message}")
                raise typer.Exit(1) from None
    finally:
        engine.dispose()


class _NotGiven:
    """typer's coercion of an option or argument that was not given: None (an empty tuple for a list)."""

    @staticmethod
    def coerce(value, param, ctx):
        return () if param.multiple or param.nargs == -1 else None


def coerce_only_given_options() -> None:
    """Keep typer from loading pydantic for options nobody gave.

    typer (0.29) processes every option of the groups on the way to a command, given or not, and
    builds a pydantic `TypeAdapter` for each before it finds the value is None: so `mailroom check
    --help` loaded pydantic (0.16 s, a third of the start-up) for the top-level `--help` and
    completion options alone. An option not given is now passed as None without one; a given one
    is coerced by typer as before. A typer without these internals is left as it is."""
    from typer.core import _TyperParameter

    process = _TyperParameter.process_value
    if getattr(process, "only_given", False) or not hasattr(_TyperParameter, "get_runtime_param"):
        return

    def process_value(self, ctx, value):
        if value is not None or getattr(self, "_runtime_param", None) is not None:
            return process(self, ctx, value)
        self._runtime_param = _NotGiven
        try:
            return process(self, ctx, value)
        finally:
            self._runtime_param = None

    process_value.only_given = True
    _TyperParameter.process_value = process_value
