"""Alembic environment: runs against the engine the caller passed in `config.attributes`."""

from alembic import context
from sqlmodel import SQLModel

import callcenter.models  # noqa: F401  (registers the call center's tables)
import exchange.models  # noqa: F401  (registers the exchange's tables)
import mailroom.models  # noqa: F401  (registers the mailroom's tables)
import secretariat.core.models  # noqa: F401  (registers every core table on SQLModel.metadata)

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=SQLModel.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
