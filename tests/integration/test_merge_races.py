"""Merges racing real concurrent PostgreSQL connections: an earn on the absorbed member, and
two merges of the same pair in opposite directions (no deadlock, one wins)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from functools import partial

import pytest

from hub import bootstrap
from hub.services.results import Earned
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import balance, card, earn, enroll
from tests.integration.test_concurrency import outcome_kinds, race
from tests.integration.test_member_merge import merge_into

pytestmark = pytest.mark.postgres
ROUNDS = 6


@pytest.fixture
def hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    settings = replace(settings_for(pg_url), threads=8, fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    add_partner(wired, "coffee")
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.violations == (), report.violations


def pair(hub: bootstrap.Hub, n: int) -> tuple[uuid.UUID, uuid.UUID]:
    """Two members with 100 points each, by cards of their own."""
    a = enroll(hub, "coffee", card(f"41000000000{n:02d}001")).member_id
    b = enroll(hub, "coffee", card(f"41000000000{n:02d}002")).member_id
    earn(hub, a, 10_000)
    earn(hub, b, 10_000)
    return a, b


def test_an_earn_on_the_absorbed_member_racing_its_merge_lands_once_on_one_side(hub):
    for n in range(ROUNDS):
        a, b = pair(hub, n)

        merged, earned = race([partial(merge_into, hub, a, b), partial(earn, hub, b, 5_000)])

        assert type(merged).__name__ == "Merged"
        # Earned before the merge (and moved with B's points), or refused after it.
        assert type(earned).__name__ in {"Earned", "MemberNotActive"}
        extra = earned.points if isinstance(earned, Earned) else 0
        assert balance(hub, a).available_points == 200 + extra
        assert balance(hub, b).available_points == 0


def test_two_merges_of_one_pair_in_opposite_directions_do_not_deadlock_and_one_wins(hub):
    for n in range(ROUNDS):
        a, b = pair(hub, n)

        results = race([partial(merge_into, hub, a, b), partial(merge_into, hub, b, a)])

        assert outcome_kinds(results) == {"Merged": 1, "MemberAlreadyMerged": 1}
        (winner,) = [result for result in results if type(result).__name__ == "Merged"]
        assert balance(hub, winner.survivor_id).available_points == 200
