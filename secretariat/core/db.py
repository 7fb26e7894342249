"""The store: an embedded SQLite file by default, PostgreSQL when a URL names one.

SQLite runs in WAL mode with foreign keys on, so the web server, the CLI and later the
SFTP drop can share one file. The schema is owned by Alembic (`secretariat.migrations.migrate`),
never by `create_all`, so production and tests run the same DDL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Table, event, insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

from secretariat.core.errors import Conflict


POOL_SIZE, POOL_OVERFLOW = 10, 30  # kept open, and opened for a burst: 40 in all


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
        # as many connections as the web server has request threads (anyio's 40), so a burst of
        # requests waits for a thread, never for a connection (30 s, then an error); PostgreSQL's
        # max_connections must cover every process's pool (README, Deployment)
        engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    event.listen(engine, "handle_error", _refusal_as_conflict)
    return engine


REFUSAL_PREFIX = "refused: "


def _refusal_as_conflict(context) -> None:
    """A trigger that refuses a statement (the payment freeze, migration 0012) says why after
    `refused: `; the caller gets the same Conflict a service would raise, with that text."""
    message = str(context.original_exception)
    start = message.find(REFUSAL_PREFIX)
    if start >= 0:
        raise Conflict(message[start + len(REFUSAL_PREFIX):].splitlines()[0].strip()) from context.original_exception


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def bulk_insert(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Insert many rows set-based, in the session's transaction.

    PostgreSQL gets COPY, which is an order of magnitude faster than executemany there; SQLite
    gets one executemany on the driver's cursor, each value passed through the column type's
    own bind processor, so what is stored is exactly what an ORM insert would store. Every row
    must carry the same keys.
    """
    insert_rows(session.connection(), table, rows)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """`bulk_insert` on a connection: what a writer thread calls while its session waits."""
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    if connection.dialect.name == "postgresql":
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
        return
    if connection.dialect.name == "sqlite":
        cursor.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})',
                           _sqlite_values(table, columns, rows, connection.dialect))
        return
    connection.execute(insert(table), list(rows))


def _sqlite_values(table: Table, columns: list[str], rows: Sequence[dict], dialect) -> list:
    """Each row's values in column order, dates and times formatted as SQLAlchemy stores them.

    A value is formatted once however many rows share it (a batch's `created_at`, a birthday).
    """
    take = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    processed = [(index, process, {}) for index, name in enumerate(columns)
                 if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    if not processed:
        return [take(row) for row in rows]
    values = []
    for row in rows:
        row_values = list(take(row))
        for index, process, memo in processed:
            value = row_values[index]
            try:
                row_values[index] = memo[value]
            except KeyError:
                row_values[index] = memo[value] = process(value)
            except TypeError:  # an unhashable value (a JSON document): format it every time
                row_values[index] = process(value)
        values.append(row_values)
    return values
