"""Member merge, the pure part: what a move posts, for any lots and debts (a property), and the
refusals decided before anything is read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.accounts import member_available, member_debt, member_pending
from hub.domain.errors import (
    InvalidField,
    MemberAlreadyMerged,
    MemberHasPendingHolds,
    MemberNotActive,
)
from hub.domain.invariants import InvariantViolation
from hub.domain.ledger import Phase, TransactionKind, totals_by_account
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import Member, MemberStatus
from hub.domain.merge import check_members, check_no_holds, lots_of_merge, move

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
A, B = uuid.uuid4(), uuid.uuid4()


def lot(owner: uuid.UUID, remaining: int, status: LotStatus, reserved: int = 0) -> Lot:
    return Lot(
        uuid.uuid4(),
        owner,
        "fuel",
        uuid.uuid4(),
        1_000,
        remaining,
        reserved,
        status,
        NOW,
        NOW,
        None,
    )


def balance(transaction, account) -> int:
    totals = totals_by_account(transaction.entries) if transaction else {}
    found = totals.get(account)
    return found.posted_points if found else 0


lots_strategy = st.lists(
    st.tuples(st.integers(0, 1_000), st.sampled_from(list(LotStatus))), max_size=5
)


@given(
    absorbed=lots_strategy, survivor=lots_strategy, debts=st.tuples(*[st.integers(0, 3_000)] * 2)
)
def test_a_move_balances_and_leaves_no_points_to_spend_while_owing(absorbed, survivor, debts):
    b_lots = [lot(B, points, status) for points, status in absorbed]
    a_lots = [lot(A, points, status) for points, status in survivor]
    b_debt, a_debt = debts
    available_a = sum(p for p, s in survivor if s is LotStatus.AVAILABLE)
    a_debt = 0 if available_a else a_debt  # a member never owes while holding points

    moved = move(
        B,
        A,
        b_lots,
        debt_points=b_debt,
        receiver_debt_points=a_debt,
        receiver_lots=a_lots,
        kind=TransactionKind.MERGE,
        transaction_id=uuid.uuid4(),
        now=NOW,
        survivor_id=A,
    )

    transaction = moved.update.transaction
    assert transaction is None or all(e.phase is Phase.POSTED for e in transaction.entries)
    assert balance(transaction, member_available(B)) == -sum(
        p for p, s in absorbed if s is LotStatus.AVAILABLE
    )
    assert balance(transaction, member_pending(B)) == -sum(
        p for p, s in absorbed if s is LotStatus.PENDING
    )
    assert balance(transaction, member_debt(B)) == b_debt
    spendable = available_a + sum(p for p, s in absorbed if s is LotStatus.AVAILABLE)
    assert moved.debt_paid_points == min(spendable, a_debt + b_debt)
    owners = {changed.member_id for changed in moved.update.lots}
    assert owners <= {A}
    left = sum(c.remaining_points for c in moved.update.lots if c.status is LotStatus.AVAILABLE)
    assert left == 0 or moved.debt_paid_points == a_debt + b_debt


def test_a_move_of_reserved_lots_is_a_bug():
    with pytest.raises(InvariantViolation):
        move(
            B,
            A,
            [lot(B, 10, LotStatus.AVAILABLE, reserved=5)],
            debt_points=0,
            receiver_debt_points=0,
            receiver_lots=[],
            kind=TransactionKind.MERGE,
            transaction_id=uuid.uuid4(),
            now=NOW,
            survivor_id=A,
        )


def member(status: MemberStatus, member_id: uuid.UUID = A) -> Member:
    return Member(member_id, status, NOW)


@pytest.mark.parametrize(
    ("survivor", "absorbed", "error"),
    [
        (member(MemberStatus.ACTIVE), member(MemberStatus.ACTIVE), InvalidField),
        (member(MemberStatus.ACTIVE), member(MemberStatus.MERGED, B), MemberAlreadyMerged),
        (member(MemberStatus.MERGED), member(MemberStatus.ACTIVE, B), MemberAlreadyMerged),
        (member(MemberStatus.FROZEN), member(MemberStatus.ACTIVE, B), MemberNotActive),
        (member(MemberStatus.ACTIVE), member(MemberStatus.ERASED, B), MemberNotActive),
    ],
)
def test_members_a_merge_refuses(survivor, absorbed, error):
    with pytest.raises(error):
        check_members(survivor, absorbed)


def test_pending_holds_refuse_and_none_pass():
    check_no_holds(B, 0)
    with pytest.raises(MemberHasPendingHolds):
        check_no_holds(B, 2)


def test_an_unmerge_takes_the_merged_lots_with_points_still_the_survivors():
    kept, spent, elsewhere = (
        lot(A, 5, LotStatus.AVAILABLE),
        lot(A, 0, LotStatus.AVAILABLE),
        lot(B, 7, LotStatus.AVAILABLE),
    )
    assert lots_of_merge([kept, spent, elsewhere], A) == [kept]
    with pytest.raises(MemberHasPendingHolds):
        lots_of_merge([lot(A, 5, LotStatus.AVAILABLE, reserved=1)], A)
