"""Store-and-forward against a real hub that goes away and comes back: a till keeps taking
earns while the hub is stopped and forwards them, once each, when it is restarted; the hub
posts them with both times, or refuses those sold before the partner's window."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from hub.api.server import start_server
from hub.services.commands import SetOfflineWindow
from partner_sdk import (
    HubClient,
    Identifier,
    QueuedEarn,
    RetryPolicy,
    StoreAndForward,
    TransactionKind,
)
from tests.conftest import OPERATOR

CARD = Identifier.card("4000 1234 1234 1234")
QUICK = RetryPolicy(deadline_s=0.5, max_backoff_s=0.1)
"""A till waits this long for the hub before it queues the earn."""


class RestartableHub:
    """The hub's gRPC server on one port, stopped and started again by the test."""

    def __init__(self, hub) -> None:
        self._hub = hub
        self._running = start_server(hub, "127.0.0.1:0")
        self.target = f"127.0.0.1:{self._running.port}"

    def stop(self) -> None:
        self._running.stop(grace_s=1)

    def start(self) -> None:
        self._running = start_server(self._hub, self.target)


@pytest.fixture
def server(hub, coffee) -> Iterator[RestartableHub]:
    running = RestartableHub(hub)
    yield running
    running.stop()


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "till-earns.sqlite3"


@contextmanager
def till(hub, server: RestartableHub, journal: Path) -> Iterator[StoreAndForward]:
    """A till process: its own client (channel) and the journal on its disk."""
    with (
        HubClient(server.target, partner_id="coffee", retry=QUICK, timeout_s=0.5) as client,
        StoreAndForward(client, journal, clock=hub.clock.now) as opened,
    ):
        yield opened


def sell_offline(hub, server: RestartableHub, journal: Path, *orders: str) -> list[QueuedEarn]:
    with till(hub, server, journal) as register:
        register.client.enroll(CARD)
        server.stop()
        queued = []
        for order_id in orders:
            result = register.earn(CARD, amount_minor=2000, currency="EUR", order_id=order_id)
            assert isinstance(result, QueuedEarn), result
            queued.append(result)
            hub.clock.advance(timedelta(minutes=5))
    return queued


def earns(register: StoreAndForward) -> list:
    history = register.client.iter_history()
    return sorted((t for t in history if t.kind is TransactionKind.EARN), key=lambda t: t.order_id)


def test_earns_taken_while_the_hub_was_down_are_posted_with_both_times_once_it_is_back(
    hub, server, journal
):
    queued = sell_offline(hub, server, journal, "r-1", "r-2")
    hub.clock.advance(timedelta(hours=1))
    server.start()

    with till(hub, server, journal) as register:
        report = register.forward()
        posted = earns(register)
        balance = register.client.balance(CARD)

    assert [f.order_id for f in report.forwarded] == ["r-1", "r-2"]
    assert (report.refused, report.still_queued) == ((), 0)
    assert [(t.order_id, t.purchased_at) for t in posted] == [
        (q.order_id, q.purchased_at) for q in queued
    ]
    assert {t.created_at for t in posted} == {hub.clock.now()}
    assert balance.available_points == 40


def test_a_journal_replayed_twice_posts_each_earn_once(hub, server, journal, tmp_path):
    sell_offline(hub, server, journal, "r-1")
    # The till crashes after the hub posted the earn, before its journal said so.
    before_forward = tmp_path / "copy.sqlite3"
    shutil.copyfile(journal, before_forward)
    server.start()
    with till(hub, server, journal) as register:
        first = register.forward()
    shutil.copyfile(before_forward, journal)

    with till(hub, server, journal) as register:
        second = register.forward()
        posted = earns(register)

    assert [f.earned for f in second.forwarded] == [f.earned for f in first.forwarded]
    assert [t.order_id for t in posted] == ["r-1"]


def test_an_earn_forwarded_after_the_partners_window_is_refused_and_recorded(hub, server, journal):
    hub.operator.set_offline_window(SetOfflineWindow("coffee", 3600, changed_by=OPERATOR))
    (queued,) = sell_offline(hub, server, journal, "r-1")
    hub.clock.advance(timedelta(hours=2))
    server.start()

    with till(hub, server, journal) as register:
        report = register.forward()
        again = register.forward()
        posted = earns(register)
        refused = register.refused()

    assert [(r.idempotency_key, r.reason) for r in report.refused] == [
        (queued.idempotency_key, "OFFLINE_WINDOW_EXCEEDED")
    ]
    assert "3600 s" in report.refused[0].message
    assert (again.forwarded, again.refused) == ((), ())
    assert refused == report.refused
    assert posted == []


def test_the_next_online_earn_forwards_what_was_queued(hub, server, journal):
    sell_offline(hub, server, journal, "r-1")
    server.start()

    with till(hub, server, journal) as register:
        register.earn(CARD, amount_minor=1000, currency="EUR", order_id="r-2")
        posted = earns(register)
        queued = register.queued()

    assert [t.order_id for t in posted] == ["r-1", "r-2"]
    assert queued == ()
