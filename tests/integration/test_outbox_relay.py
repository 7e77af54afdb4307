"""The relay's reads on PostgreSQL: an event whose transaction commits after a later one's is
never skipped, and two relays never deliver to one destination at once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hub.adapters.tables import outbox_events
from hub.relay import store
from hub.relay.relay import Relay
from hub.relay.settings import RelaySettings
from tests.integration.helpers import card, earn, enroll

pytestmark = pytest.mark.postgres

WAIT_S = 60.0
NOW = datetime(2026, 12, 4, tzinfo=UTC)


@pytest.fixture
def database_url(pg_url):
    return pg_url


def committed_ids(hub) -> list[int]:
    with hub.engine.begin() as connection:
        return [event.id for event in store.after(connection, 0, 100)]


def test_an_event_committed_after_a_later_id_is_read_once_its_transaction_ends(hub, coffee):
    enroll(hub)
    slow = hub.engine.connect()
    slow_transaction = slow.begin()
    slow.execute(sa.text("SELECT pg_current_xact_id()"))  # its id is taken, as a posting's is
    slow.execute(
        outbox_events.insert().values(
            ordering_key="m",
            partner_id="coffee",
            kind="earned",
            payload=json.dumps({}),
            created_at=NOW,
        )
    )
    earn(hub, card(), 1000)  # a later id, committed first
    assert committed_ids(hub) == []  # not past the slow one's id: it would be skipped forever
    slow_transaction.commit()
    slow.close()
    # Other tests' transactions on the cluster may hold the horizon back a little longer.
    deadline = time.monotonic() + WAIT_S
    while len(ids := committed_ids(hub)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(ids) == 2
    assert ids == sorted(ids)


def test_a_destination_another_relay_is_delivering_to_is_skipped(hub, coffee):
    enroll(hub)
    earn(hub, card(), 1000)
    with hub.engine.begin() as first:
        store.claim(first, store.NATS, NOW)  # the destination's progress row, committed
    with hub.engine.begin() as busy:
        assert store.claim(busy, store.NATS, NOW) == 0  # the other relay holds it
        # No NATS server is needed: the destination is skipped before any is reached.
        other = Relay(hub.engine, RelaySettings(nats_url="nats://127.0.0.1:1"))
        assert other.pass_once() == 0
