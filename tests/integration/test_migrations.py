"""The migrations build exactly the schema ``hub/adapters/tables.py`` describes."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.adapters.database import create_engine
from hub.adapters.migrate import current_revision, head_revision, upgrade
from hub.adapters.tables import metadata
from tests.integration.helpers import authorize, card, earn, enroll


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


@pytest.mark.breaks_ledger  # the database is left at revision 0007
def test_two_open_holds_for_one_order_stop_the_migration_naming_the_order(hub, coffee):
    from alembic import command

    from hub.adapters.migrate import _config

    enroll(hub)
    earn(hub, card(), 10_000)
    for order_id in ("o-1", "o-2"):
        authorize(hub, card(), 10, order_id=order_id)
    with hub.engine.connect() as connection:
        command.downgrade(_config(connection), "0007")
        connection.exec_driver_sql("UPDATE holds SET order_id = 'o-1'")
        connection.commit()
    with pytest.raises(RuntimeError, match=r"coffee/o-1 \(2\)"):
        upgrade(hub.engine)
    assert current_revision(hub.engine) == "0007"
