"""What every domain's CLI commands share: a session on the configured store, domain errors
printed as one clear line with exit status 1, and consoles that load rich only when they print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.errors import DomainError

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session


class LazyConsole:
    """A rich `Console` made on first use: `console.print(...)` and every other attribute go to it.

    Each command module has its console at the top, and every `secretariat` invocation imports
    every command module to list its commands; rich costs a tenth of a `--help` to load, and a
    command that prints nothing through it (`mailroom check --json`) should not pay for it. The
    console is made in the same process, from the same environment and streams, as it was when
    these modules made theirs at import. Hand `console.made()` to rich itself (`Progress(console=…)`)."""

    def __init__(self, stderr: bool = False):
        self._stderr = stderr
        self._console: Console | None = None

    def made(self) -> Console:
        """The rich console itself, made now if it was not yet."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.made(), name)


err = LazyConsole(stderr=True)
CLI_ACTOR = Actor.system("cli")


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits on success; a domain error rolls back, prints, and exits 1."""
    # imported here, not at the top: every command module imports this one, and `--help` and
    # commands without a store should not pay for loading SQLAlchemy
    from sqlalchemy.exc import DBAPIError
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
                err.print(f"[red]エラー:[/red] {error.message}")
                raise typer.Exit(1) from None
            except DBAPIError as error:
                if not _missing_table(error):
                    raise
                session.rollback()
                err.print("[red]エラー:[/red] データベースが初期化されていないか、最新の形になっていません。"
                          "先に `secretariat init` を実行してください（SECRETARIAT_DATABASE_URL の指す先を確かめてください）")
                raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _missing_table(error) -> bool:
    """The store has no tables yet: `init` was never run against it (SQLite's and PostgreSQL's words)."""
    text = str(error.orig)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


class _NotGiven:
    """typer's coercion of an option or argument that was not given: None (an empty tuple for a list)."""

    @staticmethod
    def coerce(value, param, ctx):
        return () if param.multiple or param.nargs == -1 else None


def _is_plain_path(descriptor) -> bool:
    """A `Path` or `list[Path]` parameter with no parser or custom type of its own: typer's path
    checks (exists, file_okay…) still apply, only the str → Path step skips pydantic."""
    from typing import get_args, get_origin

    info = descriptor.parameter_info
    if (getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None
            or getattr(info, "path_type", None) not in (None, Path)):
        return False
    if descriptor.file_annotation is not None:
        return False
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation) or (None,)
    return annotation is Path


def _path_param(descriptor):
    """typer's runtime coercion for a plain path parameter, built without pydantic (see above)."""
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_path

    class PathParam(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            def one(item):
                return coerce_cli_path(item if isinstance(item, Path) else Path(item), self.parameter_info,
                                       path_type=Path, param=param, ctx=ctx)

            return [one(item) for item in value] if isinstance(value, (list, tuple)) else one(value)

    return PathParam(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info)


def _is_plain_whole_number(descriptor) -> bool:
    """An `int` option or argument with no parser, custom type or clamping of its own."""
    info = descriptor.parameter_info
    return (descriptor.annotation is int and getattr(info, "parser", None) is None
            and getattr(info, "click_type", None) is None and not getattr(info, "clamp", False))


def _whole_number_param(descriptor):
    """typer's runtime coercion for a plain `int` parameter (`--workers 4`), without pydantic for
    what a person types: a few ASCII digits within the bounds (`min`, `max`) are read by `int`, to
    the number pydantic reads from them. Anything else (a sign, a bound crossed, not a number) is
    coerced by typer as before, so it is refused in typer's own words."""
    from typer._coercion import RuntimeParam, build_runtime_param

    class WholeNumberParam(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
                number, info = int(value), self.parameter_info
                if (info.min is None or number >= info.min) and (info.max is None or number <= info.max):
                    return number
            return build_runtime_param(descriptor)._coerce_value(value, param=param, ctx=ctx)

    return WholeNumberParam(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info)


def coerce_only_given_options() -> None:
    """Keep typer from loading pydantic where it needs none.

    typer (0.29) coerces every parameter through a pydantic `TypeAdapter`, built on first use; pydantic
    costs 0.2 s to load, a third of a scanner station's `mailroom check` start-up. So: an option not
    given is passed as None without one (typer processes every option of the groups on the way to a
    command, given or not, `--help` included); a given plain `Path` or `list[Path]` (the files of
    `mailroom check`) is coerced by typer's own path checks, and a given plain `int` (`--workers`)
    written in digits by `int`. Everything else is coerced by typer as before. A typer without these
    internals is left as it is."""
    from typer.core import _TyperParameter

    process = _TyperParameter.process_value
    if getattr(process, "only_given", False) or not hasattr(_TyperParameter, "get_runtime_param"):
        return

    def process_value(self, ctx, value):
        if getattr(self, "_runtime_param", None) is not None:
            return process(self, ctx, value)
        if value is not None:
            if _is_plain_path(self.type_descriptor):
                self._runtime_param = _path_param(self.type_descriptor)
            elif _is_plain_whole_number(self.type_descriptor):
                self._runtime_param = _whole_number_param(self.type_descriptor)
            return process(self, ctx, value)
        self._runtime_param = _NotGiven
        try:
            return process(self, ctx, value)
        finally:
            self._runtime_param = None

    process_value.only_given = True
    _TyperParameter.process_value = process_value
