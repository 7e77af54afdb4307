"""The port of fraud review: flags, analysts' actions and the nightly pass's scans."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fraud.facts import DormantBurnFacts, FarmingFacts
from hub.domain.flags import AnalystAction, Flag, FlagStatus
from hub.domain.holds import OPEN_HOLD_STATUSES, Hold, HoldStatus
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot
from hub.domain.members import IdentifierKind
from hub.domain.money import Money
from hub.domain.purchases import PointOfSale
from hub.domain.short_ids import IdKind


@dataclass(frozen=True, slots=True)
class FlagCursor:
    """Where a page of flags starts: after this (score descending, raised_at, id)."""

    score: int
    raised_at: datetime
    flag_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AccountTransaction:
    """A transaction of a member at any partner, as a fraud analyst sees it."""

    id: uuid.UUID
    kind: TransactionKind
    created_at: datetime
    partner_id: str | None
    points: int
    order_id: str | None
    purchase: Money | None
    point_of_sale: PointOfSale | None
    related_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class MaskedIdentifier:
    """A member identifier as staff see it: its kind and a fingerprint of its keyed digest
    (the value itself is never stored, so it cannot be shown)."""

    kind: IdentifierKind
    fingerprint: str
    """The last hex digits of the digest: the same identifier, the same fingerprint."""

    @property
    def masked(self) -> str:
        return f"{self.kind.value} ••••{self.fingerprint}"


@dataclass(frozen=True, slots=True)
class QueuedFlag:
    """A flag with what an analyst needs beside it in the queue: its hold's state and
    expiry, the purchase it was raised on, and the member's identifiers, masked."""

    flag: Flag
    hold_status: HoldStatus | None = None
    hold_expires_at: datetime | None = None
    purchase: Money | None = None
    identifiers: tuple[MaskedIdentifier, ...] = ()
    as_of: datetime | None = None
    """The hub's time at the read: what ``hold_expires_in_s`` counts from."""

    @property
    def open_hold_expires_at(self) -> datetime | None:
        """When the held redemption expires, while it still can (pending or in review)."""
        return self.hold_expires_at if self.hold_status in OPEN_HOLD_STATUSES else None

    @property
    def hold_expires_in_s(self) -> int | None:
        """Whole seconds left on the open hold at ``as_of`` (0 once past)."""
        expires_at = self.open_hold_expires_at
        if expires_at is None or self.as_of is None:
            return None
        return max(0, int((expires_at - self.as_of).total_seconds()))


class GroupBy(StrEnum):
    """How the grouped queue gathers open flags."""

    MEMBER = "member"
    RULE = "rule"


@dataclass(frozen=True, slots=True)
class FlagGroup:
    """Open flags of one member or one rule, summed up."""

    key: str
    """The member id (as text) or the rule's reason code."""
    open_flags: int
    score_max: int
    newest_raised_at: datetime
    oldest_raised_at: datetime
    points: int
    hold_expires_at: datetime | None
    """The earliest expiry of a pending or in-review hold among the flags."""
    partner_ids: tuple[str, ...] = ()
    identifiers: tuple[MaskedIdentifier, ...] = ()
    hold_expires_in_s: int | None = None
    """Seconds left on that hold at the read, set by the use case (0 once past)."""


@dataclass(frozen=True, slots=True)
class FlagSelection:
    """The open flags a bulk resolution answers: one member's or one rule's, raised up to
    ``raised_until``."""

    member_id: uuid.UUID | None
    rule: str | None
    raised_until: datetime


class TimelineKind(StrEnum):
    """What a member timeline entry is; the order breaks ties between entries at one time
    (a later kind first, as an action answers a flag raised on a hold of a transaction)."""

    TRANSACTION = "transaction"
    LOT = "lot"
    HOLD = "hold"
    FLAG = "flag"
    ACTION = "action"


TIMELINE_RANKS = {kind: rank for rank, kind in enumerate(TimelineKind)}


@dataclass(frozen=True, slots=True)
class TimelineCursor:
    """Where a page of a member timeline starts: after this entry (newest first)."""

    at: datetime
    kind: TimelineKind
    entry_id: uuid.UUID


