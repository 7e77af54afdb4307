"""``hub ledger verify`` finds each broken invariant; the database refuses to rewrite entries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.domain.accounts import member_available
from tests.integration.helpers import card, earn, enroll


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
    assert "no member balance below zero" in _broken(hub)


@pytest.mark.breaks_ledger
def test_an_earn_without_its_lot_is_reported(hub, member_id):
    _tamper(hub, "UPDATE lots SET points = points + 1, remaining_points = remaining_points + 1")
    assert "every earn has its lot" in _broken(hub)
