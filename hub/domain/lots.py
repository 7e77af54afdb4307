"""Lots: the points of one earn, tracked until they are spent, expire or are reversed.

Burns consume lots earliest-expiry-first and record which lots they consumed: that is how
settlement knows that points issued by partner A were redeemed at partner B. Every change to a
lot's remainder is a ``LotMovement`` of a transaction, so a lot's remainder is always its points
plus its movements (``hub ledger verify`` checks it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hub.domain.accounts import COALITION_BREAKAGE, member_available
from hub.domain.invariants import require
from hub.domain.ledger import Transaction, TransactionKind, transfer


class LotStatus(StrEnum):
    PENDING = "pending"
    """Inside the issuing partner's pending period; held in the member's pending account."""
    AVAILABLE = "available"


class MovementKind(StrEnum):
    REDEMPTION = "redemption"
    """Taken by a capture (negative), given back by a refund of the redemption (positive)."""
    EXPIRY = "expiry"
    """Expired to breakage (negative), or un-expired when a refund reverses it (positive)."""
    REVERSAL = "reversal"
    """Taken back by a refund of the earn that issued the lot (negative)."""
    ANNULMENT = "annulment"
    """Taken by a fraud analyst's annulment into the coalition's adjustments (negative)."""
    DEBT_PAYMENT = "debt_payment"
    """Taken to pay the member's refund debt when the points become theirs again (negative): the
    rest of a refund of an earn that found its points spent or held, so it settles as a
    reversal of the issuing partner's lot."""


@dataclass(frozen=True, slots=True)
class Redeemer:
    """The partner at whose till points were redeemed, and what it is paid per point (its
    hold's redemption price)."""

    partner_id: str
    redemption_price: Decimal


@dataclass(frozen=True, slots=True)
class LotMovement:
    """A change to a lot's remainder, with the keys settlement groups it by (the lot's issuer
    and issue price, and for a redemption the redeemer and its price), copied when it is
    posted: a night's settlement then sums the day's movements without reading a lot."""

    transaction_id: uuid.UUID
    lot_id: uuid.UUID
    points: int
    """Signed: negative leaves the lot, positive returns to it."""
    kind: MovementKind
    issuer_id: str
    issue_price: Decimal | None
    """The lot's (``None`` for a bonus's lot, valued at the issuer's price in force then)."""
    redeemer: Redeemer | None = None
    """Set exactly on redemptions (a capture, a refund of one)."""

    def __post_init__(self) -> None:
        require(
            (self.kind is MovementKind.REDEMPTION) == (self.redeemer is not None),
            f"movement of lot {self.lot_id}: a redeemer exactly on redemptions",
        )


@dataclass(frozen=True, slots=True)
class Lot:
    id: uuid.UUID
    member_id: uuid.UUID
    partner_id: str
    earn_transaction_id: uuid.UUID
    points: int
    remaining_points: int
    reserved_points: int
    status: LotStatus
    created_at: datetime
    available_at: datetime
    expires_at: datetime | None
    issue_price: Decimal | None = None
    """What the issuer pays per point of this lot (its earn's rate), so settlement values the
    lot without going back to the earn; ``None`` for bonuses, which settlement values at the
    issuer's price in force when they were granted."""

    def __post_init__(self) -> None:
        require(
            0 <= self.reserved_points <= self.remaining_points <= self.points,
            f"lot {self.id}: need 0 <= reserved <= remaining <= points",
        )

    @property
    def unreserved_points(self) -> int:
        return self.remaining_points - self.reserved_points

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def holdable(self, now: datetime) -> bool:
        """Whether a hold may reserve some of this lot now."""
        return (
            self.status is LotStatus.AVAILABLE
            and self.unreserved_points > 0
            and not self.expired(now)
        )

    def moved(self, points: int) -> Lot:
        """This lot after ``points`` (signed) leave or return to it."""
        return replace(self, remaining_points=self.remaining_points + points)

    def movement(
        self,
        transaction_id: uuid.UUID,
        points: int,
        kind: MovementKind,
        redeemer: Redeemer | None = None,
    ) -> LotMovement:
        """``points`` (signed) leaving or returning to this lot, keyed for settlement."""
        return LotMovement(
            transaction_id, self.id, points, kind, self.partner_id, self.issue_price, redeemer
        )


def earliest_expiry_first(lots: Iterable[Lot]) -> list[Lot]:
    """The order burns consume lots in: soonest expiry first, never-expiring last, then oldest."""
    return sorted(
        lots,
        key=lambda lot: (
            lot.expires_at is None,
            lot.expires_at or lot.created_at,
            lot.created_at,
            lot.id,
        ),
    )


@dataclass(frozen=True, slots=True)
class LotUpdate:
    """A ledger transaction (if any points moved) and the lots and movements it changed."""

    transaction: Transaction | None
    lots: tuple[Lot, ...]
    movements: tuple[LotMovement, ...] = ()


def expire(
    member_id: uuid.UUID, lots: Sequence[Lot], transaction_id: uuid.UUID, now: datetime
) -> LotUpdate:
    """Expire the unreserved points of a member's lots past their expiry into breakage.

    Points under a hold do not expire while it lasts; once released, a later sweep takes them.
    """
    require(
        all(lot.expired(now) and lot.status is LotStatus.AVAILABLE for lot in lots),
        "only expired lots expire",
    )
    movements = tuple(
        lot.movement(transaction_id, -lot.unreserved_points, MovementKind.EXPIRY)
        for lot in lots
        if lot.unreserved_points > 0
    )
    points = -sum(movement.points for movement in movements)
    entries = transfer(member_available(member_id), COALITION_BREAKAGE, points)
    transaction = Transaction(
        transaction_id, TransactionKind.EXPIRY, now, entries, points, member_id=member_id
    )
    return LotUpdate(
        transaction, tuple(lot.moved(-lot.unreserved_points) for lot in lots), movements
    )
