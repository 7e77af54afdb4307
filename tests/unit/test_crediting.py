"""Debt first: the one posting function every credit to a member's points goes through."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain import crediting, holds, refunds
from hub.domain.accounts import (
    COALITION_BREAKAGE,
    member_available,
    member_debt,
    member_pending,
    partner_redeemed,
)
from hub.domain.currencies import currency
from hub.domain.invariants import InvariantViolation
from hub.domain.ledger import Entry, Phase, Totals, TransactionKind, totals_by_account
from hub.domain.lots import Lot, LotStatus, MovementKind
from hub.domain.money import Money, Rounding
from hub.domain.partners import DEFAULT_BURN_RULES, ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import Purchase
from hub.domain.rates import Rates, RateVersion

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EUR = currency("EUR")
MEMBER = uuid.uuid4()
AVAILABLE, PENDING, DEBT = member_available(MEMBER), member_pending(MEMBER), member_debt(MEMBER)
RATE = RateVersion(
    uuid.uuid4(), "air", NOW, Rates(Decimal(1), Decimal("0.01"), Decimal("0.01"), Decimal("0.009"))
)


def lot(
    points: int,
    *,
    remaining: int | None = None,
    expires_in_days: int | None = None,
    status: LotStatus = LotStatus.AVAILABLE,
) -> Lot:
    expires_at = NOW + timedelta(days=expires_in_days) if expires_in_days is not None else None
    left = points if remaining is None else remaining
    return Lot(
        uuid.uuid4(), MEMBER, "coffee", uuid.uuid4(), points, left, 0, status, NOW, NOW, expires_at
    )


def _sum(entries: tuple[Entry, ...]) -> int:
    return sum(entry.amount_points for entry in entries)


@given(points=st.integers(0, 10_000), debt=st.integers(0, 10_000))
def test_arriving_points_pay_the_debt_first_and_balance_their_counterpart(points, debt):
    credited = crediting.credit(AVAILABLE, points, debt, transaction_id=uuid.uuid4())
    assert credited.debt_paid_points == min(points, debt)
    assert credited.kept_points == points - min(points, debt)
    counterpart = Entry(partner_redeemed("air"), -points)
    assert _sum((counterpart, *credited.entries)) == 0
    totals = totals_by_account(credited.entries)
    assert totals.get(DEBT, Totals()).credits_posted == min(points, debt)


@given(
    given_points=st.lists(st.integers(0, 500), min_size=1, max_size=6),
    debt=st.integers(0, 5_000),
)
def test_points_in_lots_pay_the_debt_out_of_those_lots(given_points, debt):
    lots = [
        (lot(points + 7, expires_in_days=index), points)
        for index, points in enumerate(given_points)
    ]
    credited_points = sum(given_points)
    transaction_id = uuid.uuid4()
    credited = crediting.credit(
        AVAILABLE, credited_points, debt, transaction_id=transaction_id, lots=lots
    )
    paid = min(credited_points, debt)
    assert credited.debt_paid_points == paid
    assert _sum((Entry(PENDING, -credited_points), *credited.entries)) == 0
    assert -sum(m.points for m in credited.movements) == paid
    assert {m.kind for m in credited.movements} <= {MovementKind.DEBT_PAYMENT}
    assert all(m.transaction_id == transaction_id for m in credited.movements)
    before = {each.id: each for each, _ in lots}
    for after in credited.lots:
        taken = before[after.id].remaining_points - after.remaining_points
        assert 0 <= taken <= dict((each.id, g) for each, g in lots)[after.id]


@given(points=st.integers(0, 10_000), debt=st.integers(0, 10_000))
def test_released_points_move_only_what_pays_the_debt(points, debt):
    credited = crediting.credit(AVAILABLE, points, debt, transaction_id=uuid.uuid4(), released=True)
    paid = min(points, debt)
    assert _sum(credited.entries) == 0
    assert credited.entries == ((Entry(AVAILABLE, -paid), Entry(DEBT, paid)) if paid else ())


def test_debt_is_paid_out_of_the_soonest_expiring_lots_first():
    later, sooner = lot(50, expires_in_days=90), lot(50, expires_in_days=10)
    credited = crediting.credit(
        AVAILABLE, 100, 60, transaction_id=uuid.uuid4(), lots=[(later, 50), (sooner, 50)]
    )
    after = {each.id: each.remaining_points for each in credited.lots}
    assert after == {sooner.id: 0, later.id: 40}


def test_a_member_without_debt_keeps_every_point_and_no_lot_moves():
    credited = crediting.credit(AVAILABLE, 30, 0, transaction_id=uuid.uuid4(), lots=[(lot(30), 30)])
    assert (credited.debt_paid_points, credited.movements, credited.entries) == (
        0,
        (),
        (Entry(AVAILABLE, 30),),
    )


def test_credits_only_go_to_a_members_points():
    with pytest.raises(InvariantViolation):
        crediting.credit(COALITION_BREAKAGE, 10, 0, transaction_id=uuid.uuid4())
    with pytest.raises(InvariantViolation):
        crediting.credit(AVAILABLE, 10, 0, transaction_id=uuid.uuid4(), lots=[(lot(5), 5)])


def _held(points: int, lots: list[Lot]) -> holds.Authorization:
    partner = Partner(
        "air",
        "Air",
        EUR,
        Rounding.FLOOR,
        0,
        ExpiryPolicy.parse("never"),
        PartnerStatus.ACTIVE,
        burn_rules=DEFAULT_BURN_RULES,
    )
    return holds.authorize(
        hold_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        member_id=MEMBER,
        partner=partner,
        rate=RATE,
        purchase=Purchase(Money(10_000, EUR), "order-1"),
        points=points,
        value=Money(points, EUR),
        ttl_s=600,
        lots=lots,
        now=NOW,
    )


def test_a_void_pays_the_debt_out_of_the_lots_it_frees():
    authorized = _held(100, [lot(100)])
    voided = holds.release(
        authorized.hold,
        TransactionKind.VOID,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW,
        debt_points=70,
    )
    assert voided.debt_paid_points == 70
    [freed] = voided.lots.lots
    assert (freed.remaining_points, freed.reserved_points) == (30, 0)
    assert [(m.points, m.kind) for m in voided.lots.movements] == [(-70, MovementKind.DEBT_PAYMENT)]
    posted = [e for e in voided.lots.transaction.entries if e.phase is Phase.POSTED]
    assert posted == [Entry(AVAILABLE, -70), Entry(DEBT, 70)]


def test_a_refunded_redemption_pays_the_debt_before_the_member_gets_points_back():
    spent = lot(100, remaining=0, expires_in_days=30)
    authorized = _held(100, [lot(100)])
    captured = holds.capture(
        authorized.hold,
        100,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW,
        debt_points=0,
    ).hold
    refunding = refunds.refund_redemption(
        hold=captured,
        points=60,
        refunded_before=0,
        lots=[spent],
        consumed={spent.id: 100},
        transaction_id=uuid.uuid4(),
        now=NOW,
        debt_points=45,
    )
    assert (refunding.points_returned, refunding.debt_paid_points) == (60, 45)
    [refilled] = refunding.update.lots
    assert refilled.remaining_points == 15
    entries = refunding.update.transaction.entries
    assert _sum(entries) == 0
    assert set(entries) == {
        Entry(partner_redeemed("air"), -60),
        Entry(AVAILABLE, 15),
        Entry(DEBT, 45),
    }


def test_maturing_points_pay_the_debt_first():
    pending = lot(40, status=LotStatus.PENDING)
    matured = crediting.mature(MEMBER, [pending], uuid.uuid4(), NOW, debt_points=25)
    assert matured.debt_paid_points == 25
    assert matured.update.transaction is not None
    assert set(matured.update.transaction.entries) == {
        Entry(PENDING, -40),
        Entry(AVAILABLE, 15),
        Entry(DEBT, 25),
    }
    [after] = matured.update.lots
    assert (after.status, after.remaining_points) == (LotStatus.AVAILABLE, 15)


def test_a_refunds_debt_is_paid_out_of_the_points_the_member_still_has():
    other, pending = lot(50, expires_in_days=30), lot(20, status=LotStatus.PENDING)
    paid = crediting.pay_debt_from_available(
        MEMBER, 30, [other, pending], transaction_id=uuid.uuid4()
    )
    assert paid.debt_paid_points == 30
    assert paid.entries == (Entry(AVAILABLE, -30), Entry(DEBT, 30))
    assert {each.id: each.remaining_points for each in paid.lots} == {other.id: 20}
    short = crediting.pay_debt_from_available(MEMBER, 80, [other], transaction_id=uuid.uuid4())
    assert (short.debt_paid_points, short.lots[0].remaining_points) == (50, 0)


def test_the_rest_of_a_partial_capture_pays_the_debt_first():
    authorized = _held(100, [lot(100)])
    resolution = holds.capture(
        authorized.hold,
        30,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW,
        debt_points=50,
    )
    assert resolution.debt_paid_points == 50
    [after] = resolution.lots.lots
    assert (after.remaining_points, after.reserved_points) == (20, 0)
    assert sorted((m.kind, m.points) for m in resolution.lots.movements) == [
        (MovementKind.DEBT_PAYMENT, -50),
        (MovementKind.REDEMPTION, -30),
    ]
    posted = [e for e in resolution.lots.transaction.entries if e.phase is Phase.POSTED]
    assert _sum(tuple(posted)) == 0
    assert Entry(DEBT, 50) in posted


def _posted_change(entries: tuple[Entry, ...], account: object) -> int:
    return sum(e.amount_points for e in entries if e.account == account and e.phase is Phase.POSTED)


@given(
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=5),
    held_percent=st.integers(1, 100),
    captured_percent=st.integers(0, 100),
    debt=st.integers(0, 2_000),
)
def test_every_resolution_moves_lots_and_balances_alike_and_pays_at_most_what_it_frees(
    sizes, held_percent, captured_percent, debt
):
    lots = [lot(size, expires_in_days=index + 1) for index, size in enumerate(sizes)]
    held = max(1, sum(sizes) * held_percent // 100)
    captured = held * captured_percent // 100
    authorized = _held(held, lots)
    args = (authorized.lots, authorized.reservations, uuid.uuid4(), NOW)
    if captured:
        resolution = holds.capture(authorized.hold, captured, *args, debt_points=debt)
    else:
        resolution = holds.release(authorized.hold, TransactionKind.VOID, *args, debt_points=debt)
    freed = held - captured
    assert resolution.debt_paid_points == min(debt, freed)
    entries = resolution.lots.transaction.entries
    before = sum(each.remaining_points for each in authorized.lots)
    after = sum(each.remaining_points for each in resolution.lots.lots)
    assert after - before == _posted_change(entries, AVAILABLE)
    assert _posted_change(entries, DEBT) == resolution.debt_paid_points
    assert all(each.reserved_points == 0 for each in resolution.lots.lots)
