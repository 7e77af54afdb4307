"""Netting from the database's sums: properties that hold for any day, and hand-made cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.currencies import currency
from hub.domain.invariants import InvariantViolation
from hub.domain.money import PARTNER_ROUNDINGS, Rounding
from hub.domain.rules import Funder
from settlement.model import (
    CLEARING_ACCOUNT,
    BusinessDay,
    IssueGroup,
    LotFlow,
    LotFlowGroup,
    OutstandingGroup,
    RedemptionGroup,
    SettlementInputs,
)
from settlement.netting import settle, signed_value_minor

EUR = currency("EUR")
PARTNERS = ("air", "coffee", "fuel", "grocer")
DAY = BusinessDay(date(2026, 11, 22), None, datetime(2026, 11, 23, tzinfo=UTC))

prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.05"), places=5)
points = st.integers(min_value=-5_000, max_value=100_000)
partner_ids = st.sampled_from(PARTNERS)
issue_groups = st.builds(IssueGroup, partner_ids, st.sampled_from(Funder), prices, points)
redemption_groups = st.builds(RedemptionGroup, partner_ids, partner_ids, prices, prices, points)
roundings = st.fixed_dictionaries({p: st.sampled_from(PARTNER_ROUNDINGS) for p in PARTNERS})


def inputs(
    issues: list[IssueGroup],
    redemptions: list[RedemptionGroup],
    *,
    redeemed: dict[str, int] | None = None,
    flows: tuple[LotFlowGroup, ...] = (),
    previous: tuple[OutstandingGroup, ...] = (),
) -> SettlementInputs:
    if redeemed is None:
        redeemed = {}
        for group in redemptions:
            redeemed[group.redeemer_id] = redeemed.get(group.redeemer_id, 0) + group.points
    return SettlementInputs(
        day=DAY,
        issues=tuple(issues),
        redemptions=tuple(redemptions),
        lot_flows=flows,
        redeemed_points=redeemed,
        previous_outstanding=previous,
        adjustments=(),
        transaction_count=len(issues) + len(redemptions),
    )


@given(st.lists(issue_groups, max_size=12), st.lists(redemption_groups, max_size=12), roundings)
def test_net_positions_always_sum_to_minus_the_margin(issues, redemptions, modes) -> None:
    settlement = settle(inputs(issues, redemptions), EUR, modes)

    assert sum(p.net_position_minor for p in settlement.partners) == -settlement.margin_minor
    paid_in = sum(t.amount_minor for t in settlement.transfers if t.to_account == CLEARING_ACCOUNT)
    paid_out = sum(
        t.amount_minor for t in settlement.transfers if t.from_account == CLEARING_ACCOUNT
    )
    assert paid_in - paid_out == settlement.margin_minor
    assert all(t.amount_minor > 0 for t in settlement.transfers)


@given(st.lists(redemption_groups, max_size=12), roundings)
def test_every_redeemed_point_is_attributed_to_exactly_one_issuer(redemptions, modes) -> None:
    settlement = settle(inputs([], redemptions), EUR, modes)

    for partner in settlement.partners:
        column = [cell for cell in settlement.matrix if cell.redeemer_id == partner.partner_id]
        assert sum(cell.points for cell in column) == partner.redeemed.points
        assert sum(cell.redemption_value_minor for cell in column) == partner.redeemed.value_minor
    assert sum(cell.points for cell in settlement.matrix) == sum(g.points for g in redemptions)


@given(st.lists(redemption_groups, min_size=1, max_size=6), roundings)
def test_a_redemption_traced_to_no_issuer_is_refused(redemptions, modes) -> None:
    traced = inputs([], redemptions).redeemed_points
    off = {**traced, "air": traced.get("air", 0) + 1}

    with pytest.raises(InvariantViolation, match="traced to issuers' lots"):
        settle(inputs([], redemptions, redeemed=off), EUR, modes)


@given(points, prices, st.sampled_from(PARTNER_ROUNDINGS))
def test_a_refund_is_valued_exactly_as_what_it_reverses(amount, price, mode) -> None:
    assert signed_value_minor(-amount, price, EUR, mode) == -signed_value_minor(
        amount, price, EUR, mode
    )


def test_values_are_rounded_once_per_price_with_the_partners_mode() -> None:
    modes = dict.fromkeys(PARTNERS, Rounding.FLOOR) | {"fuel": Rounding.HALF_UP}
    # The database sums a partner's points per price first: 3 + 1 points at 0.00125 are
    # worth 0.5 minor units, which half-up makes 1 (rounding each would have made 0 + 0).
    merged = [
        IssueGroup("fuel", Funder.PARTNER, Decimal("0.00125"), 4),
        IssueGroup("coffee", Funder.PARTNER, Decimal("0.00999"), 100),  # 99.9 minor: floor 99
    ]

    settlement = settle(inputs(merged, []), EUR, modes)

    assert settlement.partner("fuel").issued_partner_funded.value_minor == 1
    assert settlement.partner("coffee").issued_partner_funded.value_minor == 99
    assert settlement.margin_minor == 100


def test_outstanding_points_carry_forward_with_the_days_lot_flows() -> None:
    price = Decimal("0.01")
    previous = (OutstandingGroup("coffee", price, 500),)
    flows = (
        LotFlowGroup("coffee", price, LotFlow.CREATED, 200),
        LotFlowGroup("coffee", price, LotFlow.REDEEMED, -300),
        LotFlowGroup("coffee", price, LotFlow.EXPIRED, -100),
        LotFlowGroup("coffee", price, LotFlow.ANNULLED, -50),
    )
    modes = dict.fromkeys(PARTNERS, Rounding.FLOOR)

    settlement = settle(inputs([], [], flows=flows, previous=previous), EUR, modes)

    coffee = settlement.partner("coffee")
    assert settlement.outstanding == (OutstandingGroup("coffee", price, 250),)
    assert (coffee.outstanding.points, coffee.outstanding.value_minor) == (250, 250)
    assert (coffee.expired.points, coffee.annulled.points) == (100, 50)
    assert (settlement.breakage.points, settlement.breakage.value_minor) == (100, 100)


def test_outstanding_points_below_zero_are_a_bug() -> None:
    flows = (LotFlowGroup("coffee", Decimal("0.01"), LotFlow.REDEEMED, -1),)

    with pytest.raises(InvariantViolation, match="below zero"):
        settle(inputs([], [], flows=flows), EUR, dict.fromkeys(PARTNERS, Rounding.FLOOR))
