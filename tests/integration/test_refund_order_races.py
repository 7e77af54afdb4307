"""A refund of a redemption named by order id, raced by a new hold for the order on real
PostgreSQL connections: the refund's reads name the hold by order id in one batch, so they must
all name the same hold, whatever the order gains meanwhile.

After the test the hub fixture runs ``ledger verify``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from hub import bootstrap
from hub.domain.errors import RefundExceedsOriginal
from hub.services.commands import RefundRedemption
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll

pytestmark = pytest.mark.postgres
LOCK_WAIT_MAX_S = 30.0
"""How long the test waits for the refund to queue on the hold's lock before it gives up."""


@pytest.fixture
def hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(settings_for(pg_url), clock=clock)
    add_partner(wired, "coffee")
    enroll(wired)
    earn(wired, card(), 10_000)  # 100 points
    yield wired
    assert wired.operator.verify_ledger().violations == ()
    wired.close()


def _wait_for_a_call_queued_on_a_lock(url: str) -> None:
    deadline = time.monotonic() + LOCK_WAIT_MAX_S
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.01)
    pytest.fail("the refund never queued on the hold's lock")


def test_a_refund_by_order_that_waited_while_the_order_got_a_new_hold_answers_for_it(hub, pg_url):
    captured = authorize(hub, card(), 50, order_id="till-9")
    capture(hub, captured.hold_id)
    refund = RefundRedemption("coffee", uuid.uuid4().hex, None, 10, order_id="till-9")
    with psycopg.connect(pg_url) as blocker, ThreadPoolExecutor(1) as pool:
        # The captured hold stays locked while the refund, by order id, queues on it.
        blocker.execute("SELECT id FROM holds WHERE id = %s FOR UPDATE", (captured.hold_id,))
        refunding = pool.submit(hub.partner_api().refund_redemption, refund)
        _wait_for_a_call_queued_on_a_lock(pg_url)
        pending = authorize(hub, card(), 30, order_id="till-9")
        blocker.rollback()
        with pytest.raises(RefundExceedsOriginal) as refused:
            refunding.result()
    # Answered for the order's hold now, as a refund sent after the new hold would be; the
    # captured hold's points were not given back.
    assert str(pending.hold_id) in refused.value.message
    assert balance(hub, card()).available_points == 100 - 50 - 30
