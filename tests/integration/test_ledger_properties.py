"""Property: whatever mix of partners, rates, pending periods and purchases, the ledger holds."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.partners import ExpiryPolicy
from tests.conftest import add_partner, rates
from tests.integration.helpers import card, earn, enroll

partner_setups = st.tuples(
    st.decimals(min_value=0, max_value=20, places=3),  # earn rate
    st.sampled_from([0, 3600, 48 * 3600]),  # pending period
    st.sampled_from(["never", "months:1", "end-of-month:6"]),
)
purchases = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(1, 500_000)),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(setups=st.lists(partner_setups, min_size=3, max_size=3), baskets=purchases)
def test_random_earns_keep_every_ledger_invariant(hub, setups, baskets):
    run = uuid.uuid4().hex[:6]
    partner_ids = []
    for index, (earn_rate, pending_period_s, expiry) in enumerate(setups):
        partner_id = f"p{run}-{index}"
        add_partner(
            hub,
            partner_id,
            rates=rates(earn_rate=str(earn_rate)),
            pending_period_s=pending_period_s,
            expiry=ExpiryPolicy.parse(expiry),
        )
        partner_ids.append(partner_id)
    cards = [card(f"6{run_digit}{uuid.uuid4().int % 10**14:014d}") for run_digit in "01234"]
    for member_card in cards:
        enroll(hub, partner_ids[0], member_card)
    credited = {member_card: 0 for member_card in cards}
    for partner_index, member_index, amount_minor in baskets:
        earned = earn(hub, cards[member_index], amount_minor, partner_id=partner_ids[partner_index])
        credited[cards[member_index]] += earned.points
        assert earned.points == int(Decimal(amount_minor) / 100 * setups[partner_index][0])
    report = hub.operator.verify_ledger()
    assert report.violations == ()
    for member_card, points in credited.items():
        summary = hub.inspect_member(member_card)
        assert summary.balance.available_points + summary.balance.pending_points == points
