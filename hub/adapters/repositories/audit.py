"""The ledger invariants of DESIGN.md as set-based queries; each returns the rows that break one.

Every check runs inside the database over the whole ledger; none loads entries into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from hub.adapters.sql import Sql
from hub.adapters.tables import (
    accounts,
    entries,
    hold_lots,
    holds,
    lot_movements,
    lots,
    members,
    transactions,
)
from hub.domain.accounts import AccountKind
from hub.domain.holds import OPEN_HOLD_STATUSES
from hub.domain.ledger import Phase, TransactionKind
from hub.domain.lots import LotStatus, MovementKind
from hub.services.ports.audit import Violation

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
    debt = accounts.alias("debt")
    owed = (debt.c.debits_posted - debt.c.credits_posted).label("owed")
    return (
        sa.select(
            balances.c.member_id.label("subject"),
            spendable.label("spendable"),
            balances.c.pending,
            owed,
        )
        .join(
            debt,
            sa.and_(
                debt.c.member_id == balances.c.member_id,
                debt.c.kind == AccountKind.MEMBER_DEBT.value,
            ),
        )
        # Debt is recorded in its own account, which may only ever be owed, never owing.
        .where(sa.or_(spendable < 0, balances.c.pending < 0, owed < 0))
    )


def _available_while_in_debt() -> sa.Select[tuple[object, ...]]:
    """Members who could spend points while owing some: every credit pays debt first."""
    balances = _member_balances()
    spendable = balances.c.available - balances.c.reserved
    debt = accounts.alias("debt")
    owed = debt.c.debits_posted - debt.c.credits_posted
    return (
        sa.select(
            balances.c.member_id.label("subject"), spendable.label("spendable"), owed.label("owed")
        )
        .join(
            debt,
            sa.and_(
                debt.c.member_id == balances.c.member_id,
                debt.c.kind == AccountKind.MEMBER_DEBT.value,
            ),
        )
        .where(spendable > 0, owed > 0)
    )


def _resolutions_per_hold() -> sa.Subquery:
    resolved_by = (
        TransactionKind.CAPTURE.value,
        TransactionKind.VOID.value,
        TransactionKind.HOLD_EXPIRY.value,
    )
    return (
        sa.select(transactions.c.related_id, sa.func.count().label("resolutions"))
        .where(transactions.c.kind.in_(resolved_by))
        .group_by(transactions.c.related_id)
        .subquery("resolutions")
    )


_OPEN_HOLD = sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES))


def _holds_resolved_once() -> sa.Select[tuple[object, ...]]:
    resolutions = _resolutions_per_hold()
    count = sa.func.coalesce(resolutions.c.resolutions, 0)
    expected = sa.case((_OPEN_HOLD, 0), else_=1)
    return (
        sa.select(holds.c.id.label("subject"), holds.c.status, count.label("resolutions"))
        .select_from(
            holds.outerjoin(resolutions, resolutions.c.related_id == holds.c.transaction_id)
        )
        .where(count != expected)
    )


def _lot_history() -> sa.Select[tuple[object, ...]]:
    moved = sa.func.coalesce(sa.func.sum(lot_movements.c.points), 0)
    return (
        sa.select(
            lots.c.id.label("subject"), lots.c.points, lots.c.remaining_points, moved.label("moved")
        )
        .select_from(lots.outerjoin(lot_movements, lot_movements.c.lot_id == lots.c.id))
        .group_by(lots.c.id, lots.c.points, lots.c.remaining_points)
        .having(lots.c.remaining_points != lots.c.points + moved)
    )


def _movement_keys() -> sa.Select[tuple[object, ...]]:
    """Movements whose settlement keys, copied at posting, differ from their lot's and
    transaction's (a redemption's price is its capture's, or for a refund its hold's)."""
    posted, hold = transactions.alias("posted"), transactions.alias("hold")
    redemption = lot_movements.c.kind == MovementKind.REDEMPTION.value
    redeemer = sa.case((redemption, posted.c.partner_id))
    price = sa.case(
        (redemption, sa.func.coalesce(posted.c.redemption_price, hold.c.redemption_price))
    )
    copies = (
        (lot_movements.c.posted_at, posted.c.created_at),
        (lot_movements.c.xid, posted.c.xid),
        (lot_movements.c.issuer_id, lots.c.partner_id),
        (lot_movements.c.issue_price, lots.c.issue_price),
        (lot_movements.c.redeemer_id, redeemer),
        (lot_movements.c.redemption_price, price),
    )
    return (
        sa.select(
            lot_movements.c.transaction_id.label("subject"),
            lot_movements.c.line,
            lot_movements.c.issuer_id,
            lot_movements.c.redeemer_id,
        )
        .select_from(
            lot_movements.join(posted, posted.c.id == lot_movements.c.transaction_id)
            .join(lots, lots.c.id == lot_movements.c.lot_id)
            .outerjoin(hold, hold.c.id == posted.c.related_id)
        )
        .where(sa.or_(*(copy.is_distinct_from(source) for copy, source in copies)))
    )


def _reservations() -> sa.Select[tuple[object, ...]]:
    pending = (
        sa.select(hold_lots.c.lot_id, sa.func.sum(hold_lots.c.points).label("held"))
        .join(holds, holds.c.id == hold_lots.c.hold_id)
        .where(_OPEN_HOLD)
        .group_by(hold_lots.c.lot_id)
        .subquery("pending_reservations")
    )
    held = sa.func.coalesce(pending.c.held, 0)
    return (
        sa.select(lots.c.id.label("subject"), lots.c.reserved_points, held.label("held"))
        .select_from(lots.outerjoin(pending, pending.c.lot_id == lots.c.id))
        .where(lots.c.reserved_points != held)
    )


def _refunds_beyond_originals() -> sa.Select[tuple[object, ...]]:
    refunds = transactions.alias("refund")
    original = transactions.alias("original")
    refunded_minor = sa.func.coalesce(sa.func.sum(refunds.c.purchase_amount_minor), 0)
    earns = (
        sa.select(
            original.c.id.label("subject"),
            original.c.purchase_amount_minor.label("limit"),
            refunded_minor.label("refunded"),
        )
        .join(
            refunds,
            sa.and_(
                refunds.c.related_id == original.c.id,
                refunds.c.kind == TransactionKind.REFUND_EARN.value,
            ),
        )
        .group_by(original.c.id, original.c.purchase_amount_minor)
        .having(refunded_minor > original.c.purchase_amount_minor)
    )
    refunded_points = sa.func.coalesce(sa.func.sum(refunds.c.points), 0)
    redemptions = (
        sa.select(
            holds.c.id.label("subject"),
            holds.c.captured_points.label("limit"),
            refunded_points.label("refunded"),
        )
        .join(
            refunds,
            sa.and_(
                refunds.c.related_id == holds.c.transaction_id,
                refunds.c.kind == TransactionKind.REFUND_REDEMPTION.value,
            ),
        )
        .group_by(holds.c.id, holds.c.captured_points)
        .having(refunded_points > holds.c.captured_points)
    )
    return sa.select(sa.union_all(earns, redemptions).subquery("beyond"))


def _earns_without_their_lot() -> sa.Select[tuple[object, ...]]:
    """An earn credits the member exactly its lot's points (the rest, if any, paid debt)."""
    member_kinds = [AccountKind.MEMBER_AVAILABLE.value, AccountKind.MEMBER_PENDING.value]
    credited = (
        sa.select(entries.c.transaction_id, sa.func.sum(entries.c.amount_points).label("credited"))
        .join(accounts, accounts.c.id == entries.c.account_id)
        .where(accounts.c.kind.in_(member_kinds))
        .group_by(entries.c.transaction_id)
        .subquery("credited")
    )
    lot_points = sa.func.coalesce(lots.c.points, 0)
    credited_points = sa.func.coalesce(credited.c.credited, 0)
    return (
        sa.select(
            transactions.c.id.label("subject"),
            credited_points.label("credited"),
            lot_points.label("lot_points"),
        )
        .select_from(
            transactions.outerjoin(
                credited, credited.c.transaction_id == transactions.c.id
            ).outerjoin(lots, lots.c.earn_transaction_id == transactions.c.id)
        )
        .where(transactions.c.kind == TransactionKind.EARN.value, credited_points != lot_points)
    )


