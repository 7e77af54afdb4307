"""A lot movement carries its lot's issuer and issue price, and a redeemer exactly when it is
a redemption: the keys settlement groups it by, fixed when it is posted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.domain.invariants import InvariantViolation
from hub.domain.lots import Lot, LotMovement, LotStatus, MovementKind, Redeemer

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)


def _lot(issue_price: Decimal | None = Decimal("0.0123")) -> Lot:
    return Lot(
        id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        partner_id="coffee",
        earn_transaction_id=uuid.uuid4(),
        points=100,
        remaining_points=100,
        reserved_points=0,
        status=LotStatus.AVAILABLE,
        created_at=NOW,
        available_at=NOW,
        expires_at=None,
        issue_price=issue_price,
    )


def test_a_redemption_carries_the_lots_issuer_and_price_and_the_redeemer() -> None:
    lot, redeemer = _lot(), Redeemer("fuel", Decimal("0.0095"))
    transaction_id = uuid.uuid4()

    movement = lot.movement(transaction_id, -40, MovementKind.REDEMPTION, redeemer)

    assert movement == LotMovement(
        transaction_id, lot.id, -40, MovementKind.REDEMPTION, "coffee", Decimal("0.0123"), redeemer
    )


def test_a_bonus_lots_movement_has_no_issue_price() -> None:
    movement = _lot(issue_price=None).movement(uuid.uuid4(), -5, MovementKind.ANNULMENT)

    assert (movement.issuer_id, movement.issue_price, movement.redeemer) == ("coffee", None, None)


def test_a_redemption_without_a_redeemer_is_refused() -> None:
    with pytest.raises(InvariantViolation, match="a redeemer exactly on redemptions"):
        _lot().movement(uuid.uuid4(), -40, MovementKind.REDEMPTION)


def test_an_expiry_with_a_redeemer_is_refused() -> None:
    redeemer = Redeemer("fuel", Decimal("0.0095"))
    with pytest.raises(InvariantViolation, match="a redeemer exactly on redemptions"):
        _lot().movement(uuid.uuid4(), -40, MovementKind.EXPIRY, redeemer)
