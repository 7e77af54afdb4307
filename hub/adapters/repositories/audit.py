"""The ledger invariants of DESIGN.md as set-based queries; each returns the rows that break one.

Every check runs inside the database over the whole ledger; none loads entries into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from hub.adapters.sql import Sql
from hub.adapters.tables import accounts, entries, lots, members, transactions
from hub.domain.accounts import AccountKind
from hub.domain.ledger import Phase, TransactionKind
from hub.domain.lots import LotStatus
from hub.services.unit_of_work import Violation

_MEMBER_KINDS = [AccountKind.MEMBER_AVAILABLE.value, AccountKind.MEMBER_PENDING.value]


def _summed(phase: Phase, *, debits: bool) -> sa.ColumnElement[int]:
    amount = entries.c.amount_points
    matches = sa.and_(entries.c.phase == phase.value, amount < 0 if debits else amount > 0)
    return sa.func.coalesce(sa.func.sum(sa.case((matches, sa.func.abs(amount)), else_=0)), 0)


def _unbalanced() -> sa.Select[tuple[object, ...]]:
    total = sa.func.sum(entries.c.amount_points)
    return (
        sa.select(entries.c.transaction_id.label("subject"), entries.c.phase, total.label("total"))
        .group_by(entries.c.transaction_id, entries.c.phase)
        .having(total != 0)
    )


def _too_few_entries() -> sa.Select[tuple[object, ...]]:
    count = sa.func.count(entries.c.line)
    return (
        sa.select(transactions.c.id.label("subject"), count.label("count"))
        .select_from(transactions.outerjoin(entries, entries.c.transaction_id == transactions.c.id))
        .group_by(transactions.c.id)
        .having(count < 2)
    )


_TOTAL_COLUMNS = {
    "debits_posted": (Phase.POSTED, True),
    "credits_posted": (Phase.POSTED, False),
    "debits_pending": (Phase.PENDING, True),
    "credits_pending": (Phase.PENDING, False),
}


def _totals_mismatch() -> sa.Select[tuple[object, ...]]:
    sums = {name: _summed(phase, debits=debits) for name, (phase, debits) in _TOTAL_COLUMNS.items()}
    kept = [accounts.c[name] for name in _TOTAL_COLUMNS]
    return (
        sa.select(
            accounts.c.code.label("subject"),
            *kept,
            *(total.label(f"sum_{name}") for name, total in sums.items()),
        )
        .select_from(accounts.outerjoin(entries, entries.c.account_id == accounts.c.id))
        .where(accounts.c.kind.in_(_MEMBER_KINDS))
        .group_by(accounts.c.id, accounts.c.code, *kept)
        .having(sa.or_(*(accounts.c[name] != total for name, total in sums.items())))
    )


def _lot_sums() -> sa.Subquery:
    def remaining(status: LotStatus) -> sa.ColumnElement[int]:
        return sa.func.sum(
            sa.case((lots.c.status == status.value, lots.c.remaining_points), else_=0)
        )

    return (
        sa.select(
            lots.c.member_id,
            remaining(LotStatus.AVAILABLE).label("available"),
            remaining(LotStatus.PENDING).label("pending"),
            sa.func.sum(lots.c.reserved_points).label("reserved"),
        )
        .group_by(lots.c.member_id)
        .subquery("lot_sums")
    )


def _member_balances() -> sa.Subquery:
    available = accounts.alias("available")
    pending = accounts.alias("pending")
    return (
        sa.select(
            members.c.id.label("member_id"),
            (available.c.credits_posted - available.c.debits_posted).label("available"),
            (available.c.debits_pending - available.c.credits_pending).label("reserved"),
            (pending.c.credits_posted - pending.c.debits_posted).label("pending"),
        )
        .join(
            available,
            sa.and_(
                available.c.member_id == members.c.id,
                available.c.kind == AccountKind.MEMBER_AVAILABLE.value,
            ),
        )
        .join(
            pending,
            sa.and_(
                pending.c.member_id == members.c.id,
                pending.c.kind == AccountKind.MEMBER_PENDING.value,
            ),
        )
        .subquery("balances")
    )


def _lots_mismatch() -> sa.Select[tuple[object, ...]]:
    balances, sums = _member_balances(), _lot_sums()

    def lot_sum(name: str) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sums.c[name], 0)

    return (
        sa.select(
            balances.c.member_id.label("subject"),
            *(balances.c[name] for name in ("available", "pending", "reserved")),
            *(lot_sum(name).label(f"lots_{name}") for name in ("available", "pending", "reserved")),
        )
        .select_from(balances.outerjoin(sums, sums.c.member_id == balances.c.member_id))
        .where(
            sa.or_(
                *(
                    balances.c[name] != lot_sum(name)
                    for name in ("available", "pending", "reserved")
                )
            )
        )
    )


def _negative_balances() -> sa.Select[tuple[object, ...]]:
    balances = _member_balances()
    spendable = balances.c.available - balances.c.reserved
    return sa.select(
        balances.c.member_id.label("subject"), spendable.label("spendable"), balances.c.pending
    ).where(sa.or_(spendable < 0, balances.c.pending < 0))


def _earns_without_their_lot() -> sa.Select[tuple[object, ...]]:
    lot_points = sa.func.coalesce(sa.func.sum(lots.c.points), 0)
    return (
        sa.select(
            transactions.c.id.label("subject"),
            transactions.c.points,
            lot_points.label("lot_points"),
        )
        .select_from(transactions.outerjoin(lots, lots.c.earn_transaction_id == transactions.c.id))
        .where(transactions.c.kind == TransactionKind.EARN.value)
        .group_by(transactions.c.id, transactions.c.points)
        .having(transactions.c.points != lot_points)
    )


Describe = Callable[[dict[str, object]], str]

CHECKS: list[tuple[str, sa.Select[tuple[object, ...]], Describe]] = [
    (
        "transactions sum to zero",
        _unbalanced(),
        lambda r: f"{r['phase']} entries sum to {r['total']}",
    ),
    (
        "transactions have two or more entries",
        _too_few_entries(),
        lambda r: f"{r['count']} entries",
    ),
    (
        "running totals equal the sum of entries",
        _totals_mismatch(),
        lambda r: ", ".join(
            f"{n} {r[n]} but entries say {r['sum_' + n]}"
            for n in _TOTAL_COLUMNS
            if r[n] != r["sum_" + n]
        ),
    ),
    (
        "lot remainders equal the member's balance",
        _lots_mismatch(),
        lambda r: ", ".join(
            f"{n} {r[n]} but lots say {r['lots_' + n]}"
            for n in ("available", "pending", "reserved")
            if r[n] != r["lots_" + n]
        ),
    ),
    (
        "no member balance below zero",
        _negative_balances(),
        lambda r: f"spendable {r['spendable']}, pending {r['pending']}",
    ),
    (
        "every earn has its lot",
        _earns_without_their_lot(),
        lambda r: f"earned {r['points']} but lots hold {r['lot_points']}",
    ),
]
"""Name, query and how to describe one offending row, for each invariant."""

_COUNTS = {
    table.name: sa.select(sa.func.count().label("n")).select_from(table)
    for table in (transactions, entries, accounts, lots)
}


class SqlAuditQueries:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def names(self) -> Sequence[str]:
        return [name for name, _, _ in CHECKS]

    def violations(self, limit: int) -> Sequence[Violation]:
        """Up to ``limit`` offending rows per invariant."""
        found: list[Violation] = []
        for name, query, describe in CHECKS:
            for row in self._sql.rows(query.limit(limit)):
                found.append(Violation(name, str(row["subject"]), describe(dict(row))))
        return found

    def counts(self) -> dict[str, int]:
        return {name: int(self._sql.rows(query)[0]["n"]) for name, query in _COUNTS.items()}
