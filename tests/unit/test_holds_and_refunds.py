import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain import holds, refunds
from hub.domain.crediting import mature
from hub.domain.currencies import currency
from hub.domain.errors import (
    BelowMinimumRedemption,
    ExceedsPayableAmount,
    HoldAlreadyCaptured,
    HoldExpired,
    InsufficientPoints,
    RefundExceedsOriginal,
)
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot, LotStatus, MovementKind, expire
from hub.domain.money import Money, Rounding
from hub.domain.partners import DEFAULT_BURN_RULES, BurnRules, ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import LineItem, Purchase
from hub.domain.rates import Rates, RateVersion

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EUR = currency("EUR")
MEMBER = uuid.uuid4()
RATE = RateVersion(
    uuid.uuid4(), "air", NOW, Rates(Decimal(1), Decimal("0.01"), Decimal("0.01"), Decimal("0.009"))
)


def lot(
    points: int,
    expires_in_days: int | None,
    *,
    reserved: int = 0,
    status: LotStatus = LotStatus.AVAILABLE,
) -> Lot:
    expires_at = NOW + timedelta(days=expires_in_days) if expires_in_days is not None else None
    return Lot(
        uuid.uuid4(),
        MEMBER,
        "coffee",
        uuid.uuid4(),
        points,
        points,
        reserved,
        status,
        NOW,
        NOW,
        expires_at,
    )


def partner(rules: BurnRules = DEFAULT_BURN_RULES) -> Partner:
    return Partner(
        "air",
        "Air",
        EUR,
        Rounding.FLOOR,
        0,
        ExpiryPolicy.parse("never"),
        PartnerStatus.ACTIVE,
        burn_rules=rules,
    )


def test_reservation_takes_the_earliest_expiring_unreserved_points_first():
    late, soon, never = lot(50, 90), lot(30, 10, reserved=10), lot(100, None)
    reserved, reservations = holds.reserve([never, late, soon], 60, NOW)
    assert [(r.lot_id, r.points) for r in reservations] == [(soon.id, 20), (late.id, 40)]
    assert {each.id: each.reserved_points for each in reserved} == {soon.id: 30, late.id: 40}


def test_expired_and_pending_points_cannot_be_reserved():
    with pytest.raises(InsufficientPoints):
        holds.reserve([lot(50, -1), lot(50, 30, status=LotStatus.PENDING)], 1, NOW)


def test_burn_rules_apply_to_the_eligible_part_of_the_receipt():
    rules = BurnRules(
        min_points=10, max_share=Decimal("0.5"), excluded_categories=frozenset({"gift"})
    )
    receipt = Purchase(
        Money(10_000, EUR), "o", (LineItem("card", "gift", 4_000), LineItem("shoe", "wear", 6_000))
    )
    assert holds.points_to_redeem(300_000 // 100, receipt, partner(rules), RATE) == Money(
        3_000, EUR
    )
    with pytest.raises(ExceedsPayableAmount):
        holds.points_to_redeem(3_001, receipt, partner(rules), RATE)
    with pytest.raises(BelowMinimumRedemption):
        holds.points_to_redeem(9, receipt, partner(rules), RATE)


def _authorized(points: int, lots: list[Lot]) -> holds.Authorization:
    return holds.authorize(
        hold_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        member_id=MEMBER,
        partner=partner(),
        rate=RATE,
        purchase=Purchase(Money(100_000, EUR), "o"),
        points=points,
        value=Money(points, EUR),
        ttl_s=900,
        lots=lots,
        now=NOW,
    )


def test_a_capture_consumes_earliest_expiry_first_and_releases_every_reservation():
    first, second = lot(30, 5), lot(100, 50)
    authorized = _authorized(80, [second, first])
    resolution = holds.capture(
        authorized.hold,
        50,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW,
        debt_points=0,
    )
    after = {each.id: each for each in resolution.lots.lots}
    assert (after[first.id].remaining_points, after[second.id].remaining_points) == (0, 80)
    assert all(each.reserved_points == 0 for each in after.values())
    assert sorted(m.points for m in resolution.lots.movements) == [-30, -20]
    assert {m.kind for m in resolution.lots.movements} == {MovementKind.REDEMPTION}
    with pytest.raises(HoldAlreadyCaptured):
        resolution.hold.check_resolvable(NOW)


def test_a_hold_past_its_expiry_cannot_be_resolved_by_the_partner():
    authorized = _authorized(10, [lot(30, 5)])
    with pytest.raises(HoldExpired):
        holds.capture(
            authorized.hold,
            10,
            authorized.lots,
            authorized.reservations,
            uuid.uuid4(),
            NOW + timedelta(hours=1),
            debt_points=0,
        )
    expired = holds.release(
        authorized.hold,
        TransactionKind.HOLD_EXPIRY,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW + timedelta(hours=1),
        debt_points=0,
    )
    assert expired.hold.status is holds.HoldStatus.EXPIRED


EARN = refunds.EarnRecord(uuid.uuid4(), "coffee", MEMBER, 19, Money(1_999, EUR))


@given(st.lists(st.integers(1, 1_999), min_size=1, max_size=8))
def test_partial_refunds_reverse_exactly_the_earned_points_once_the_purchase_is_refunded(parts):
    refunded, reversed_points = 0, 0
    for part in parts:
        part = min(part, 1_999 - refunded)
        if part == 0:
            break
        reversed_points += refunds.points_to_reverse(EARN, refunded, Money(part, EUR))
        refunded += part
        assert reversed_points * 1_999 >= 19 * refunded  # never less than the refunded share
    if refunded < 1_999:
        reversed_points += refunds.points_to_reverse(EARN, refunded, Money(1_999 - refunded, EUR))
    assert reversed_points == 19


def test_a_refund_beyond_the_purchase_is_refused():
    with pytest.raises(RefundExceedsOriginal):
        refunds.points_to_reverse(EARN, 1_500, Money(500, EUR))


def test_a_refund_of_spent_points_records_debt_for_the_rest():
    spent = Lot(
        uuid.uuid4(), MEMBER, "coffee", EARN.id, 19, 4, 0, LotStatus.AVAILABLE, NOW, NOW, None
    )
    refunding = refunds.refund_earn(
        earn=EARN,
        lot=spent,
        expired_points=0,
        plan=refunds.plan_earn_refund(
            EARN, refunds.RefundAsked(Money(1_999, EUR)), refunds.NO_PRIOR_REFUNDS
        ),
        transaction_id=uuid.uuid4(),
        now=NOW,
    )
    assert (refunding.available_reversed, refunding.debt, refunding.from_breakage) == (4, 15, 0)


def test_maturation_and_expiry_balance_and_record_what_left_the_lots():
    pending = lot(40, None, status=LotStatus.PENDING)
    matured = mature(MEMBER, [pending], uuid.uuid4(), NOW, debt_points=0).update
    assert matured.transaction is not None
    assert matured.transaction.points == 40
    assert matured.lots[0].status is LotStatus.AVAILABLE
    old = lot(50, -1, reserved=20)
    expired = expire(MEMBER, [old], uuid.uuid4(), NOW)
    assert (expired.lots[0].remaining_points, expired.movements[0].points) == (20, -30)
