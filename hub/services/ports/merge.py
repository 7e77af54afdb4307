"""The port of member merges: the rows a merge locks and moves, and its record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.lots import Lot


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """A merge as stored: who absorbed whom, when and why, and what moved."""

    id: uuid.UUID
    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    merged_at: datetime
    merged_by: str
    reason: str
    transaction_id: uuid.UUID | None
    debt_points: int
    points: int
    """Points the moved lots held when they moved."""
    lot_ids: tuple[uuid.UUID, ...] = ()
    digests: tuple[bytes, ...] = ()
    unmerged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Unmerging:
    """What the correcting operation records on the merge."""

    merge_id: uuid.UUID
    unmerged_at: datetime
    unmerged_by: str
    reason: str
    transaction_id: uuid.UUID | None


class MergeRepository(Protocol):
    def open_holds(self, member_id: uuid.UUID) -> int:
        """How many pending holds (pending or in review) the member has."""
        ...

    def lots_for_update(self, absorbed_id: uuid.UUID, survivor_id: uuid.UUID) -> Sequence[Lot]:
        """Every lot of the absorbed member and the survivor's lots with points left, locked in
        id order."""
        ...

    def identifier_digests(self, member_id: uuid.UUID) -> Sequence[bytes]:
        """The digests of the member's identifiers, locked."""
        ...

    def move_lots(
        self, lot_ids: Sequence[uuid.UUID], from_member_id: uuid.UUID, to_member_id: uuid.UUID
    ) -> None:
        """Give the lots (those still ``from_member_id``'s) another owner; written at commit."""
        ...

    def move_identifiers(
        self, digests: Sequence[bytes], from_member_id: uuid.UUID, to_member_id: uuid.UUID
    ) -> None:
        """Give the identifiers (those still the giver's) another member; written at commit."""
        ...

    def add(self, merge: MergeRecord, lots: Sequence[Lot]) -> None:
        """Record the merge with the lots (as they were) and identifiers it moved."""
        ...

    def open_merge_for_update(
        self, survivor_id: uuid.UUID, absorbed_id: uuid.UUID
    ) -> MergeRecord | None:
        """The survivor's merge of the absorbed member not yet undone, locked; or ``None``."""
        ...

    def merged_into(self, member_id: uuid.UUID) -> uuid.UUID | None:
        """The member this one is merged into, if it is."""
        ...

    def absorbed(self, survivor_id: uuid.UUID) -> Sequence[uuid.UUID]:
        """The members merged into this one and not unmerged, oldest merge first."""
        ...

    def unmerge(self, unmerging: Unmerging) -> None:
        """Record the merge's correcting operation; written at commit."""
        ...