TimelineItem = AccountTransaction | Lot | Hold | Flag | AnalystAction


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: TimelineKind
    entry_id: uuid.UUID
    item: TimelineItem

    def cursor(self) -> TimelineCursor:
        return TimelineCursor(self.at, self.kind, self.entry_id)


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """Flags of one partner and rule raised in a period, by what became of them."""

    partner_id: str
    rule: str
    raised: int
    confirmed: int
    false_positives: int
    open: int
    points_annulled: int
    """Points annulled by actions answering these flags."""


class ReviewRepository(Protocol):
    """What fraud analysts read and change, and the nightly pass's scans."""

    def flag(self, flag_id: uuid.UUID, *, for_update: bool = False) -> Flag:
        """The flag, or ``FlagNotFound``."""
        ...

    def save_flag(self, flag: Flag) -> None:
        """Write the flag's status and resolution."""
        ...

    def add_nightly_flag(self, flag: Flag) -> bool:
        """Record a nightly flag unless one with its ``dedupe_key`` exists; whether it did."""
        ...

    def flags(
        self,
        status: FlagStatus | None,
        member_id: uuid.UUID | None,
        after: FlagCursor | None,
        limit: int,
    ) -> Sequence[Flag]:
        """Flags by score (highest first), then oldest first; ``status`` ``None``: all."""
        ...

    def queue(
        self,
        status: FlagStatus | None,
        member_id: uuid.UUID | None,
        after: FlagCursor | None,
        limit: int,
    ) -> Sequence[QueuedFlag]:
        """``flags``, each with its hold's state and expiry and its transaction's purchase
        (identifiers are left to ``masked_identifiers``)."""
        ...

    def expiring(
        self, member_id: uuid.UUID | None, now: datetime, until: datetime, limit: int
    ) -> Sequence[QueuedFlag]:
        """Open flags whose open hold expires in (now, until], soonest first."""
        ...

    def queued(self, flag_id: uuid.UUID) -> QueuedFlag:
        """One flag as ``queue`` gives it, or ``FlagNotFound``."""
        ...

    def masked_identifiers(
        self, member_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[MaskedIdentifier, ...]]:
        """The members' identifiers, masked, cards first."""
        ...

    def flag_groups(self, by: GroupBy, limit: int) -> Sequence[FlagGroup]:
        """Open flags by member or rule, highest score then newest first, partners filled."""
        ...

    def open_flags_for_update(self, selection: FlagSelection, limit: int) -> Sequence[Flag]:
        """The open flags ``selection`` names, oldest first, locked."""
        ...

    def ids_with_prefix(
        self, kind: IdKind, low: uuid.UUID, high: uuid.UUID, limit: int
    ) -> Sequence[uuid.UUID]:
        """Ids of ``kind`` in [low, high] (a prefix's range), at most ``limit``."""
        ...

    def timeline(
        self, member_id: uuid.UUID, after: TimelineCursor | None, limit: int
    ) -> Sequence[TimelineEntry]:
        """Up to ``limit`` entries of each kind past ``after``, newest first (the caller
        merges them)."""
        ...

    def add_action(self, action: AnalystAction) -> None: ...
    def actions(self, member_id: uuid.UUID) -> Sequence[AnalystAction]:
        """The analysts' actions on the member, oldest first."""
        ...

    def linked_members(self, member_id: uuid.UUID) -> Sequence[uuid.UUID]: ...
    def enrolled_by(self, member_id: uuid.UUID) -> str:
        """The partner that enrolled the member, or ``MemberNotFound``."""
        ...

    def transactions(self, member_id: uuid.UUID, limit: int) -> Sequence[AccountTransaction]:
        """The member's newest transactions at every partner."""
        ...

    def report(self, start: datetime, end: datetime) -> Sequence[RuleCounts]:
        """Per partner and rule, the flags raised in [start, end), by partner then rule."""
        ...

    def farming(
        self, since: datetime, until: datetime, min_active_days: int, min_earns: int
    ) -> Sequence[FarmingFacts]:
        """Members earning at one partner on at least ``min_active_days`` distinct days (24 h
        from ``since``) and at least ``min_earns`` times in [since, until)."""
        ...

    def dormant_burns(
        self, start: datetime, end: datetime, idle_since: datetime, min_points: int
    ) -> Sequence[DormantBurnFacts]:
        """Members who burned at least ``min_points`` in [start, end) (holds placed) with no
        transaction of theirs in [idle_since, start)."""
        ...
