"""The port of the fraud checks on the hot path: activity counters, flags and links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fraud.facts import ActivityFacts, ActivityWindows, Attempt
from fraud.replay import PastOperations
from hub.domain.flags import Flag
from hub.domain.purchases import PointOfSale
from hub.services.ports.reads import Later, MemberKey


class LinkKind(StrEnum):
    """What a member link's digest is of: members sharing a digest are linked."""

    PHONE = "phone"
    """The contact's phone number."""
    EMAIL = "email"
    IDENTIFIER = "identifier"
    """A phone number the member is identified by."""


class FraudRepository(Protocol):
    """What the fraud checks read and write on the hot path."""

    def activity_later(
        self,
        member: MemberKey,
        partner_id: str,
        point_of_sale: PointOfSale,
        windows: ActivityWindows,
    ) -> Later[ActivityFacts]:
        """``activity`` for a member named by key, sent now and answered later."""
        ...

    def activity(self, attempt: Attempt, windows: ActivityWindows) -> ActivityFacts:
        """The member's, terminal's and cashier's recent activity, in one read of a bounded
        number of rows (the fraud counters, kept by ``LedgerRepository.add``)."""
        ...

    def prune_counters(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` rows of each fraud counter table last counted before
        ``before``; how many."""
        ...

    def past_operations(
        self,
        partner_id: str,
        *,
        since: datetime,
        read_since: datetime,
        until: datetime,
        operations_max: int,
        rows_max: int,
    ) -> PastOperations:
        """For a tuning preview: the partner's newest earns and holds from ``since`` up to
        ``until`` (at most ``operations_max``), with every earn and hold of their members and
        of the partner from ``read_since`` on, each with the member's and the till's history
        before it (at most ``rows_max`` rows, newest first)."""
        ...

    def raised_flags(self, partner_id: str, since: datetime) -> dict[str, int]:
        """Flags recorded per rule at ``partner_id`` since ``since``."""
        ...

    def add_flag(self, flag: Flag) -> None:
        """Record a flag and one row per rule that fired; written at commit."""
        ...

    def set_links(
        self,
        member_id: uuid.UUID,
        links: Sequence[tuple[LinkKind, bytes]],
        *,
        replacing: Sequence[LinkKind] = (),
    ) -> None:
        """Delete the member's links of the ``replacing`` kinds, then add ``links``; written
        at commit."""
        ...
