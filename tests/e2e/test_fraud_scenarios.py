"""Fraud patterns as a partner's till meets them: through the SDK, against a real hub server.

Each scenario plays one pattern from the design (a cashier's own card, earn-then-burn, velocity,
refund after burn, impossible travel, a frozen account) and checks what the till sees (the
operation goes through, is held for review, or raises its typed error with nothing posted) and
what the analysts get (the flags in ``fraud_flags``, with the rules that fired).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from coalition.hub.v1 import common_pb2, partner_pb2
from fraud.thresholds import FraudThresholds, Threshold
from hub.adapters.tables import fraud_flag_rules, fraud_flags, transactions
from hub.api.headers import PARTNER_ID_HEADER
from hub.services.commands import Attribution, FreezeMember, PutRule, ReleaseHold
from partner_sdk import (
    FraudDeclined,
    HoldInReview,
    HoldStatus,
    HubClient,
    Identifier,
    MemberNotActive,
    PointOfSale,
)
from tests.conftest import OPERATOR, add_partner
from tests.integration.helpers import row_counts

CARD = Identifier.card("4000 1234 1234 1234")
ANALYST = Attribution("spiffe://coalition.hub/staff/analyst/test-analyst", "scenario review")
# 100.00 EUR: 100 points at the test partners' earn rate of 1 point per euro.
RECEIPT_MINOR = 10_000
MOSCOW = ("55.7558", "37.6173")
ST_PETERSBURG = ("59.9343", "30.3351")
"""About 635 km from MOSCOW."""


def till(
    store_id: str = "store-1",
    *,
    cashier_id: str = "cashier-1",
    terminal_id: str = "till-1",
    at: tuple[str, str] | None = None,
) -> PointOfSale:
    latitude, longitude = at if at else (None, None)
    return PointOfSale(
        channel="pos",
        store_id=store_id,
        terminal_id=terminal_id,
        cashier_id=cashier_id,
        latitude=latitude,
        longitude=longitude,
    )


@dataclass(frozen=True)
class Raised:
    """A flag as the analysts' queue holds it, reduced to what these scenarios check."""

    operation: str
    decision: str
    rules: frozenset[str]
    transaction_id: uuid.UUID | None
    hold_id: uuid.UUID | None


def flags_of(hub, member_id: str) -> list[Raised]:
    """The member's flags, oldest first, with the rules that fired on each."""
    query = (
        sa.select(fraud_flags, fraud_flag_rules.c.rule)
        .join(fraud_flag_rules, fraud_flag_rules.c.flag_id == fraud_flags.c.id)
        .where(fraud_flags.c.member_id == uuid.UUID(member_id))
        .order_by(fraud_flags.c.raised_at, fraud_flags.c.id)
    )
    with hub.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    by_flag: dict[uuid.UUID, Raised] = {}
    for row in rows:
        seen = by_flag.get(row["id"])
        rules = (seen.rules if seen else frozenset()) | {row["rule"]}
        by_flag[row["id"]] = Raised(
            row["operation"], row["decision"], rules, row["transaction_id"], row["hold_id"]
        )
    return list(by_flag.values())


def put_thresholds(hub, thresholds: FraudThresholds) -> None:
    """A partner's own fraud thresholds, as an operator sets them (a ``fraud`` rule)."""
    hub.operator.put_rule(PutRule("", thresholds, changed_by=OPERATOR))


def ledger_rows(hub) -> dict[str, int]:
    counts = row_counts(hub)
    return {name: counts[name] for name in ("transactions", "entries", "lots", "holds")}


@pytest.fixture
def tills(hub, target):
    """Three partners' tills: coffee, fuel and air, each earning 1 point per euro at once."""
    for partner_id in ("coffee", "fuel", "air"):
        add_partner(hub, partner_id, pending_period_s=0)
    with (
        HubClient(target, partner_id="coffee", retry=None) as coffee,
        HubClient(target, partner_id="fuel", retry=None) as fuel,
        HubClient(target, partner_id="air", retry=None) as air,
    ):
        yield coffee, fuel, air


def earn(client: HubClient, pos: PointOfSale | None = None, amount_minor: int = RECEIPT_MINOR):
    return client.earn(
        CARD,
        amount_minor=amount_minor,
        currency="EUR",
        order_id=uuid.uuid4().hex,
        point_of_sale=pos,
    )


