"""The port of fraud review: flags, analysts' actions and the nightly pass's scans."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fraud.facts import DormantBurnFacts, FarmingFacts
from hub.domain.flags import AnalystAction, Flag, FlagStatus
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.domain.purchases import PointOfSale


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
