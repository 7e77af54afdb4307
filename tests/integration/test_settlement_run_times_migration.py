"""Migration 0024 keeps when each settlement run started and finished: runs settled before it
have neither (their duration unknown, not zero), and it goes down and up again cleanly."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import command as alembic

from hub.adapters.migrate import _config, current_revision, head_revision, upgrade
from hub.services.commands import Attribution, RunSettlement
from tests.integration.helpers import card, earn, enroll

OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")


def _times(engine: sa.Engine) -> list[tuple[object, object]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT started_at, finished_at FROM settlement_runs ORDER BY business_date"
                )
            )
        ]


def test_runs_settled_before_the_migration_have_no_times_and_new_runs_do(hub, coffee, clock):
    enroll(hub)
    earn(hub, card(), 1000)
    clock.advance(timedelta(days=1))
    with hub.engine.connect() as connection:
        alembic.downgrade(_config(connection), "0023")
    with hub.engine.begin() as connection:  # a run as the hub before 0024 stored it
        columns = {c["name"] for c in sa.inspect(connection).get_columns("settlement_runs")}
        assert not {"started_at", "finished_at"} & columns
    upgrade(hub.engine)
    assert current_revision(hub.engine) == head_revision()
    hub.settlement_api().run(RunSettlement(date(2026, 11, 22), OFFICER))
    [(started_at, finished_at)] = _times(hub.engine)
    assert started_at is not None
    assert finished_at is not None

    with hub.engine.connect() as connection:
        alembic.downgrade(_config(connection), "0023")
    upgrade(hub.engine)

    assert _times(hub.engine) == [(None, None)]  # the old run keeps its figures, not its times
    assert hub.settlement_api().get(date(2026, 11, 22)).business_date == date(2026, 11, 22)
