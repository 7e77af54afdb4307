"""Lots: the points of one earn, tracked until they are spent, expire or are reversed.

Burns consume lots earliest-expiry-first and record which lots they consumed; that is how
settlement knows that points issued by partner A were redeemed at partner B.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.domain.invariants import require


class LotStatus(StrEnum):
    PENDING = "pending"
    """Inside the issuing partner's pending period; held in the member's pending account."""
    AVAILABLE = "available"


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

    def __post_init__(self) -> None:
        require(
            0 <= self.reserved_points <= self.remaining_points <= self.points,
            f"lot {self.id}: need 0 <= reserved <= remaining <= points",
        )