def test_a_cashier_swiping_one_card_on_many_receipts_is_flagged_but_the_earns_go_through(
    hub, tills
):
    coffee, _, _ = tills
    member_id = coffee.enroll(CARD).member_id

    earned = [earn(coffee, till(cashier_id="cashier-7")) for _ in range(6)]

    assert [e.points for e in earned] == [100] * 6
    assert coffee.balance(CARD).available_points == 600
    raised = flags_of(hub, member_id)
    # The 5th and 6th receipts reach the default of 5 receipts a day through one cashier.
    assert [(f.operation, f.decision, f.rules) for f in raised] == [
        ("earn", "review", frozenset({"cashier_one_card"}))
    ] * 2
    assert [f.transaction_id for f in raised] == [uuid.UUID(e.transaction_id) for e in earned[4:]]


def test_a_partners_deny_threshold_refuses_the_cashiers_sixth_receipt_and_posts_nothing(hub, tills):
    coffee, _, _ = tills
    put_thresholds(hub, FraudThresholds("coffee", cashier_card_receipts=Threshold(5, 6)))
    member_id = coffee.enroll(CARD).member_id
    for _ in range(5):
        earn(coffee, till(cashier_id="cashier-7"))
    before = ledger_rows(hub)

    with pytest.raises(FraudDeclined) as refused:
        earn(coffee, till(cashier_id="cashier-7"))

    assert refused.value.reason == "FRAUD_DECLINED"
    assert "cashier" not in refused.value.message
    assert ledger_rows(hub) == before
    assert coffee.balance(CARD).available_points == 500
    denied = flags_of(hub, member_id)[-1]
    assert (denied.decision, denied.rules, denied.transaction_id) == (
        "deny",
        frozenset({"cashier_one_card"}),
        None,
    )
    # Another cashier's till is not this pattern.
    assert earn(coffee, till(cashier_id="cashier-8")).points == 100


def test_a_burn_elsewhere_minutes_after_an_earn_is_held_for_review_until_an_analyst_releases_it(
    hub, tills, clock
):
    coffee, _, air = tills
    member_id = coffee.enroll(CARD).member_id
    earn(coffee, till(), amount_minor=100_000)
    clock.advance(timedelta(minutes=5))

    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=600)

    assert hold.status is HoldStatus.IN_REVIEW
    assert air.balance(CARD).held_points == 600
    with pytest.raises(HoldInReview):
        air.capture(hold.hold_id)
    assert air.get_hold(hold.hold_id).status is HoldStatus.IN_REVIEW
    (raised,) = flags_of(hub, member_id)
    assert (raised.operation, raised.decision, raised.rules) == (
        "authorize",
        "review",
        frozenset({"earn_then_burn"}),
    )
    assert raised.hold_id == uuid.UUID(hold.hold_id)

    # What the till does next: poll get_hold, and capture once an analyst released it.
    hub.fraud_api().release_hold(ReleaseHold(uuid.UUID(hold.hold_id), changed_by=ANALYST))
    assert air.get_hold(hold.hold_id).status is HoldStatus.PENDING
    assert air.capture(hold.hold_id).captured_points == 600
    assert air.balance(CARD).available_points == 400


def test_a_hold_in_review_may_be_voided_when_the_customer_will_not_wait(hub, tills, clock):
    coffee, _, air = tills
    coffee.enroll(CARD)
    earn(coffee, amount_minor=100_000)
    clock.advance(timedelta(minutes=5))
    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=600)

    voided = air.void(hold.hold_id)

    assert (hold.status, voided.status) == (HoldStatus.IN_REVIEW, HoldStatus.VOIDED)
    assert air.balance(CARD).available_points == 1000


def test_a_burn_elsewhere_long_after_the_earn_is_not_held(hub, tills, clock):
    coffee, _, air = tills
    member_id = coffee.enroll(CARD).member_id
    earn(coffee, amount_minor=100_000)
    clock.advance(timedelta(hours=2))

    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=600)

    assert hold.status is HoldStatus.PENDING
    assert flags_of(hub, member_id) == []


def test_velocity_over_the_partners_deny_threshold_is_refused_and_the_balance_is_unchanged(
    hub, tills
):
    coffee, _, _ = tills
    put_thresholds(hub, FraudThresholds("coffee", velocity_count=Threshold(3, 4)))
    member_id = coffee.enroll(CARD).member_id
    for _ in range(3):
        earn(coffee)
    balance = coffee.balance(CARD)
    before = ledger_rows(hub)

    with pytest.raises(FraudDeclined):
        earn(coffee)

    assert ledger_rows(hub) == before
    assert coffee.balance(CARD) == balance
    decisions = [(f.operation, f.decision, f.rules) for f in flags_of(hub, member_id)]
    assert decisions == [
        ("earn", "review", frozenset({"member_velocity_count"})),
        ("earn", "deny", frozenset({"member_velocity_count"})),
    ]


