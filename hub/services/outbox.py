"""Events partners are told about, written to the outbox in the transaction that caused them.

Each event is one outbox row, queued like any other write of the unit of work, so it travels
with the COMMIT: publishing costs the till one INSERT and no round trip. The relay
(``hub.relay``) publishes the rows afterwards, at least once, in order per ``ordering_key``.

Which event a posting makes is decided here, once per kind: ledger postings by
``of_transaction`` (called by the ledger repository for every transaction it records), flags by
``flag_raised`` (the fraud repository, for every flag), tier changes by ``tier_changed``, a
settlement run by ``settlement_ready`` and the sweeper's notices by ``points_expiring``.

A payload carries ids, points, amounts and times only: never an identifier a member presented
(card, phone, email) nor any contact data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from hub.domain.flags import Flag
from hub.domain.ledger import Transaction, TransactionKind
from hub.domain.lots import Lot

if TYPE_CHECKING:  # the unit of work's port names this module's Event
    from hub.services.ports.unit_of_work import UnitOfWork

COALITION = "coalition"
"""The partner of an event that belongs to no partner (expiry, a tier, a settlement run)."""


class EventKind(StrEnum):
    EARNED = "earned"
    REDEEMED = "redeemed"
    REFUNDED = "refunded"
    POINTS_EXPIRING = "points_expiring"
    EXPIRED = "expired"
    TIER_CHANGED = "tier_changed"
    FLAG_RAISED = "flag_raised"
    SETTLEMENT_READY = "settlement_ready"


Payload = dict[str, str | int | None]


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    partner_id: str
    """Whose event it is: its NATS subject and the webhook it is delivered to."""
    ordering_key: str
    """Events with one key are delivered in the order they were written (the member's id)."""
    payload: Payload
    created_at: datetime


_POSTED = {
    TransactionKind.EARN: EventKind.EARNED,
    TransactionKind.BONUS: EventKind.EARNED,
    TransactionKind.GOODWILL: EventKind.EARNED,  # transaction_kind "goodwill" tells them apart
    TransactionKind.CAPTURE: EventKind.REDEEMED,
    TransactionKind.REFUND_EARN: EventKind.REFUNDED,
    TransactionKind.REFUND_REDEMPTION: EventKind.REFUNDED,
    TransactionKind.EXPIRY: EventKind.EXPIRED,
}
"""The postings partners hear of; holds, voids, maturation and the like are internal steps."""


def of_transaction(transaction: Transaction) -> Event | None:
    """The event ``transaction`` makes, if it is one partners hear of."""
    kind = _POSTED.get(transaction.kind)
    if kind is None or transaction.member_id is None:
        return None
    purchase = transaction.purchase
    payload: Payload = {
        "transaction_id": str(transaction.id),
        "transaction_kind": transaction.kind.value,
        "member_id": str(transaction.member_id),
        "points": transaction.points,
        "order_id": transaction.order_id,
        "related_id": str(transaction.related_id) if transaction.related_id else None,
        "amount_minor": purchase.amount_minor if purchase else None,
        "currency": purchase.currency.code if purchase else None,
        "expires_at": _iso(transaction.expires_at),
        "at": _iso(transaction.created_at),
    }
    partner_id = transaction.partner_id or COALITION
    return Event(kind, partner_id, str(transaction.member_id), payload, transaction.created_at)


def tier_changed(
    member_id: uuid.UUID, before: str | None, after: str | None, at: datetime
) -> Event | None:
    """A member's tier moved from ``before`` to ``after`` (nothing when it did not move)."""
    if before == after:
        return None
    payload: Payload = {
        "member_id": str(member_id),
        "tier_before": before,
        "tier_after": after,
        "at": _iso(at),
    }
    return Event(EventKind.TIER_CHANGED, COALITION, str(member_id), payload, at)


def record_tier_change(
    uow: UnitOfWork, member_id: uuid.UUID, before: str | None, after: str | None, at: datetime
) -> None:
    """Queue the event of a tier change, where a member's tier is set (an earn lifting it, a
    refund dropping it, a review)."""
    if (event := tier_changed(member_id, before or None, after or None, at)) is not None:
        uow.outbox.add(event)


def flag_raised(flag: Flag) -> Event:
    payload: Payload = {
        "flag_id": str(flag.id),
        "member_id": str(flag.member_id),
        "operation": flag.operation.value,
        "decision": flag.decision.value,
        "score": flag.score,
        "points": flag.points,
        "order_id": flag.order_id or None,
        "transaction_id": str(flag.transaction_id) if flag.transaction_id else None,
        "at": _iso(flag.raised_at),
    }
    return Event(
        EventKind.FLAG_RAISED, flag.partner_id, str(flag.member_id), payload, flag.raised_at
    )


def points_expiring(lot: Lot, days_before: int, at: datetime) -> Event:
    """``lot``'s unspent points expire within ``days_before`` days (told once per lot)."""
    payload: Payload = {
        "lot_id": str(lot.id),
        "member_id": str(lot.member_id),
        "points": lot.unreserved_points,
        "expires_at": _iso(lot.expires_at),
        "days_before": days_before,
        "at": _iso(at),
    }
    return Event(EventKind.POINTS_EXPIRING, lot.partner_id, str(lot.member_id), payload, at)


def settlement_ready(business_date: date, partner_id: str, at: datetime) -> Event:
    """``partner_id``'s signed statement of ``business_date`` can be fetched and reconciled."""
    payload: Payload = {
        "business_date": business_date.isoformat(),
        "at": _iso(at),
    }
    return Event(EventKind.SETTLEMENT_READY, partner_id, partner_id, payload, at)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
