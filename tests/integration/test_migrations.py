"""The migrations build exactly the schema ``hub/adapters/tables.py`` describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.adapters.database import create_engine
from hub.adapters.migrate import current_revision, head_revision, upgrade
from hub.adapters.tables import metadata


def test_migrations_match_the_tables_with_no_drift(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_migrating_twice_changes_nothing(database_url):
    engine = create_engine(database_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
