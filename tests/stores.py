"""Fresh, migrated stores for each test, on SQLite (default) or on the PostgreSQL server that
`SECRETARIAT_TEST_DATABASE_URL` names (a URL with rights to create databases).

Migrations run once per test session into a template; each test gets a copy, so every test
starts from the real Alembic schema without paying for migrations each time.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from secretariat.core.config import sqlite_url
from secretariat.core.db import make_engine
from secretariat.migrations import migrate

ENV = "SECRETARIAT_TEST_DATABASE_URL"


def backend() -> str:
    return "postgresql" if os.environ.get(ENV) else "sqlite"


class SqliteStores:
    def __init__(self, root: Path):
        self.root = root
        self.template = root / "template.db"
        engine = make_engine(sqlite_url(self.template))
        migrate(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def create(self) -> str:
        path = self.root / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return sqlite_url(path)

    def drop(self, url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)


class PostgresStores:
    def __init__(self, admin_url: str):
        self.admin_url = make_url(admin_url)
        self.template = f"secretariat_template_{os.getpid()}"
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"')
        engine = make_engine(self._url(self.template))
        migrate(engine)
        engine.dispose()

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        engine = make_engine(self.admin_url.render_as_string(hide_password=False))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    def create(self) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
