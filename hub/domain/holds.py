"""Two-phase redemptions: a hold reserves a member's points, then is captured, voided or expires.

A hold posts *pending* entries (member's available points → the redeeming partner's account)
and reserves lots earliest-expiry-first. Its resolution posts the opposite pending entries and,
for a capture, the posted ones; captured points leave their lots as redemption movements.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from hub.domain import crediting
from hub.domain.accounts import member_available, partner_redeemed
from hub.domain.errors import (
    BelowMinimumRedemption,
    CaptureExceedsHold,
    DuplicateOrder,
    ExceedsCategoryShare,
    ExceedsPayableAmount,
    FraudDeclined,
    HoldAlreadyCaptured,
    HoldAlreadyVoided,
    HoldExpired,
    HoldInReview,
    HoldNotInReview,
    InsufficientPoints,
    InvalidAmount,
)
from hub.domain.invariants import require
from hub.domain.ledger import Entry, Phase, Transaction, TransactionKind, transfer
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.lots import Lot, LotUpdate, MovementKind, Redeemer, earliest_expiry_first
from hub.domain.money import Money, value_of_points
from hub.domain.partners import BurnRules, Partner
from hub.domain.purchases import Purchase, require_currency
from hub.domain.rates import RateVersion


class HoldStatus(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"
    IN_REVIEW = "in_review"
    """Judged REVIEW by the fraud checks: reserved, not capturable until an analyst releases it."""
    DECLINED = "declined"
    """Declined by a fraud analyst: released like a void."""


OPEN_HOLD_STATUSES = (HoldStatus.PENDING, HoldStatus.IN_REVIEW)
"""Holds that still reserve points, and which the sweeper expires."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """Points of one lot a hold reserves."""

    lot_id: uuid.UUID
    points: int


@dataclass(frozen=True, slots=True)
class Hold:
    id: uuid.UUID
    partner_id: str
    member_id: uuid.UUID
    order_id: str
    points: int
    value: Money
    rate_version: RateVersion
    status: HoldStatus
    created_at: datetime
    expires_at: datetime
    transaction_id: uuid.UUID
    """The HOLD transaction that reserved the points."""
    captured_points: int = 0
    resolved_at: datetime | None = None
    resolution_id: uuid.UUID | None = None
    """The CAPTURE, VOID or HOLD_EXPIRY transaction that resolved it."""

    @property
    def redeemer(self) -> Redeemer:
        """Where this hold's points are redeemed, at the rate it was placed under."""
        return Redeemer(self.partner_id, self.rate_version.rates.redemption_price)

    def check_resolvable(self, now: datetime) -> None:
        """Refuse a second resolution, or one after the hold expired. A hold in review may be
        voided (the customer walked away) but not captured (see ``check_capturable``)."""
        if self.status is HoldStatus.CAPTURED:
            raise HoldAlreadyCaptured(f"hold {self.id} was already captured")
        if self.status is HoldStatus.VOIDED:
            raise HoldAlreadyVoided(f"hold {self.id} was already voided")
        if self.status is HoldStatus.DECLINED:
            raise FraudDeclined(f"hold {self.id} was declined by fraud review")
        if self.status is HoldStatus.EXPIRED or self.expires_at <= now:
            raise HoldExpired(f"hold {self.id} expired at {self.expires_at.isoformat()}")

    def check_capturable(self, now: datetime) -> None:
        self.check_resolvable(now)
        if self.status is HoldStatus.IN_REVIEW:
            raise HoldInReview(
                f"hold {self.id} awaits fraud review: it can be captured once released"
            )

    def released_from_review(self, now: datetime) -> Hold:
        """The hold capturable again, with its full lifetime from ``now``: the customer may
        have waited for the review."""
        self.check_resolvable(now)
        if self.status is not HoldStatus.IN_REVIEW:
            raise HoldNotInReview(f"hold {self.id} is {self.status.value}, not in review")
        return replace(
            self, status=HoldStatus.PENDING, expires_at=now + (self.expires_at - self.created_at)
        )

    def refundable_points(self, refunded_points: int) -> int:
        return self.captured_points - refunded_points


def as_of(hold: Hold, now: datetime) -> Hold:
    """The hold as it stands at ``now``: an open hold past its expiry is expired, whether or
    not the sweeper has released it yet (the sweeper only makes the ledger catch up)."""
    if hold.status in OPEN_HOLD_STATUSES and hold.expires_at <= now:
        return replace(hold, status=HoldStatus.EXPIRED)
    return hold


def require_order_free(open_hold: Hold | None, now: datetime) -> None:
    """Refuse a second hold for an order while another is open at ``now``: a till that lost
    the answer finds its hold with ``get_hold`` by order id instead of holding the points
    twice. An open hold past its expiry no longer counts (it is released first)."""
    if open_hold is not None and as_of(open_hold, now).status in OPEN_HOLD_STATUSES:
        raise duplicate_order(open_hold)


