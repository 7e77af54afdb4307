"""Races on real PostgreSQL connections: the database decides, there is never a second effect."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from hub import bootstrap
from hub.domain.errors import DuplicateOrder, HubError, IdempotencyKeyReused, IdentifierTaken
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import card, earn_command, enroll, row_counts

pytestmark = pytest.mark.postgres
RACERS = 24


@pytest.fixture
def hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), threads=RACERS + 2), clock=clock)
    add_partner(wired, "coffee")
    yield wired
    report = wired.operator.verify_ledger()
    assert report.violations == ()
    wired.close()


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run ``calls`` at once, released together by a barrier; errors are returned, not raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except HubError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def outcome_kinds(results: list[object]) -> Counter[str]:
    return Counter(type(result).__name__ for result in results)


def test_retries_of_one_key_racing_each_other_have_one_effect(hub):
    enroll(hub)
    command = earn_command(card(), 1000, key="same-key")
    results = race([lambda: hub.partner_api().earn(command)] * RACERS)
    assert outcome_kinds(results) == {"Earned": RACERS}
    assert len({result.transaction_id for result in results}) == 1
    assert row_counts(hub)["transactions"] == 1


def test_one_key_with_different_requests_racing_has_one_winner(hub):
    enroll(hub)
    commands = [
        earn_command(card(), 1000 + i % 2, key="contested", order_id="o-1") for i in range(RACERS)
    ]
    results = race([lambda c=c: hub.partner_api().earn(c) for c in commands])
    winners = {result.transaction_id for result in results if not isinstance(result, HubError)}
    assert len(winners) == 1
    assert row_counts(hub)["transactions"] == 1
    assert set(outcome_kinds(results)) <= {"Earned", "IdempotencyKeyReused"}
    assert any(isinstance(result, IdempotencyKeyReused) for result in results)


def test_concurrent_earns_on_one_member_all_count(hub):
    member = enroll(hub)
    results = race(
        [
            lambda i=i: hub.partner_api().earn(earn_command(card(), 100 * (i + 1)))
            for i in range(RACERS)
        ]
    )
    assert outcome_kinds(results) == {"Earned": RACERS}
    expected = sum(i + 1 for i in range(RACERS))
    assert hub.inspect_member(member.member_id).balance.available_points == expected


def test_one_order_racing_under_different_keys_earns_once(hub):
    enroll(hub)
    results = race(
        [lambda: hub.partner_api().earn(earn_command(card(), 1000, order_id="r-1"))] * RACERS
    )
    assert outcome_kinds(results) == {"Earned": 1, "DuplicateOrder": RACERS - 1}
    assert all(isinstance(r, DuplicateOrder) for r in results if isinstance(r, HubError))


def test_one_identifier_racing_into_two_enrolments_enrols_once(hub):
    results = race([lambda: enroll(hub, "coffee", card(), key=uuid.uuid4().hex)] * RACERS)
    assert outcome_kinds(results) == {"MemberView": 1, "IdentifierTaken": RACERS - 1}
    assert row_counts(hub)["members"] == 1
    assert all(isinstance(r, IdentifierTaken) for r in results if isinstance(r, HubError))
