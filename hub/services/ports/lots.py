"""The port of lots: the points members earned, as holds, captures and refunds lock them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeAlias

from hub.domain.catch_up import OverdueLot
from hub.domain.holds import Reservation
from hub.domain.lots import Lot, LotUpdate
from hub.services.ports.reads import EarnKey, HoldKey, Later, MemberKey

HeldLots: TypeAlias = tuple[Sequence[Lot], Sequence[Reservation]]
"""The lots a hold reserved, and how much it reserved of each."""


@dataclass(frozen=True, slots=True)
class EarnLot:
    """An earn's lot as its refund reads it: locked (``None``: every point paid debt, or none
    were earned), and the points that left it by expiry and by annulment, net of those earlier
    refunds put back."""

    lot: Lot | None
    expired_points: int = 0
    annulled_points: int = 0


@dataclass(frozen=True, slots=True)
class ConsumedLots:
    """The lots a hold's capture took points from, locked, and per lot the points it took that
    its refunds have not given back."""

    lots: Sequence[Lot]
    consumed: dict[uuid.UUID, int]
    debts: Mapping[uuid.UUID, int] = field(default_factory=dict)
    """The refund debt of each member holding the lots, read under the debt accounts' locks
    (after the lots'): the hold's member, or a merge's survivor, or, after an unmerge, both."""


class LotRepository(Protocol):
    """Lots are locked in id order; see ``hub.adapters.repositories.lots`` for the lock order."""

    def add(self, lot: Lot) -> None: ...
    def apply(self, update: LotUpdate) -> None:
        """Write the changed lots and the movements of ``update`` (not its transaction)."""
        ...

    def save(self, changed: Sequence[Lot]) -> None: ...
    def of_member(self, member_id: uuid.UUID) -> Sequence[Lot]: ...
    def overdue(self, member_id: uuid.UUID, now: datetime) -> Sequence[OverdueLot]:
        """The member's lots the clock has overtaken at ``now``: due to mature, past expiry
        with points left, or reserved by an open hold past its expiry."""
        ...

    def overdue_later(self, member: MemberKey, now: datetime) -> Later[Sequence[OverdueLot]]:
        """``overdue`` for a member named by key (none: no such member)."""
        ...

    def holdable_for_update(self, member_id: uuid.UUID, now: datetime) -> Sequence[Lot]:
        """Unexpired lots with unreserved points, available or due to mature at ``now``
        (the caller matures those first), locked in id order."""
        ...

    def holdable_later(self, member: MemberKey, now: datetime) -> Later[Sequence[Lot]]:
        """``holdable_for_update`` for a member named by key."""
        ...

    def of_hold_for_update(self, hold_id: uuid.UUID) -> tuple[Sequence[Lot], Sequence[Reservation]]:
        """The lots a hold reserved, locked, and how much it reserved of each."""
        ...

    def of_hold_later(self, hold: uuid.UUID | HoldKey) -> Later[HeldLots]:
        """``of_hold_for_update`` for a hold by id, or named by key."""
        ...

    def of_expired_in_the_way_later(
        self, member: MemberKey, partner_id: str, order_id: str, now: datetime
    ) -> Later[Mapping[uuid.UUID, HeldLots]]:
        """By hold, the lots of the open holds past their expiry at ``now`` that
        ``HoldRepository.blocking_later`` finds in the way, locked in id order; send it after
        that read, which locks the holds first."""
        ...

    def consumed_by_hold_later(self, hold: HoldKey) -> Later[ConsumedLots]:
        """The lots the hold's capture took points from, locked, what it took of each, and
        the debts of the members holding them, their accounts locked after the lots."""
        ...

    def of_earn_for_update(self, earn_id: uuid.UUID) -> Lot | None: ...
    def of_earn_later(self, earn: EarnKey) -> Later[EarnLot]:
        """The earn's lot, locked, and the points that left it by expiry and by annulment."""
        ...

    def annullable_for_update(self, member_id: uuid.UUID) -> Sequence[Lot]:
        """The member's lots with unreserved points, locked in id order."""
        ...

    def annullable_later(self, member: MemberKey) -> Later[Sequence[Lot]]:
        """``annullable_for_update`` for a member named by key."""
        ...

    def due_to_mature(self, now: datetime, limit: int) -> Sequence[Lot]: ...
    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Lot]: ...