def duplicate_order(open_hold: Hold) -> DuplicateOrder:
    """The refusal naming the order's open hold (in its message and its ``hold_id``)."""
    return DuplicateOrder(
        f"order {open_hold.order_id!r} already has an open hold, {open_hold.id}; "
        "capture or void it, or let it expire, before holding points for it again",
        hold_id=str(open_hold.id),
        order_id=open_hold.order_id,
    )


def points_to_redeem(points: int, purchase: Purchase, partner: Partner, rate: RateVersion) -> Money:
    """The value of ``points`` at the partner, once the partner's burn rules allow them."""
    if not 1 <= points <= POINTS_PER_OPERATION_MAX:
        raise InvalidAmount(
            f"points must be 1..{POINTS_PER_OPERATION_MAX}; got {points}", field="points"
        )
    rules = partner.burn_rules
    if points < rules.min_points:
        raise BelowMinimumRedemption(
            f"{partner.id} takes at least {rules.min_points} points per redemption; asked {points}"
        )
    require_currency(purchase.amount, partner.currency, field="purchase.currency")
    value = value_of_points(points, rate.rates.burn_value, partner.currency)
    payable_minor = rules.payable_minor(purchase.amount, purchase.line_items)
    if value.amount_minor > payable_minor:
        raise _exceeds_payable(points, value, payable_minor, purchase, rules)
    return value


def _exceeds_payable(
    points: int, value: Money, payable_minor: int, purchase: Purchase, rules: BurnRules
) -> ExceedsPayableAmount | ExceedsCategoryShare:
    """The refusal, naming the category shares when they (not the receipt's share) refused."""
    payable = Money(payable_minor, value.currency)
    without_categories_minor = rules.payable_minor(
        purchase.amount, purchase.line_items, by_category=False
    )
    if value.amount_minor <= without_categories_minor:
        categories = ", ".join(rules.limiting_categories(purchase.line_items))
        return ExceedsCategoryShare(
            f"{points} points are worth {value} but the partner's shares for {categories} "
            f"leave at most {payable} of this receipt payable with points",
            payable_minor=str(payable_minor),
            categories=categories,
        )
    return ExceedsPayableAmount(
        f"{points} points are worth {value} but at most {payable} of this receipt may be paid "
        "with points",
        payable_minor=str(payable_minor),
    )


def reserve(lots: Sequence[Lot], points: int, now: datetime) -> tuple[list[Lot], list[Reservation]]:
    """Reserve ``points`` from ``lots`` earliest-expiry-first, or ``InsufficientPoints``."""
    holdable = earliest_expiry_first(lot for lot in lots if lot.holdable(now))
    available = sum(lot.unreserved_points for lot in holdable)
    if available < points:
        raise InsufficientPoints(
            f"the member has {available} points available, not {points}",
            available_points=str(available),
        )
    reserved, reservations, wanted = [], [], points
    for lot in holdable:
        if wanted == 0:
            break
        taken = min(wanted, lot.unreserved_points)
        reserved.append(replace(lot, reserved_points=lot.reserved_points + taken))
        reservations.append(Reservation(lot.id, taken))
        wanted -= taken
    return reserved, reservations


@dataclass(frozen=True, slots=True)
class Authorization:
    hold: Hold
    transaction: Transaction
    lots: list[Lot]
    reservations: list[Reservation]


def authorize(
    *,
    hold_id: uuid.UUID,
    transaction_id: uuid.UUID,
    member_id: uuid.UUID,
    partner: Partner,
    rate: RateVersion,
    purchase: Purchase,
    points: int,
    value: Money,
    ttl_s: int,
    lots: Sequence[Lot],
    now: datetime,
    in_review: bool = False,
) -> Authorization:
    """Reserve ``points`` (already checked against the burn rules) for a ``ttl_s`` hold;
    ``in_review``: the fraud checks want an analyst to release it before it is captured."""
    reserved, reservations = reserve(lots, points, now)
    entries = transfer(
        member_available(member_id), partner_redeemed(partner.id), points, Phase.PENDING
    )
    transaction = Transaction(
        transaction_id,
        TransactionKind.HOLD,
        now,
        entries,
        points,
        member_id=member_id,
        partner_id=partner.id,
        order_id=purchase.order_id,
        purchase=purchase.amount,
        rate_version=rate,
        point_of_sale=purchase.point_of_sale,
        line_items=purchase.line_items,
    )
    hold = Hold(
        hold_id,
        partner.id,
        member_id,
        purchase.order_id,
        points,
        value,
        rate,
        HoldStatus.IN_REVIEW if in_review else HoldStatus.PENDING,
        now,
        now + timedelta(seconds=ttl_s),
        transaction_id,
    )
    return Authorization(hold, transaction, reserved, reservations)


@dataclass(frozen=True, slots=True)
class Resolution:
    hold: Hold
    lots: LotUpdate
    debt_paid_points: int = 0
    """Of the points a release gave back, those that paid the member's refund debt."""


def _released_entries(hold: Hold) -> tuple[Entry, Entry]:
    return transfer(
        partner_redeemed(hold.partner_id),
        member_available(hold.member_id),
        hold.points,
        Phase.PENDING,
    )


