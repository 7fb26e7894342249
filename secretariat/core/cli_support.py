"""What every domain's CLI commands share: a session on the configured store, and domain
errors printed as one clear line with exit status 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlmodel import Session

from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.errors import DomainError

err = Console(stderr=True)
CLI_ACTOR = Actor.system("cli")


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits on success; a domain error rolls back, prints, and exits 1."""
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
