"""Attempts and facts for the fraud rules' tests: one member at one partner, at one instant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from fraud.facts import Attempt, Location, Operation

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MEMBER_ID = uuid.UUID("0190d5e2-0000-7000-8000-00000000f4a1")
MOSCOW = Location(Decimal("55.7558"), Decimal("37.6173"))
ST_PETERSBURG = Location(Decimal("59.9343"), Decimal("30.3351"))


def earn(points: int = 100, **fields: object) -> Attempt:
    return Attempt(Operation.EARN, "coffee", MEMBER_ID, points, NOW, **fields)


def burn(points: int = 100, **fields: object) -> Attempt:
    return Attempt(Operation.AUTHORIZE, "coffee", MEMBER_ID, points, NOW, **fields)