def test_redemptions_over_the_velocity_deny_threshold_are_refused_and_hold_nothing(hub, tills):
    coffee, _, _ = tills
    put_thresholds(hub, FraudThresholds("coffee", velocity_count=Threshold(3, 4)))
    coffee.enroll(CARD)
    earn(coffee, amount_minor=100_000)

    holds = [
        coffee.authorize(CARD, amount_minor=5_000, currency="EUR", order_id=f"h-{n}", points=10)
        for n in range(3)
    ]
    before, balance = ledger_rows(hub), coffee.balance(CARD)
    with pytest.raises(FraudDeclined):
        coffee.authorize(CARD, amount_minor=5_000, currency="EUR", order_id="h-3", points=10)

    # Holds count apart from earns: the third is held for review, the fourth refused.
    assert [h.status for h in holds] == [HoldStatus.PENDING] * 2 + [HoldStatus.IN_REVIEW]
    assert (ledger_rows(hub), coffee.balance(CARD)) == (before, balance)
    assert balance.held_points == 30


def test_a_refund_of_points_already_spent_leaves_a_debt_and_raises_a_flag(hub, tills, clock):
    coffee, _, air = tills
    member_id = coffee.enroll(CARD).member_id
    earned = earn(coffee, amount_minor=100_000)
    clock.advance(timedelta(hours=1))
    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=800)
    air.capture(hold.hold_id)

    refund = coffee.refund_earn(earned.transaction_id, amount_minor=100_000, currency="EUR")

    assert (refund.points_reversed, refund.debt_points) == (1000, 800)
    assert coffee.balance(CARD).debt_points == 800
    (raised,) = flags_of(hub, member_id)
    assert (raised.operation, raised.decision, raised.rules) == (
        "refund",
        "review",
        frozenset({"refund_after_burn"}),
    )
    assert raised.transaction_id == uuid.UUID(refund.transaction_id)


def test_two_tills_six_hundred_km_apart_ten_minutes_apart_raise_impossible_travel(
    hub, tills, clock
):
    coffee, fuel, _ = tills
    member_id = coffee.enroll(CARD).member_id
    earn(coffee, till("moscow-1", at=MOSCOW))
    clock.advance(timedelta(minutes=10))

    earned = earn(fuel, till("spb-4", at=ST_PETERSBURG))

    assert earned.points == 100
    (raised,) = flags_of(hub, member_id)
    assert (raised.operation, raised.decision, raised.rules) == (
        "earn",
        "review",
        frozenset({"impossible_travel"}),
    )
    assert raised.transaction_id == uuid.UUID(earned.transaction_id)


def test_tills_of_one_city_minutes_apart_are_no_travel_at_all(hub, tills, clock):
    coffee, fuel, _ = tills
    member_id = coffee.enroll(CARD).member_id
    earn(coffee, till("moscow-1", at=MOSCOW))
    clock.advance(timedelta(minutes=10))

    earn(fuel, till("moscow-9", at=("55.7963", "37.5385")))

    assert flags_of(hub, member_id) == []


def test_a_frozen_accounts_earn_and_authorize_are_refused_and_recorded(hub, tills):
    coffee, _, _ = tills
    member_id = coffee.enroll(CARD).member_id
    earn(coffee)
    hub.fraud_api().freeze(FreezeMember(uuid.UUID(member_id), changed_by=ANALYST))
    before = ledger_rows(hub)

    with pytest.raises(MemberNotActive):
        earn(coffee, till())
    with pytest.raises(MemberNotActive):
        coffee.authorize(CARD, amount_minor=5_000, currency="EUR", order_id="c-h1", points=50)

    assert ledger_rows(hub) == before
    recorded = [(f.operation, f.decision, f.rules) for f in flags_of(hub, member_id)]
    assert recorded == [
        ("earn", "deny", frozenset({"frozen_account"})),
        ("authorize", "deny", frozenset({"frozen_account"})),
    ]


def test_a_store_location_the_hub_cannot_read_is_refused_naming_the_field_and_writes_nothing(
    hub, coffee, stub
):
    caller = ((PARTNER_ID_HEADER, coffee),)
    card = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")
    enrolled = stub.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key="k-enroll", identifiers=[card]),
        metadata=caller,
    )
    before = row_counts(hub)
    request = partner_pb2.EarnRequest(
        idempotency_key="k-earn",
        member=common_pb2.MemberRef(member_id=enrolled.member_id),
        purchase=common_pb2.Money(amount_minor=RECEIPT_MINOR, currency="EUR"),
        order_id="r-1",
        point_of_sale=common_pb2.PointOfSale(latitude="95", longitude="37.6173"),
    )

    with pytest.raises(grpc.RpcError) as refused:
        stub.Earn(request, metadata=caller)

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert (info.reason, info.metadata["field"]) == ("INVALID_FIELD", "point_of_sale.latitude")
    assert row_counts(hub) == before


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    next(packed for packed in status.details if packed.Unpack(info))
    return info