def _unreserved(lots: Sequence[Lot], reservations: Sequence[Reservation]) -> dict[uuid.UUID, Lot]:
    by_id = {lot.id: lot for lot in lots}
    require(
        set(by_id) == {r.lot_id for r in reservations}, "a resolution needs exactly the hold's lots"
    )
    for reservation in reservations:
        lot = by_id[reservation.lot_id]
        by_id[lot.id] = replace(lot, reserved_points=lot.reserved_points - reservation.points)
    return by_id


def capture(
    hold: Hold,
    points: int,
    lots: Sequence[Lot],
    reservations: Sequence[Reservation],
    transaction_id: uuid.UUID,
    now: datetime,
    *,
    debt_points: int,
) -> Resolution:
    """Post ``points`` of the hold (1..held) and release the rest, in one transaction; the rest
    pays the member's refund debt (``debt_points``, read under its lock) first."""
    hold.check_capturable(now)
    if not 1 <= points <= hold.points:
        error = CaptureExceedsHold if points > hold.points else InvalidAmount
        raise error(f"capture 1..{hold.points} points of this hold; asked {points}", field="points")
    by_id = _unreserved(lots, reservations)
    held = {reservation.lot_id: reservation.points for reservation in reservations}
    movements, wanted = [], points
    rest = dict(held)
    for lot in earliest_expiry_first(by_id.values()):
        taken = min(wanted, held[lot.id])
        if taken:
            by_id[lot.id] = lot.moved(-taken)
            movements.append(
                lot.movement(transaction_id, -taken, MovementKind.REDEMPTION, hold.redeemer)
            )
            rest[lot.id] -= taken
            wanted -= taken
    credited = crediting.credit(
        member_available(hold.member_id),
        hold.points - points,
        debt_points,
        transaction_id=transaction_id,
        lots=tuple((lot, rest[lot.id]) for lot in by_id.values()),
        released=True,
    )
    by_id.update((lot.id, lot) for lot in credited.lots)
    movements.extend(credited.movements)
    entries = (
        *_released_entries(hold),
        *transfer(member_available(hold.member_id), partner_redeemed(hold.partner_id), points),
        *credited.entries,
    )
    transaction = _resolution(hold, TransactionKind.CAPTURE, transaction_id, entries, points, now)
    captured = replace(
        hold,
        status=HoldStatus.CAPTURED,
        captured_points=points,
        resolved_at=now,
        resolution_id=transaction_id,
    )
    update = LotUpdate(transaction, tuple(by_id.values()), tuple(movements))
    return Resolution(captured, update, credited.debt_paid_points)


def release(
    hold: Hold,
    kind: TransactionKind,
    lots: Sequence[Lot],
    reservations: Sequence[Reservation],
    transaction_id: uuid.UUID,
    now: datetime,
    *,
    debt_points: int,
    declined: bool = False,
) -> Resolution:
    """Give the held points back: a VOID by the partner (or ``declined`` by a fraud analyst),
    or a HOLD_EXPIRY by the sweeper. They pay the member's refund debt (``debt_points``, read
    under its lock) first, out of the lots they were reserved from."""
    require(
        kind in (TransactionKind.VOID, TransactionKind.HOLD_EXPIRY),
        f"a release is a void or an expiry, not {kind}",
    )
    require(not declined or kind is TransactionKind.VOID, "a decline is a void")
    if kind is TransactionKind.VOID:
        hold.check_resolvable(now)
    else:
        require(
            hold.status in OPEN_HOLD_STATUSES and hold.expires_at <= now,
            "only an open hold past its expiry expires",
        )
    credited = crediting.credit(
        member_available(hold.member_id),
        hold.points,
        debt_points,
        transaction_id=transaction_id,
        lots=tuple(
            (lot, _reserved_by(reservations, lot.id))
            for lot in _unreserved(lots, reservations).values()
        ),
        released=True,
    )
    entries = (*_released_entries(hold), *credited.entries)
    transaction = _resolution(hold, kind, transaction_id, entries, 0, now)
    status = HoldStatus.EXPIRED
    if kind is TransactionKind.VOID:
        status = HoldStatus.DECLINED if declined else HoldStatus.VOIDED
    released = replace(hold, status=status, resolved_at=now, resolution_id=transaction_id)
    update = LotUpdate(transaction, credited.lots, credited.movements)
    return Resolution(released, update, credited.debt_paid_points)


def _reserved_by(reservations: Sequence[Reservation], lot_id: uuid.UUID) -> int:
    return sum(r.points for r in reservations if r.lot_id == lot_id)


def _resolution(
    hold: Hold,
    kind: TransactionKind,
    transaction_id: uuid.UUID,
    entries: tuple[Entry, ...],
    points: int,
    now: datetime,
) -> Transaction:
    return Transaction(
        transaction_id,
        kind,
        now,
        entries,
        points,
        member_id=hold.member_id,
        partner_id=hold.partner_id,
        order_id=hold.order_id,
        rate_version=hold.rate_version,
        related_id=hold.transaction_id,
    )
