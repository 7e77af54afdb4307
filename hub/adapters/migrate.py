"""Schema migrations with Alembic, run from code (``hub migrate``) rather than an ini file."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    with engine.connect() as connection:
        command.upgrade(_config(connection), revision)
        connection.commit()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def make_revision(engine: sa.Engine, message: str) -> None:
    """Autogenerate a migration from the difference between the database and ``tables.py``."""
    with engine.connect() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
