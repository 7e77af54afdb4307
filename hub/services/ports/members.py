"""The port of members: their identifiers, balances, facts for rules, status and tier."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.ledger import Totals
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.rules import FactWindows, MemberFacts
from hub.services.ports.reads import Later, MemberKey


@dataclass(frozen=True, slots=True)
class MemberBalance:
    member_id: uuid.UUID
    available: Totals
    pending: Totals
    expiring_points: int
    debt: Totals


class MemberRepository(Protocol):
    def add(
        self, member: Member, enrolled_by: str, digests: Sequence[tuple[str, bytes]], key_id: str
    ) -> None: ...
    def add_identifier(
        self, member_id: uuid.UUID, kind: str, digest: bytes, key_id: str, now: datetime
    ) -> None: ...
    def get(self, member_id: uuid.UUID, *, for_update: bool = False) -> Member: ...
    def get_later(self, member: MemberKey) -> Later[Member | None]:
        """The member the key names, or ``None``; a retired identifier key's digest matches."""
        ...

    def any_taken(self, digests: Sequence[bytes]) -> bool: ...
    def any_taken_later(self, digests: Sequence[bytes]) -> Later[bool]:
        """Whether an identifier is on file under any of ``digests``."""
        ...

    def rekey_identifier(self, old_digest: bytes, new_digest: bytes, key_id: str) -> None:
        """Replace a retired key's digest by the current one's; written at commit."""
        ...

    def erase(self, member_id: uuid.UUID, now: datetime) -> None:
        """Delete the member's identifiers and mark it erased; written at commit."""
        ...

    def identifier_key_counts(self) -> dict[str, int]: ...
    def with_identifier_kinds(self, member: Member) -> Member: ...
    def identifier_kinds_later(self, member: MemberKey) -> Later[tuple[IdentifierKind, ...]]:
        """The kinds of the member's identifiers, oldest first (none: no such member)."""
        ...

    def balance(
        self, member_id: uuid.UUID, now: datetime, expiring_before: datetime
    ) -> MemberBalance:
        """Stored totals; ``expiring_points`` leaves out the lots ``LotRepository.overdue``
        returns at ``now`` (the caller counts those as of now)."""
        ...

    def balance_later(
        self, member: MemberKey, now: datetime, expiring_before: datetime
    ) -> Later[MemberBalance | None]:
        """``balance`` for a member named by key; ``None``: no such member."""
        ...

    def debt_for_update(self, member_id: uuid.UUID) -> int: ...
    def debt_later(self, member: MemberKey) -> Later[int]:
        """The member's debt, its account locked until commit (0 when no member matches)."""
        ...

    def held_debt_later(self, member: MemberKey) -> Later[tuple[uuid.UUID, int] | None]:
        """The member ``member`` names and its debt, its account locked until commit; for an
        earn's or a hold's key, the member holding its points now (a merge's survivor)."""
        ...

    def lock(self, member: MemberKey) -> None:
        """Lock the member's row until commit: what this unit of work reads after it includes
        everything the lock's previous holders wrote (their earns, bonuses, tier). Sent with
        the next read, at no round trip of its own."""
        ...

    def facts(
        self, member_id: uuid.UUID, partner_id: str, windows: FactWindows, *, lock: bool
    ) -> MemberFacts:
        """What rules need of the member, in one read (birth date left out: it is sealed);
        ``lock`` first locks the member's row (``lock``), so the totals are read once it is
        held and concurrent calls of one member see each other's earns."""
        ...

    def facts_later(
        self, member: MemberKey, partner_id: str, windows: FactWindows
    ) -> Later[MemberFacts | None]:
        """``facts`` without the lock (take it first with ``lock``); ``None``: no such member."""
        ...

    def set_status(self, member_id: uuid.UUID, status: MemberStatus) -> None:
        """Store the member's status (freeze, unfreeze); written at commit."""
        ...

    def set_tier(self, member_id: uuid.UUID, tier: str | None, since: datetime) -> None:
        """Store the member's tier; written at commit."""
        ...

    def event_count_later(self, member: MemberKey, partner_id: str, event: str) -> Later[int]:
        """How many bonuses of ``event`` the partner gave the member (0: none, or no member)."""
        ...

    def tiers_to_review(
        self, period_start: datetime, windows: FactWindows, limit: int
    ) -> Sequence[tuple[uuid.UUID, str, int]]:
        """Members above the base tier whose tier was set before ``period_start``, locked
        (skipping locked ones), with their qualifying amount: (member id, tier, qualifying)."""
        ...
