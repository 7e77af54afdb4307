"""Ledger transactions, their entries, and member accounts' running totals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from fractions import Fraction

import sqlalchemy as sa

from hub.adapters.repositories import fraud_counters
from hub.adapters.repositories.keys import for_member, for_original
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
from hub.services import codec, outbox
from hub.services.ports.ledger import PageCursor, RefundedRedemption, TransactionRecord
from hub.services.ports.outbox import OutboxRepository
from hub.services.ports.reads import EarnKey, HoldKey, Later, MemberKey

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
    transactions.c.purchased_at,
)
_INSERT_TRANSACTION = transactions.insert()
_INSERT_ENTRY = entries.insert()
# Locking reads only: the row itself is never updated (transactions are append-only). The
# earn is named by key (``keys.for_original``): ``:earn_id`` becomes its id, ``:holder_id`` the
# member holding its points now (a merge's survivor, if its member was merged). NO KEY UPDATE:
# it serialises the earn's refunds without blocking the foreign-key checks of rows naming the
# earn (a merge moving its lot re-checks them), which would deadlock with the member's lock.
_EARN_FOR_UPDATE = (
    sa.select(transactions, sa.bindparam("holder_id", type_=sa.Uuid()).label("holder_id"))
    .where(transactions.c.id == sa.bindparam("earn_id"))
    .with_for_update(of=transactions, key_share=True)
)
_REFUNDS_OF_EARN = sa.select(
    transactions.c.purchase_amount_minor, transactions.c.points, transactions.c.returned_lines
).where(
    transactions.c.related_id == sa.bindparam("earn_id"),
    transactions.c.kind == TransactionKind.REFUND_EARN.value,
)
# ``:hold_id`` and ``:hold_transaction_id`` become the keyed hold's: the row says which hold
# the refunds were counted for.
_REDEMPTION_REFUNDS = sa.select(
    sa.func.coalesce(sa.func.sum(transactions.c.points), 0).label("points"),
    sa.bindparam("hold_id", type_=sa.Uuid()).label("hold_id"),
).where(
    transactions.c.related_id == sa.bindparam("hold_transaction_id"),
    transactions.c.kind == TransactionKind.REFUND_REDEMPTION.value,
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
        "purchased_at": transaction.purchased_at,
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
        purchased_at=row["purchased_at"],
    )


def _no_earn(earn: EarnKey) -> TransactionNotFound:
    if earn.order_id is not None:
        return TransactionNotFound(f"no earn for order {earn.order_id!r}", field="order_id")
    return TransactionNotFound(f"no earn {earn.transaction_id}", field="transaction_id")


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
        holder_id=row.get("holder_id"),
    )


class SqlLedgerRepository:
    def __init__(self, sql: Sql, outbox: OutboxRepository) -> None:
        self._sql = sql
        self._outbox = outbox

    def add(self, transaction: Transaction) -> None:
        """Record ``transaction``: its row, its entries, its members' running totals, the
        fraud counters of an earn or a hold, and its event (every posting passes here)."""
        self._sql.defer(_INSERT_TRANSACTION, [_transaction_row(transaction)])
        self._sql.defer(_INSERT_ENTRY, _entry_rows(transaction))
        self._sql.defer(_ADD_TOTALS, _totals_rows(transaction))
        fraud_counters.count(self._sql, transaction)
        if (event := outbox.of_transaction(transaction)) is not None:
            self._outbox.add(event)

    def earn_later(self, earn: EarnKey) -> Later[EarnRecord]:
        """The earn, if this partner made it (anyone else's is not even confirmed to exist),
        locked until commit."""
        keyed = {"earn_id": "id", "holder_id": "holder_id"}
        found = self._sql.later(*for_original(_EARN_FOR_UPDATE, earn, {}, **keyed))

        def record() -> EarnRecord:
            if not (rows := found()):
                raise _no_earn(earn)
            return _earn_record(rows[0])

        return record

    def refunds_of_earn_later(self, earn: EarnKey) -> Later[PriorRefunds]:
        """What the earn's refunds so far returned: money, points and shares of lines."""
        found = self._sql.later(*for_original(_REFUNDS_OF_EARN, earn, {}, earn_id="id"))
        return lambda: _prior_refunds(found())

    def redemption_refunds_later(self, hold: HoldKey) -> Later[RefundedRedemption]:
        """The points the hold's refunds gave back so far, and the hold they were counted for."""
        statement = for_original(
            _REDEMPTION_REFUNDS, hold, {}, hold_id="id", hold_transaction_id="transaction_id"
        )
        found = self._sql.later(*statement)

        def refunded() -> RefundedRedemption:
            row = found()[0]
            return RefundedRedemption(row["hold_id"], int(row["points"]))

        return refunded

    def page(
        self, partner_id: str, member_id: uuid.UUID | None, after: PageCursor | None, limit: int
    ) -> Sequence[TransactionRecord]:
        return self.page_later(partner_id, member_id, after, limit)()

    def page_later(
        self, partner_id: str, member: MemberKey | None, after: PageCursor | None, limit: int
    ) -> Later[Sequence[TransactionRecord]]:
        params: dict[str, object] = {"partner_id": partner_id, "limit": limit}
        if after is not None:
            params.update(cursor_at=after.created_at, cursor_id=after.transaction_id)
        statement = _PAGES[(member is not None, after is not None)]
        if member is None:
            found = self._sql.later(statement, params)
        else:
            found = self._sql.later(*for_member(statement, member, params))
        return lambda: [_record(row) for row in found()]
