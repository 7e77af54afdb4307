"""Authorizations of one order raced on real PostgreSQL connections: one hold, never two.

After each test the hub fixture runs ``ledger verify``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from fraud.thresholds import FraudThresholds, Threshold
from hub import bootstrap
from hub.domain.errors import DuplicateOrder
from hub.services.commands import GetHold, PutRule
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.integration.helpers import authorize, authorize_command, balance, card, earn, enroll
from tests.integration.test_concurrency import outcome_kinds, race

pytestmark = pytest.mark.postgres
RACERS = 20


@pytest.fixture
def hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), threads=RACERS + 2), clock=clock)
    add_partner(wired, "coffee")
    # Twenty tries of one till in a second would be reviewed for velocity; here it is the point.
    unchecked = FraudThresholds(partner_id="coffee", velocity_count=Threshold())
    wired.operator.put_rule(PutRule("", unchecked, changed_by=OPERATOR))
    yield wired
    assert wired.operator.verify_ledger().violations == ()
    wired.close()


@pytest.fixture
def members(hub):
    """Two members of 500 points each."""
    cards = [card(), card("4000999988887777")]
    for each in cards:
        enroll(hub, "coffee", each)
        earn(hub, each, 50_000)
    return cards


def open_holds(hub, order_id):
    found = hub.partner_api().get_hold(GetHold("coffee", None, order_id))
    return found


def test_racing_authorizations_of_one_order_with_fresh_keys_hold_once(hub, members):
    member = members[0]
    results = race([lambda: authorize(hub, member, 10, order_id="till-7") for _ in range(RACERS)])
    assert outcome_kinds(results) == {"HoldView": 1, "DuplicateOrder": RACERS - 1}
    [winner] = [r for r in results if not isinstance(r, Exception)]
    assert {r.metadata["hold_id"] for r in results if isinstance(r, DuplicateOrder)} == {
        str(winner.hold_id)
    }
    assert balance(hub, member).held_points == 10


def test_racing_authorizations_of_one_order_by_two_members_hold_once(hub, members):
    calls = [
        lambda m=members[i % 2]: authorize(hub, m, 10, order_id="till-7") for i in range(RACERS)
    ]
    results = race(calls)
    assert outcome_kinds(results) == {"HoldView": 1, "DuplicateOrder": RACERS - 1}
    [winner] = [r for r in results if not isinstance(r, Exception)]
    assert {r.metadata["hold_id"] for r in results if isinstance(r, DuplicateOrder)} == {
        str(winner.hold_id)
    }
    assert sum(balance(hub, m).held_points for m in members) == 10


def test_racing_retries_with_one_key_replay_one_hold(hub, members):
    command = authorize_command(members[0], 10, order_id="till-7", key="authorize-till-7")
    results = race([lambda: hub.partner_api().authorize(command) for _ in range(RACERS)])
    assert outcome_kinds(results) == {"HoldView": RACERS}
    assert len({r.hold_id for r in results}) == 1
    assert balance(hub, members[0]).held_points == 10


def test_racing_authorizations_after_an_unswept_expiry_replace_the_hold_once(hub, members, clock):
    member = members[0]
    expired = authorize(hub, member, 500, order_id="till-7", ttl_s=60)
    clock.advance(timedelta(seconds=60))
    calls = [lambda: authorize(hub, member, 500, order_id="till-7") for _ in range(RACERS)]
    calls += [hub.operator.sweep for _ in range(2)]
    results = race(calls)
    kinds = outcome_kinds(results)
    assert (kinds["HoldView"], kinds["DuplicateOrder"]) == (1, RACERS - 1)
    current = open_holds(hub, "till-7")
    assert current.hold_id != expired.hold_id
    assert (balance(hub, member).available_points, balance(hub, member).held_points) == (0, 500)
