"""Ledger transactions, their entries, and member accounts' running totals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from fractions import Fraction

import sqlalchemy as sa

from hub.adapters.repositories import fraud_counters
from hub.adapters.repositories.partners import rate_from_row
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import accounts, entries, transactions
from hub.adapters.types import UtcDateTime
from hub.domain import receipt_lines
from hub.domain.breakdown import Breakdown
from hub.domain.currencies import currency
from hub.domain.errors import TransactionNotFound
from hub.domain.ledger import Totals, Transaction, TransactionKind, totals_by_account
from hub.domain.money import Money
from hub.domain.refunds import EarnRecord, PriorRefunds
from hub.services import codec
from hub.services.unit_of_work import PageCursor, TransactionRecord

_ADD_TOTALS = (
    sa.update(accounts)
    .where(accounts.c.id == sa.bindparam("b_id"))
    .values(
        debits_posted=accounts.c.debits_posted + sa.bindparam("b_debits_posted"),
        credits_posted=accounts.c.credits_posted + sa.bindparam("b_credits_posted"),
        debits_pending=accounts.c.debits_pending + sa.bindparam("b_debits_pending"),
        credits_pending=accounts.c.credits_pending + sa.bindparam("b_credits_pending"),
    )
)
_RECORD_COLUMNS = (
    transactions.c.id,
    transactions.c.kind,
    transactions.c.created_at,
    transactions.c.points,
    transactions.c.partner_id,
    transactions.c.member_id,
    transactions.c.order_id,
    transactions.c.purchase_amount_minor,
    transactions.c.purchase_currency,
    transactions.c.rate_version_id.label("rate_id"),
    transactions.c.rates_effective_from.label("effective_from"),
    transactions.c.earn_rate,
    transactions.c.burn_value,
    transactions.c.issue_price,
    transactions.c.redemption_price,
    transactions.c.available_at,
    transactions.c.expires_at,
    transactions.c.related_id,
    transactions.c.breakdown,
    transactions.c.tier_before,
    transactions.c.tier_after,
)
_INSERT_TRANSACTION = transactions.insert()
_INSERT_ENTRY = entries.insert()
_EARN = sa.select(transactions).where(
    transactions.c.id == sa.bindparam("transaction_id"),
    transactions.c.kind == TransactionKind.EARN.value,
)
# Locking reads only: the row itself is never updated (transactions are append-only).
_EARN_FOR_UPDATE = _EARN.with_for_update()
# One earn per partner and order (uq_transactions_earn_order).
_EARN_OF_ORDER = sa.select(transactions).where(
    transactions.c.partner_id == sa.bindparam("partner_id"),
    transactions.c.order_id == sa.bindparam("order_id"),
    transactions.c.kind == TransactionKind.EARN.value,
)
_EARN_OF_ORDER_FOR_UPDATE = _EARN_OF_ORDER.with_for_update()
_REFUNDS_OF_EARN = sa.select(
    transactions.c.purchase_amount_minor, transactions.c.points, transactions.c.returned_lines
).where(
    transactions.c.related_id == sa.bindparam("related_id"),
    transactions.c.kind == TransactionKind.REFUND_EARN.value,
)
_RELATED_TOTALS = sa.select(
    sa.func.coalesce(sa.func.sum(transactions.c.purchase_amount_minor), 0).label("amount_minor"),
    sa.func.coalesce(sa.func.sum(transactions.c.points), 0).label("points"),
).where(
    transactions.c.related_id == sa.bindparam("related_id"),
    transactions.c.kind == sa.bindparam("kind"),
)


def _page_statement(*, by_member: bool, after_cursor: bool) -> sa.Select[tuple[object, ...]]:
    t = transactions.c
    statement = sa.select(*_RECORD_COLUMNS).where(t.partner_id == sa.bindparam("partner_id"))
    if by_member:
        statement = statement.where(t.member_id == sa.bindparam("member_id"))
    if after_cursor:
        cursor_at = sa.bindparam("cursor_at", type_=UtcDateTime())
        cursor_id = sa.bindparam("cursor_id", type_=sa.Uuid())
        statement = statement.where(
            sa.or_(t.created_at < cursor_at, sa.and_(t.created_at == cursor_at, t.id < cursor_id))
        )
    return statement.order_by(t.created_at.desc(), t.id.desc()).limit(sa.bindparam("limit"))


# Built once: the PostgreSQL path compiles each statement object once.
_PAGES = {
    (m, c): _page_statement(by_member=m, after_cursor=c)
    for m in (False, True)
    for c in (False, True)
}


def _transaction_row(transaction: Transaction) -> dict[str, object]:
    version, pos, purchase = (
        transaction.rate_version,
        transaction.point_of_sale,
        transaction.purchase,
    )
    rates = version.rates if version else None
    return {
        "id": transaction.id,
        "kind": transaction.kind.value,
        "created_at": transaction.created_at,
        "points": transaction.points,
        "partner_id": transaction.partner_id,
        "member_id": transaction.member_id,
        "related_id": transaction.related_id,
        "order_id": transaction.order_id,
        "purchase_amount_minor": purchase.amount_minor if purchase else None,
        "purchase_currency": purchase.currency.code if purchase else None,
        "rate_version_id": version.id if version else None,
        "rates_effective_from": version.effective_from if version else None,
        "earn_rate": rates.earn_rate if rates else None,
        "burn_value": rates.burn_value if rates else None,
        "issue_price": rates.issue_price if rates else None,
        "redemption_price": rates.redemption_price if rates else None,
        "channel": pos.channel.value if pos else None,
        # NULL rather than "": the till indexes leave out operations without a terminal or cashier.
        "store_id": (pos.store_id or None) if pos else None,
        "terminal_id": (pos.terminal_id or None) if pos else None,
        "latitude": pos.location.latitude if pos and pos.location else None,
        "longitude": pos.location.longitude if pos and pos.location else None,
        "cashier_id": (pos.cashier_id or None) if pos else None,
        "line_items": _line_items_json(transaction),
        "available_at": transaction.available_at,
        "expires_at": transaction.expires_at,
        "breakdown": codec.encode(transaction.breakdown) if transaction.breakdown else None,
        "coalition_funded_points": transaction.coalition_funded_points,
        "earn_rounding": transaction.breakdown.earn_rounding.value
        if transaction.breakdown
        else None,
        "event": transaction.event,
        "rule_id": transaction.rule_id,
        "returned_lines": _returned_lines_json(transaction),
        "tier_before": transaction.tier_before,
        "tier_after": transaction.tier_after,
    }


def _returned_lines_json(transaction: Transaction) -> str | None:
    if not transaction.returned_shares:
        return None
    shares = [
        [index, receipt_lines.exact_text(share)] for index, share in transaction.returned_shares
    ]
    return json.dumps(shares, separators=(",", ":"))


def _prior_refunds(rows: Sequence[Row]) -> PriorRefunds:
    shares: dict[int, Fraction] = {}
    for row in rows:
        for index, share in json.loads(row["returned_lines"] or "[]"):
            shares[index] = shares.get(index, Fraction(0)) + receipt_lines.exact_value(share)
    return PriorRefunds(
        amount_minor=sum(int(row["purchase_amount_minor"] or 0) for row in rows),
        points=sum(int(row["points"]) for row in rows),
        shares=shares,
    )


def _line_items_json(transaction: Transaction) -> str | None:
    if not transaction.line_items:
        return None
    return json.dumps(
        [
            {
                "sku": i.sku,
                "category": i.category,
                "amount_minor": i.amount_minor,
                "quantity": i.quantity,
                "discounted": i.discounted,
            }
            for i in transaction.line_items
        ],
        separators=(",", ":"),
    )


def _entry_rows(transaction: Transaction) -> list[dict[str, object]]:
    return [
        {
            "transaction_id": transaction.id,
            "line": line,
            "account_id": entry.account.id,
            "amount_points": entry.amount_points,
            "phase": entry.phase.value,
        }
        for line, entry in enumerate(transaction.entries)
    ]


def _totals_rows(transaction: Transaction) -> list[dict[str, object]]:
    """Running-total increments for the accounts that keep them, in account-id order.

    Sorting fixes the order in which concurrent transactions lock member accounts.
    """
    deltas = totals_by_account(transaction.entries)
    kept = sorted((account for account in deltas if account.kind.keeps_totals), key=lambda a: a.id)
    return [
        {
            "b_id": account.id,
            "b_debits_posted": deltas[account].debits_posted,
            "b_credits_posted": deltas[account].credits_posted,
            "b_debits_pending": deltas[account].debits_pending,
            "b_credits_pending": deltas[account].credits_pending,
        }
        for account in kept
        if deltas[account] != Totals()
    ]


def _record(row: Row) -> TransactionRecord:
    purchase = None
    if row["purchase_amount_minor"] is not None:
        purchase = Money(row["purchase_amount_minor"], currency(row["purchase_currency"]))
    return TransactionRecord(
        id=row["id"],
        kind=TransactionKind(row["kind"]),
        created_at=row["created_at"],
        points=row["points"],
        member_id=row["member_id"],
        order_id=row["order_id"],
        purchase=purchase,
        rate_version=rate_from_row(row, row["partner_id"]) if row["rate_id"] is not None else None,
        available_at=row["available_at"],
        expires_at=row["expires_at"],
        related_id=row["related_id"],
        breakdown=codec.decode(row["breakdown"], Breakdown) if row["breakdown"] else None,
        tier_before=row["tier_before"],
        tier_after=row["tier_after"],
    )


def _earn_record(row: Row) -> EarnRecord:
    purchase = Money(row["purchase_amount_minor"], currency(row["purchase_currency"]))
    return EarnRecord(
        row["id"],
        row["partner_id"],
        row["member_id"],
        row["points"],
        purchase,
        row["coalition_funded_points"],
        order_id=row["order_id"],
        breakdown=codec.decode(row["breakdown"], Breakdown) if row["breakdown"] else None,
    )


class SqlLedgerRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, transaction: Transaction) -> None:
        """Record ``transaction``: its row, its entries, its members' running totals, and the
        fraud counters of an earn or a hold."""
        self._sql.defer(_INSERT_TRANSACTION, [_transaction_row(transaction)])
        self._sql.defer(_INSERT_ENTRY, _entry_rows(transaction))
        self._sql.defer(_ADD_TOTALS, _totals_rows(transaction))
        fraud_counters.count(self._sql, transaction)

    def earn(
        self, transaction_id: uuid.UUID, partner_id: str, *, for_update: bool = False
    ) -> EarnRecord:
        """The earn, if this partner made it; anyone else's is not even confirmed to exist."""
        row = self._sql.first(
            _EARN_FOR_UPDATE if for_update else _EARN, {"transaction_id": transaction_id}
        )
        if row is None or row["partner_id"] != partner_id:
            raise TransactionNotFound(f"no earn {transaction_id}", field="transaction_id")
        return _earn_record(row)

    def earn_of_order(
        self, order_id: str, partner_id: str, *, for_update: bool = False
    ) -> EarnRecord:
        """This partner's earn for its ``order_id``."""
        row = self._sql.first(
            _EARN_OF_ORDER_FOR_UPDATE if for_update else _EARN_OF_ORDER,
            {"order_id": order_id, "partner_id": partner_id},
        )
        if row is None:
            raise TransactionNotFound(f"no earn for order {order_id!r}", field="order_id")
        return _earn_record(row)

    def refunds_of_earn(self, earn_id: uuid.UUID) -> PriorRefunds:
        """What the earn's refunds so far returned: money, points and shares of lines."""
        return _prior_refunds(self._sql.rows(_REFUNDS_OF_EARN, {"related_id": earn_id}))

    def related_totals(self, related_id: uuid.UUID, kind: TransactionKind) -> tuple[int, int]:
        """Money (minor units) and points of the ``kind`` transactions related to one original."""
        row = self._sql.first(_RELATED_TOTALS, {"related_id": related_id, "kind": kind.value})
        return (int(row["amount_minor"]), int(row["points"])) if row else (0, 0)

    def page(
        self, partner_id: str, member_id: uuid.UUID | None, after: PageCursor | None, limit: int
    ) -> Sequence[TransactionRecord]:
        params: dict[str, object] = {"partner_id": partner_id, "limit": limit}
        if member_id is not None:
            params["member_id"] = member_id
        if after is not None:
            params.update(cursor_at=after.created_at, cursor_id=after.transaction_id)
        statement = _PAGES[(member_id is not None, after is not None)]
        return [_record(row) for row in self._sql.rows(statement, params)]
