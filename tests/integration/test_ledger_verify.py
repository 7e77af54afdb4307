"""``hub ledger verify`` finds each broken invariant; the database refuses to rewrite entries."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from hub.domain.accounts import member_available
from hub.domain.currencies import currency
from hub.domain.money import Money
from hub.services.commands import RefundEarn
from tests.integration.helpers import authorize, capture, card, earn, enroll


def _tamper(hub, *statements: str) -> None:
    """Run ``statements`` with the append-only triggers out of the way, as an attacker would."""
    with hub.engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for name in (
                "entries_no_update",
                "entries_no_delete",
                "transactions_no_update",
                "transactions_no_update_but_xid",
                "transactions_no_delete",
            ):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        for statement in statements:
            connection.exec_driver_sql(statement)


def _broken(hub) -> set[str]:
    return {violation.invariant for violation in hub.operator.verify_ledger().violations}


@pytest.fixture
def member_id(hub, coffee):
    member = enroll(hub)
    earn(hub, card(), 2000)
    return member.member_id


def _account(member_id) -> str:
    return member_available(member_id).id.hex


def test_a_clean_ledger_verifies(hub, member_id):
    report = hub.operator.verify_ledger()
    assert report.ok
    assert report.counts["transactions"] == 1
    assert report.counts["entries"] == 2
    assert "transactions sum to zero" in report.checks


@pytest.mark.parametrize(
    "statement", ["UPDATE entries SET amount_points = 0", "DELETE FROM entries"]
)
def test_the_database_refuses_to_rewrite_the_ledger(hub, member_id, statement):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), hub.engine.begin() as connection:
        connection.exec_driver_sql(statement)


@pytest.mark.breaks_ledger
def test_an_unbalanced_transaction_is_reported(hub, member_id):
    _tamper(hub, "UPDATE entries SET amount_points = amount_points + 1 WHERE amount_points < 0")
    assert "transactions sum to zero" in _broken(hub)


@pytest.mark.breaks_ledger
def test_a_transaction_with_one_entry_is_reported(hub, member_id):
    _tamper(hub, "DELETE FROM entries WHERE amount_points < 0")
    assert {"transactions have two or more entries", "transactions sum to zero"} <= _broken(hub)


@pytest.mark.breaks_ledger
def test_running_totals_that_drift_from_the_entries_are_reported(hub, member_id):
    _tamper(
        hub,
        "UPDATE accounts SET credits_posted = credits_posted + 5 WHERE kind = 'member_available'",
    )
    assert "running totals equal the sum of entries" in _broken(hub)


@pytest.mark.breaks_ledger
def test_lots_that_disagree_with_the_balance_are_reported(hub, member_id):
    _tamper(hub, "UPDATE lots SET remaining_points = remaining_points - 1")
    assert "lot remainders equal the member's balance" in _broken(hub)


@pytest.mark.breaks_ledger
def test_a_negative_balance_is_reported(hub, member_id):
    _tamper(
        hub,
        "UPDATE accounts SET debits_pending = 50 WHERE kind = 'member_available'",
        "UPDATE lots SET reserved_points = remaining_points",
    )
    assert "no member balance below zero except recorded refund debt" in _broken(hub)


@pytest.mark.breaks_ledger
def test_an_earn_without_its_lot_is_reported(hub, member_id):
    _tamper(hub, "UPDATE lots SET points = points + 1, remaining_points = remaining_points + 1")
    assert "every earn credits the member its lot" in _broken(hub)


@pytest.fixture
def hold_id(hub, member_id):
    return authorize(hub, card(), 5).hold_id.hex


@pytest.mark.breaks_ledger
def test_a_lot_whose_remainder_disagrees_with_its_movements_is_reported(hub, member_id):
    _tamper(
        hub,
        "UPDATE lots SET remaining_points = remaining_points - 1",
        "UPDATE accounts SET credits_posted = credits_posted - 1 WHERE kind = 'member_available'",
    )
    assert "lot remainders equal their points plus their movements" in _broken(hub)


@pytest.mark.breaks_ledger
def test_a_reservation_without_its_hold_is_reported(hub, hold_id):
    _tamper(hub, "UPDATE holds SET status = 'voided'")
    assert "reserved points are the pending holds' reservations" in _broken(hub)


@pytest.mark.breaks_ledger
def test_a_hold_resolved_twice_is_reported(hub, hold_id):
    capture(hub, uuid.UUID(hold_id))
    _tamper(hub, "UPDATE holds SET status = 'pending'")
    assert "each hold resolved at most once" in _broken(hub)


@pytest.mark.breaks_ledger
def test_a_debt_account_in_credit_is_reported(hub, member_id):
    _tamper(
        hub,
        "UPDATE accounts SET credits_posted = 3 WHERE kind = 'member_debt'",
    )
    assert "no member balance below zero except recorded refund debt" in _broken(hub)


@pytest.mark.breaks_ledger
def test_available_points_while_in_debt_are_reported(hub, member_id):
    # The member has 20 points to spend; a debt no credit paid first is written beside them.
    _tamper(hub, "UPDATE accounts SET debits_posted = 5 WHERE kind = 'member_debt'")
    broken = hub.operator.verify_ledger().violations
    [found] = [
        v for v in broken if v.invariant == "no member has available points and debt at once"
    ]
    assert (found.subject, found.detail) == (
        str(member_id),
        "20 points available while owing 5",
    )


@pytest.mark.breaks_ledger
def test_refunds_beyond_their_original_are_reported(hub, member_id):
    [earn_id] = _ids(hub, "SELECT id FROM transactions WHERE kind = 'earn'")
    refund = RefundEarn("coffee", "r-1", earn_id, Money(1_000, currency("EUR")))
    hub.partner_api().refund_earn(refund)
    _tamper(hub, "UPDATE transactions SET purchase_amount_minor = 5000 WHERE kind = 'refund_earn'")
    assert "refunds never exceed the original" in _broken(hub)


def _ids(hub, query: str) -> list[uuid.UUID]:
    with hub.engine.connect() as connection:
        return [uuid.UUID(str(value)) for value in connection.exec_driver_sql(query).scalars()]