def test_coordinates_reach_the_ledger_as_exact_decimals(hub, tills):
    coffee, _, _ = tills
    coffee.enroll(CARD)

    earned = earn(coffee, till(at=("55.7558", "-37.6173")))

    query = sa.select(transactions.c.latitude, transactions.c.longitude).where(
        transactions.c.id == uuid.UUID(earned.transaction_id)
    )
    with hub.engine.connect() as connection:
        latitude, longitude = connection.execute(query).one()
    assert (latitude, longitude) == (Decimal("55.7558"), Decimal("-37.6173"))


# -- the tills' own pace and the member's history at this partner ------------------------------

RUSH_MEMBERS = 16
"""A small coffee terminal's usual busiest hour, over its own threshold of 10 cards."""


def enroll_cards(client: HubClient, count: int, prefix: str = "4100") -> list[Identifier]:
    cards = [Identifier.card(f"{prefix}{i:012d}") for i in range(count)]
    for card in cards:
        client.enroll(card)
    return cards


def rush(client: HubClient, clock, cards: list[Identifier], apart: timedelta) -> None:
    """One earn per card at the coffee terminal, ``apart`` from each other."""
    for card in cards:
        client.earn(
            card,
            amount_minor=400,
            currency="EUR",
            order_id=uuid.uuid4().hex,
            point_of_sale=till(cashier_id=f"cashier-{card.value[-2:]}"),
        )
        clock.advance(apart)


def flagged_rules(hub) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(fraud_flag_rules.c.rule)).scalars())


def a_morning_rush_on_its_first_day(hub, coffee, clock) -> list[Identifier]:
    """A terminal whose partner flags 10 cards an hour, and one rush of ``RUSH_MEMBERS`` on its
    first day: with no usual pace yet, the threshold alone judges it."""
    put_thresholds(hub, FraudThresholds("coffee", terminal_cards=Threshold(10)))
    cards = enroll_cards(coffee, 3 * RUSH_MEMBERS)
    rush(coffee, clock, cards[:RUSH_MEMBERS], apart=timedelta(minutes=3))
    assert flagged_rules(hub).count("terminal_many_cards") == RUSH_MEMBERS - 9
    clock.advance(timedelta(days=1) - RUSH_MEMBERS * timedelta(minutes=3))
    return cards


def test_a_busy_terminal_at_its_usual_pace_is_not_flagged(hub, tills, clock):
    coffee, _, _ = tills
    cards = a_morning_rush_on_its_first_day(hub, coffee, clock)
    before = len(flagged_rules(hub))

    rush(coffee, clock, cards[:RUSH_MEMBERS], apart=timedelta(minutes=3))  # the next morning

    assert len(flagged_rules(hub)) == before


def test_a_terminal_bursting_far_above_its_own_busiest_hour_is_flagged(hub, tills, clock):
    coffee, _, _ = tills
    cards = a_morning_rush_on_its_first_day(hub, coffee, clock)
    before = len(flagged_rules(hub))

    rush(coffee, clock, cards, apart=timedelta(minutes=1))  # three times the rush in an hour

    # From twice its busiest hour on, each earn is flagged naming the terminal's pace.
    burst = flagged_rules(hub)[before:]
    assert burst.count("terminal_many_cards") == 3 * RUSH_MEMBERS - (2 * RUSH_MEMBERS - 1)


def test_an_earn_far_above_the_members_history_at_this_partner_is_flagged(hub, tills):
    coffee, _, _ = tills
    member_id = coffee.enroll(CARD).member_id
    for _ in range(5):
        earn(coffee, amount_minor=400)  # five coffees of 4 points

    earned = earn(coffee, amount_minor=4_000)  # ten times the member's coffee

    assert flags_of(hub, member_id) == [
        Raised(
            "earn",
            "review",
            frozenset({"earn_above_history"}),
            uuid.UUID(earned.transaction_id),
            None,
        )
    ]


def test_a_members_usual_basket_where_they_always_spend_more_is_not_flagged(hub, tills):
    coffee, fuel, _ = tills
    member_id = coffee.enroll(CARD).member_id
    for _ in range(10):
        earn(coffee, amount_minor=200)  # coffees of 2 points

    for _ in range(6):
        earn(fuel, amount_minor=6_000)  # full tanks of 60 points, 30 times the coffee

    assert flags_of(hub, member_id) == []
