"""The port of holds: points reserved for a redemption until captured, voided or expired."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from hub.domain.holds import Hold, Reservation
from hub.services.ports.reads import HoldKey, Later, MemberKey


class HoldRepository(Protocol):
    def add(self, hold: Hold, reservations: Sequence[Reservation]) -> None: ...
    def get(self, hold_id: uuid.UUID, partner_id: str, *, for_update: bool = False) -> Hold:
        """The hold this partner placed, or ``HoldNotFound`` (also for another partner's)."""
        ...

    def get_any(self, hold_id: uuid.UUID, *, for_update: bool = False) -> Hold:
        """A hold of any partner (for fraud analysts), or ``HoldNotFound``."""
        ...

    def save(self, hold: Hold) -> None:
        """Write the hold's status, expiry and resolution."""
        ...

    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Hold]: ...
    def of_member(self, member_id: uuid.UUID) -> Sequence[Hold]: ...
    def of_order(self, partner_id: str, order_id: str) -> Hold:
        """The order's open hold, else its latest, or ``HoldNotFound``."""
        ...

    def find_later(self, hold: HoldKey, *, for_update: bool = False) -> Later[Hold]:
        """The hold this partner placed, by id or by order id (``of_order``), or
        ``HoldNotFound``; ``for_update`` locks it."""
        ...

    def blocking_for_update(
        self, member_id: uuid.UUID, partner_id: str, order_id: str, now: datetime
    ) -> Sequence[Hold]:
        """Open holds in the way of a new one, locked in id order: the member's past their
        expiry (their points are free once released) and the order's."""
        ...

    def blocking_later(
        self, member: MemberKey, partner_id: str, order_id: str, now: datetime
    ) -> Later[Sequence[Hold]]:
        """``blocking_for_update`` for a member named by key."""
        ...
