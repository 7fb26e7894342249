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
