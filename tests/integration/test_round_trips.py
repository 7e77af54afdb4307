"""Each till call costs at most two database round trips on PostgreSQL: one read that claims
the idempotency key, locks the member and gathers what the decision needs, and one write that
carries the posting and the COMMIT. Counted on the wire by a proxy between the hub and the
database, so no statement, Sync or pool ping can hide.

Quotes and the partner API's reads (balance, lookup, history, a hold) only read: one round
trip. An enrollment reads and writes like a till call. The counts are structural, not timings.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from hub import bootstrap
from hub.domain.currencies import currency
from hub.domain.money import Money
from hub.domain.rules import EventKind, EventRule, Tier, TierScheme, WelcomeBonus
from hub.services.commands import (
    GetBalance,
    GetHold,
    GrantEvent,
    ListTransactions,
    LookupMember,
    PutRule,
    QuoteBurn,
    QuoteEarn,
    RefundEarn,
    RefundRedemption,
)
from hub.services.results import MemberView
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.integration.helpers import authorize, capture, card, earn, enroll, void
from tests.integration.wire import RoundTripCounter, counted

pytestmark = pytest.mark.postgres

WRITE_ROUND_TRIPS_MAX = 2
READ_ROUND_TRIPS_MAX = 1
EUR = currency("EUR")


@pytest.fixture
def wired(pg_url, clock) -> Iterator[tuple[bootstrap.Hub, RoundTripCounter]]:
    with counted(pg_url) as (url, counter):
        hub = bootstrap.build(settings_for(url), clock=clock)
        add_partner(hub, "coffee")
        hub.operator.put_rule(
            PutRule("review", EventRule("coffee", EventKind.REVIEW, 5, 100), changed_by=OPERATOR)
        )
        enroll(hub)
        earn(hub, card(), 100_000)
        yield hub, counter
        hub.close()


def round_trips(counter: RoundTripCounter, call: Callable[[], object]) -> int:
    call()  # warm: statements prepared, caches filled, the pool's connection open
    counter.reset()
    call()
    return counter.round_trips


def _earn(hub: bootstrap.Hub) -> object:
    return earn(hub, card(), 1000)


def _quote_earn(hub: bootstrap.Hub) -> object:
    return hub.partner_api().quote_earn(QuoteEarn("coffee", card(), Money(1000, EUR)))


def _quote_burn(hub: bootstrap.Hub) -> object:
    return hub.partner_api().quote_burn(QuoteBurn("coffee", card(), points=100))


def _authorize(hub: bootstrap.Hub) -> object:
    return authorize(hub, card(), 10)


def _capture(hub: bootstrap.Hub) -> object:
    hold = authorize(hub, card(), 10)
    return lambda: capture(hub, hold.hold_id)


def _void(hub: bootstrap.Hub) -> object:
    hold = authorize(hub, card(), 10)
    return lambda: void(hub, hold.hold_id)


def _refund_earn(hub: bootstrap.Hub) -> object:
    earned = earn(hub, card(), 1000)
    return lambda: hub.partner_api().refund_earn(
        RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, Money(100, EUR))
    )


def _refund_redemption(hub: bootstrap.Hub) -> object:
    hold = authorize(hub, card(), 50)
    capture(hub, hold.hold_id)
    return lambda: hub.partner_api().refund_redemption(
        RefundRedemption("coffee", uuid.uuid4().hex, hold.hold_id, 5)
    )


def _grant_event(hub: bootstrap.Hub) -> object:
    grant = GrantEvent("coffee", "", card(), EventKind.REVIEW)
    return hub.partner_api().grant_event(replace(grant, idempotency_key=uuid.uuid4().hex))


CALLS_EACH_TIME = {"earn": _earn, "authorize": _authorize, "grant_event": _grant_event}
CALLS_ON_NEW_STATE = {
    "capture": _capture,
    "void": _void,
    "refund_earn": _refund_earn,
    "refund_redemption": _refund_redemption,
}
QUOTES = {"quote_earn": _quote_earn, "quote_burn": _quote_burn}

Read = Callable[[], object]
"""A read of the partner API, on state its maker set up."""


def _balance(hub: bootstrap.Hub) -> Read:
    return lambda: hub.partner_api().balance(GetBalance("coffee", card()))


def _balance_with_tiers(hub: bootstrap.Hub) -> Read:
    scheme = TierScheme((Tier("base", 0), Tier("silver", 100)))
    hub.operator.put_rule(PutRule("tiers", scheme, changed_by=OPERATOR))
    return _balance(hub)


def _balance_by_member_id(hub: bootstrap.Hub) -> Read:
    member_id = hub.partner_api().lookup(LookupMember("coffee", card())).member_id
    return lambda: hub.partner_api().balance(GetBalance("coffee", member_id))


def _lookup(hub: bootstrap.Hub) -> Read:
    return lambda: hub.partner_api().lookup(LookupMember("coffee", card()))


def _transactions_of_member(hub: bootstrap.Hub) -> Read:
    return lambda: hub.partner_api().transactions(ListTransactions("coffee", card(), 10))


def _transactions_next_page(hub: bootstrap.Hub) -> Read:
    first = hub.partner_api().transactions(ListTransactions("coffee", None, 1))
    page = ListTransactions("coffee", None, 1, first.next_page_token)
    return lambda: hub.partner_api().transactions(page)


def _hold_by_id(hub: bootstrap.Hub) -> Read:
    hold = authorize(hub, card(), 10)
    return lambda: hub.partner_api().get_hold(GetHold("coffee", hold.hold_id))


def _hold_by_order(hub: bootstrap.Hub) -> Read:
    hold = authorize(hub, card(), 10)
    return lambda: hub.partner_api().get_hold(GetHold("coffee", None, hold.order_id))


READS = {
    "balance": _balance,
    "balance_with_tiers": _balance_with_tiers,
    "balance_by_member_id": _balance_by_member_id,
    "lookup": _lookup,
    "transactions_of_member": _transactions_of_member,
    "transactions_next_page": _transactions_next_page,
    "hold_by_id": _hold_by_id,
    "hold_by_order": _hold_by_order,
}


@pytest.mark.parametrize("name", sorted(CALLS_EACH_TIME))
def test_a_till_call_is_one_read_and_one_write(wired, name):
    hub, counter = wired
    assert round_trips(counter, lambda: CALLS_EACH_TIME[name](hub)) <= WRITE_ROUND_TRIPS_MAX


@pytest.mark.parametrize("name", sorted(CALLS_ON_NEW_STATE))
def test_a_call_on_a_hold_or_an_earn_is_one_read_and_one_write(wired, name):
    hub, counter = wired
    CALLS_ON_NEW_STATE[name](hub)()  # warm on a state of its own
    call = CALLS_ON_NEW_STATE[name](hub)
    counter.reset()
    call()
    assert counter.round_trips <= WRITE_ROUND_TRIPS_MAX


@pytest.mark.parametrize("name", sorted(QUOTES))
def test_a_quote_is_one_read(wired, name):
    hub, counter = wired
    assert round_trips(counter, lambda: QUOTES[name](hub)) <= READ_ROUND_TRIPS_MAX


@pytest.mark.parametrize("name", sorted(READS))
def test_a_partner_read_is_one_read(wired, name):
    hub, counter = wired
    call = READS[name](hub)
    assert round_trips(counter, call) <= READ_ROUND_TRIPS_MAX


def test_an_enrollment_with_a_welcome_bonus_is_one_read_and_one_write(wired):
    hub, counter = wired
    hub.operator.put_rule(PutRule("welcome", WelcomeBonus(50), changed_by=OPERATOR))
    numbers = iter(range(5_000_000_000_000_000, 5_000_000_000_000_100))

    def enroll_a_new_card() -> MemberView:
        return enroll(hub, "coffee", card(str(next(numbers))))

    assert round_trips(counter, enroll_a_new_card) <= WRITE_ROUND_TRIPS_MAX
    assert enroll_a_new_card().welcome_points == 50


def test_the_counter_counts_a_round_trip_per_statement_outside_a_pipeline(wired):
    hub, counter = wired
    counter.reset()
    with hub.engine.connect() as connection:
        for _ in range(3):
            connection.exec_driver_sql("SELECT 1")
        connection.rollback()
    assert counter.round_trips >= 3
