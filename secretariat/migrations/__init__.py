"""The schema's history (Alembic), for the core and every domain package.

It sits beside the composition root because its environment imports every domain's tables;
the core cannot import them.
"""

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "secretariat:migrations")
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    command.upgrade(alembic_config(engine), "head")
