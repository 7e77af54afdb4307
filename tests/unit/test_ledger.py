import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.accounts import (
    COALITION_ACCOUNTS,
    Account,
    AccountKind,
    member_available,
    partner_issued,
)
from hub.domain.invariants import InvariantViolation
from hub.domain.ledger import (
    Entry,
    Phase,
    Totals,
    Transaction,
    TransactionKind,
    totals_by_account,
    transfer,
)
from hub.domain.lots import Lot, LotStatus

MEMBER = uuid.uuid4()
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_account_ids_are_derived_from_their_codes():
    account = member_available(MEMBER)
    assert account.code == f"member:{MEMBER}:available"
    assert account.id == member_available(MEMBER).id != partner_issued("coffee").id
    assert [a.code for a in COALITION_ACCOUNTS] == [
        "coalition:breakage",
        "coalition:adjustments",
        "coalition:campaigns",
    ]


def test_only_member_accounts_keep_running_totals():
    assert {kind for kind in AccountKind if kind.keeps_totals} == {
        AccountKind.MEMBER_AVAILABLE,
        AccountKind.MEMBER_PENDING,
        AccountKind.MEMBER_DEBT,
    }


def test_a_transfer_debits_one_account_and_credits_the_other():
    debit, credit = transfer(partner_issued("coffee"), member_available(MEMBER), 5)
    assert (debit.amount_points, credit.amount_points) == (-5, 5)


def test_a_transfer_of_negative_points_is_a_bug():
    with pytest.raises(InvariantViolation):
        transfer(partner_issued("coffee"), member_available(MEMBER), -1)


def _transaction(entries: tuple[Entry, ...]) -> Transaction:
    return Transaction(uuid.uuid4(), TransactionKind.ADJUSTMENT, NOW, entries, points=0)


def test_a_transaction_must_balance_within_each_phase():
    issued, available = partner_issued("coffee"), member_available(MEMBER)
    with pytest.raises(InvariantViolation, match="posted entries sum to 1"):
        _transaction((Entry(issued, -4), Entry(available, 5)))
    with pytest.raises(InvariantViolation, match="pending entries sum to -3"):
        _transaction((Entry(issued, -5), Entry(available, 5), Entry(available, -3, Phase.PENDING)))


def test_a_transaction_needs_two_entries():
    with pytest.raises(InvariantViolation, match="two or more"):
        _transaction((Entry(member_available(MEMBER), 0),))


def test_running_totals_only_grow_and_net_to_the_balance():
    available = member_available(MEMBER)
    entries = [
        Entry(available, 10),
        Entry(available, -3),
        Entry(available, -4, Phase.PENDING),
        Entry(available, 4, Phase.PENDING),
    ]
    totals = totals_by_account(entries)[available]
    assert totals == Totals(debits_posted=3, credits_posted=10, debits_pending=4, credits_pending=4)
    assert (totals.posted_points, totals.reserved_points) == (7, 0)


accounts = st.sampled_from(
    [member_available(MEMBER), partner_issued("coffee"), Account(AccountKind.COALITION_BREAKAGE)]
)


@given(
    st.lists(
        st.tuples(accounts, accounts, st.integers(0, 10**6), st.sampled_from(list(Phase))),
        min_size=1,
    )
)
def test_totals_of_balanced_transfers_net_to_zero_across_accounts(moves):
    entries = [
        entry
        for debit, credit, points, phase in moves
        for entry in transfer(debit, credit, points, phase)
    ]
    totals = totals_by_account(entries).values()
    assert sum(t.posted_points for t in totals) == 0
    assert sum(t.reserved_points for t in totals) == 0
    assert all(
        min(t.debits_posted, t.credits_posted, t.debits_pending, t.credits_pending) >= 0
        for t in totals
    )


def test_a_lot_cannot_reserve_more_than_it_holds():
    with pytest.raises(InvariantViolation):
        Lot(
            uuid.uuid4(),
            MEMBER,
            "coffee",
            uuid.uuid4(),
            10,
            5,
            6,
            LotStatus.AVAILABLE,
            NOW,
            NOW,
            None,
        )
