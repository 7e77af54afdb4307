"""The port of the ledger: transactions, what refunds read of them, and history pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.breakdown import Breakdown
from hub.domain.ledger import Transaction, TransactionKind
from hub.domain.money import Money
from hub.domain.rates import RateVersion
from hub.domain.refunds import EarnRecord, PriorRefunds
from hub.services.ports.reads import EarnKey, HoldKey, Later, MemberKey


@dataclass(frozen=True, slots=True)
class RefundedRedemption:
    hold_id: uuid.UUID | None
    """The hold the refunds were counted for; ``None``: no hold matched."""
    points: int


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where a page of transactions starts: after this (created_at, id), newest first."""

    created_at: datetime
    transaction_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A transaction as a partner sees it in its history (without the entries)."""

    id: uuid.UUID
    kind: TransactionKind
    created_at: datetime
    points: int
    member_id: uuid.UUID | None
    order_id: str | None
    purchase: Money | None
    rate_version: RateVersion | None
    available_at: datetime | None
    expires_at: datetime | None
    related_id: uuid.UUID | None = None
    breakdown: Breakdown | None = None
    """Earns: the breakdown stored when the points were posted."""
    tier_before: str | None = None
    tier_after: str | None = None
    """Refunds of earns that took the member below its tier: the tier lost and the new one."""
    purchased_at: datetime | None = None
    """Earns a till sent after the sale (store-and-forward): when the sale was made."""


class LedgerRepository(Protocol):
    def add(self, transaction: Transaction) -> None:
        """Record ``transaction``: entries and running totals; written at commit."""
        ...

    def earn_later(self, earn: EarnKey) -> Later[EarnRecord]:
        """The earn, locked until commit (its refunds queue on it), or ``TransactionNotFound``
        (also for another partner's)."""
        ...

    def refunds_of_earn_later(self, earn: EarnKey) -> Later[PriorRefunds]:
        """What the earn's refunds so far returned: money, points and shares of lines."""
        ...

    def redemption_refunds_later(self, hold: HoldKey) -> Later[RefundedRedemption]:
        """The points the hold's refunds gave back so far, and which hold they were counted
        for (an order's holds may change while the reads are sent)."""
        ...

    def page(
        self, partner_id: str, member_id: uuid.UUID | None, after: PageCursor | None, limit: int
    ) -> Sequence[TransactionRecord]:
        """The partner's transactions (of one member, if named), newest first, ``after`` the
        cursor, at most ``limit``."""
        ...

    def page_later(
        self, partner_id: str, member: MemberKey | None, after: PageCursor | None, limit: int
    ) -> Later[Sequence[TransactionRecord]]:
        """``page`` for a member named by key (none: no such member)."""
        ...
