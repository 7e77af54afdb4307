"""The SQL that finds late rows agrees with ``Snapshot.sees`` on both stores."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.adapters.database import create_engine
from hub.adapters.repositories.settled import THIS_RUN, seen, snapshot_params, unseen
from settlement.model import NOTHING_SEEN, Snapshot

SNAPSHOTS = [Snapshot(100, 110, (103, 107)), Snapshot(100, 100), NOTHING_SEEN]
XIDS = [None, 0, 1, 98, 99, 100, 101, 103, 107, 109, 110, 111, 1_000_000, 2**62]


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_seen_and_unseen_in_sql_are_what_the_snapshot_says(database_url: str, snapshot: Snapshot):
    xid = sa.bindparam("xid", type_=sa.BigInteger())
    statement = sa.select(
        sa.case((seen(xid, THIS_RUN), 1), else_=0).label("seen"),
        sa.case((unseen(xid, THIS_RUN), 1), else_=0).label("unseen"),
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = {
                value: tuple(
                    connection.execute(
                        statement, {"xid": value, **snapshot_params(THIS_RUN, snapshot)}
                    ).one()
                )
                for value in XIDS
            }
    finally:
        engine.dispose()

    expected = {
        value: (int(snapshot.sees(value)), int(value is not None and not snapshot.sees(value)))
        for value in XIDS
    }
    assert found == expected