Describe = Callable[[dict[str, object]], str]


def _differences(row: dict[str, object], pairs: tuple[tuple[str, str], ...], verb: str) -> str:
    return ", ".join(f"{a} {row[a]} but {verb} {row[b]}" for a, b in pairs if row[a] != row[b])


_TOTALS_PAIRS = tuple((name, f"sum_{name}") for name in _TOTAL_COLUMNS)
_LOT_PAIRS = tuple((name, f"lots_{name}") for name in ("available", "pending", "reserved"))

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
        lambda r: _differences(r, _TOTALS_PAIRS, "entries say"),
    ),
    (
        "lot remainders equal the member's balance",
        _lots_mismatch(),
        lambda r: _differences(r, _LOT_PAIRS, "lots say"),
    ),
    (
        "lot remainders equal their points plus their movements",
        _lot_history(),
        lambda r: (
            f"{r['points']} points and movements of {r['moved']} but {r['remaining_points']} remain"
        ),
    ),
    (
        "lot movements carry their lot's and transaction's settlement keys",
        _movement_keys(),
        lambda r: f"line {r['line']}: issuer {r['issuer_id']}, redeemer {r['redeemer_id']}",
    ),
    (
        "reserved points are the pending holds' reservations",
        _reservations(),
        lambda r: f"{r['reserved_points']} reserved but pending holds reserve {r['held']}",
    ),
    (
        "no member balance below zero except recorded refund debt",
        _negative_balances(),
        lambda r: f"spendable {r['spendable']}, pending {r['pending']}, owed {r['owed']}",
    ),
    (
        "no member has available points and debt at once",
        _available_while_in_debt(),
        lambda r: f"{r['spendable']} points available while owing {r['owed']}",
    ),
    (
        "every earn credits the member its lot",
        _earns_without_their_lot(),
        lambda r: f"credited {r['credited']} but its lot holds {r['lot_points']}",
    ),
    (
        "each hold resolved at most once",
        _holds_resolved_once(),
        lambda r: f"{r['status']} with {r['resolutions']} resolutions",
    ),
    (
        "refunds never exceed the original",
        _refunds_beyond_originals(),
        lambda r: f"refunded {r['refunded']} of {r['limit']}",
    ),
]
"""Name, query and how to describe one offending row, for each invariant."""

_COUNTS = {
    table.name: sa.select(sa.func.count().label("n")).select_from(table)
    for table in (transactions, entries, accounts, lots, holds)
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
