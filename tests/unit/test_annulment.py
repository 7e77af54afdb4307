import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.accounts import member_available, member_pending
from hub.domain.annulment import COALITION_ADJUSTMENTS, annul
from hub.domain.errors import InsufficientPoints, InvalidAmount
from hub.domain.ledger import Phase, TransactionKind
from hub.domain.lots import Lot, LotStatus, MovementKind

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MEMBER = uuid.uuid4()


def lot(
    points: int,
    *,
    age_days: int = 0,
    partner_id: str = "coffee",
    reserved: int = 0,
    remaining: int | None = None,
    status: LotStatus = LotStatus.AVAILABLE,
    member_id: uuid.UUID = MEMBER,
) -> Lot:
    created_at = NOW - timedelta(days=age_days)
    left = points if remaining is None else remaining
    return Lot(
        uuid.uuid4(),
        member_id,
        partner_id,
        uuid.uuid4(),
        points,
        left,
        reserved,
        status,
        created_at,
        created_at,
        None,
    )


def entries_by_account(annulment_entries: tuple[object, ...]) -> dict[object, int]:
    return {e.account: e.amount_points for e in annulment_entries}  # type: ignore[attr-defined]


def test_annulling_some_points_takes_them_from_the_newest_lots_first() -> None:
    old, middle, new = lot(100, age_days=30), lot(100, age_days=10), lot(100, age_days=1)
    annulment = annul(MEMBER, [old, new, middle], 150, uuid.uuid4(), NOW)
    moved = {m.lot_id: m.points for m in annulment.update.movements}
    assert moved == {new.id: -100, middle.id: -50}
    assert {x.id: x.remaining_points for x in annulment.update.lots} == {new.id: 0, middle.id: 50}
    assert all(m.kind is MovementKind.ANNULMENT for m in annulment.update.movements)
    assert annulment.points == 150


def test_annulling_all_takes_every_unreserved_point_and_leaves_reserved_ones() -> None:
    held = lot(100, reserved=60)
    free = lot(40, age_days=2)
    annulment = annul(MEMBER, [held, free], None, uuid.uuid4(), NOW)
    assert annulment.points == 80
    by_id = {x.id: x for x in annulment.update.lots}
    assert by_id[held.id].remaining_points == 60
    assert by_id[held.id].reserved_points == 60
    assert by_id[free.id].remaining_points == 0


def test_pending_points_leave_the_pending_account_and_available_ones_the_available_account() -> (
    None
):
    pending = lot(30, status=LotStatus.PENDING)
    available = lot(50, age_days=5)
    transaction_id = uuid.uuid4()
    annulment = annul(MEMBER, [pending, available], None, transaction_id, NOW)
    transaction = annulment.update.transaction
    assert transaction is not None
    assert transaction.id == transaction_id == annulment.transaction_id
    assert transaction.kind is TransactionKind.ANNULMENT
    assert transaction.member_id == MEMBER
    assert transaction.points == 80
    assert all(e.phase is Phase.POSTED for e in transaction.entries)
    assert entries_by_account(transaction.entries) == {
        member_pending(MEMBER): -30,
        member_available(MEMBER): -50,
        COALITION_ADJUSTMENTS: 80,
    }


def test_an_annulment_from_one_account_has_two_entries() -> None:
    annulment = annul(MEMBER, [lot(10)], None, uuid.uuid4(), NOW)
    assert annulment.update.transaction is not None
    assert entries_by_account(annulment.update.transaction.entries) == {
        member_available(MEMBER): -10,
        COALITION_ADJUSTMENTS: 10,
    }


def test_the_annulled_points_are_totalled_per_issuing_partner() -> None:
    lots = [lot(10, partner_id="fuel"), lot(20, partner_id="coffee"), lot(5, partner_id="fuel")]
    annulment = annul(MEMBER, lots, None, uuid.uuid4(), NOW)
    assert annulment.points_by_partner == (("coffee", 20), ("fuel", 15))


def test_asking_more_than_the_unreserved_points_is_refused() -> None:
    with pytest.raises(InsufficientPoints):
        annul(MEMBER, [lot(100, reserved=50)], 51, uuid.uuid4(), NOW)


def test_a_member_with_nothing_unreserved_has_nothing_to_annul() -> None:
    with pytest.raises(InsufficientPoints):
        annul(MEMBER, [lot(100, reserved=100), lot(10, remaining=0)], None, uuid.uuid4(), NOW)
    with pytest.raises(InsufficientPoints):
        annul(MEMBER, [], None, uuid.uuid4(), NOW)


@pytest.mark.parametrize("points", [0, -5, 10**12 + 1])
def test_a_non_positive_or_absurd_amount_is_invalid(points: int) -> None:
    with pytest.raises(InvalidAmount):
        annul(MEMBER, [lot(100)], points, uuid.uuid4(), NOW)


def test_another_members_lots_are_never_annulled() -> None:
    theirs = lot(100, member_id=uuid.uuid4())
    with pytest.raises(InsufficientPoints):
        annul(MEMBER, [theirs], None, uuid.uuid4(), NOW)


@given(
    st.lists(
        st.tuples(st.integers(1, 1000), st.integers(0, 1000), st.booleans()),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_an_annulment_balances_and_moves_exactly_what_it_posts(
    specs: list[tuple[int, int, bool]], data: st.DataObject
) -> None:
    lots = [
        lot(
            points,
            age_days=index,
            reserved=min(reserved, points),
            status=LotStatus.PENDING if pending else LotStatus.AVAILABLE,
        )
        for index, (points, reserved, pending) in enumerate(specs)
    ]
    unreserved = sum(x.unreserved_points for x in lots)
    if unreserved == 0:
        return
    points = data.draw(st.integers(1, unreserved))
    annulment = annul(MEMBER, lots, points, uuid.uuid4(), NOW)
    transaction = annulment.update.transaction
    assert transaction is not None
    assert sum(e.amount_points for e in transaction.entries) == 0
    assert -sum(m.points for m in annulment.update.movements) == points == annulment.points
    assert sum(p for _, p in annulment.points_by_partner) == points
    before = {x.id: x for x in lots}
    for changed in annulment.update.lots:
        assert changed.reserved_points == before[changed.id].reserved_points
        assert changed.remaining_points >= changed.reserved_points
