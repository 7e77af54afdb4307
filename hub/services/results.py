"""What use cases answer: frozen dataclasses, free of protobuf, storable as JSON for replay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hub.domain.breakdown import Breakdown
from hub.domain.holds import Hold, HoldStatus
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.money import Money
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.domain.rules import Funder, RuleVersion, TierProgress
from hub.services.unit_of_work import TransactionRecord, Violation


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: uuid.UUID
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...]
    welcome_points: int = 0
    """Points of the welcome bonus credited at enrollment (enrollment's answer only)."""

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(member.id, member.status, member.enrolled_at, member.identifier_kinds)


@dataclass(frozen=True, slots=True)
class MemberErased:
    member_id: uuid.UUID
    erased_at: datetime
    already_erased: bool
    """True when an earlier request erased the member: this one changed nothing."""


@dataclass(frozen=True, slots=True)
class KeyUsage:
    """How many stored rows a key still protects, so operators know when it can be dropped."""

    purpose: str
    """``identifier`` or ``contact``."""
    key_id: str
    state: str
    """``current``, ``retired`` or ``unknown`` (not configured: its rows cannot be used)."""
    rows: int


@dataclass(frozen=True, slots=True)
class ContactsRekeyed:
    key_id: str
    """The current data key, which every readable contact is now sealed under."""
    rekeyed: int
    unreadable: int
    """Contacts under a key that is not configured, or failing authentication: left as is."""


@dataclass(frozen=True, slots=True)
class Earned:
    transaction_id: uuid.UUID
    member_id: uuid.UUID
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    rate_version: RateVersion
    created_at: datetime
    debt_paid_points: int = 0
    """Of ``points``, those that paid off the member's refund debt instead of crediting them."""
    breakdown: Breakdown | None = None


@dataclass(frozen=True, slots=True)
class HoldView:
    hold_id: uuid.UUID
    member_id: uuid.UUID
    status: HoldStatus
    points: int
    value: Money
    created_at: datetime
    expires_at: datetime
    order_id: str
    captured_points: int
    resolved_at: datetime | None
    rate_version: RateVersion
    transaction_id: uuid.UUID

    @classmethod
    def of(cls, hold: Hold) -> HoldView:
        return cls(
            hold.id,
            hold.member_id,
            hold.status,
            hold.points,
            hold.value,
            hold.created_at,
            hold.expires_at,
            hold.order_id,
            hold.captured_points,
            hold.resolved_at,
            hold.rate_version,
            hold.transaction_id,
        )


@dataclass(frozen=True, slots=True)
class Captured:
    transaction_id: uuid.UUID
    hold_id: uuid.UUID
    captured_points: int
    released_points: int
    value: Money
    captured_at: datetime


@dataclass(frozen=True, slots=True)
class EarnRefunded:
    transaction_id: uuid.UUID
    earn_transaction_id: uuid.UUID
    points_reversed: int
    pending_points_cancelled: int
    available_points_reversed: int
    debt_points: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RedemptionRefunded:
    transaction_id: uuid.UUID
    hold_id: uuid.UUID
    points_returned: int
    points_expired: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EarnQuoted:
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    rate_version: RateVersion
    quoted_at: datetime
    breakdown: Breakdown | None = None


@dataclass(frozen=True, slots=True)
class BurnQuoted:
    points: int
    value: Money
    rate_version: RateVersion
    quoted_at: datetime


@dataclass(frozen=True, slots=True)
class BalanceView:
    member_id: uuid.UUID
    available_points: int
    pending_points: int
    held_points: int
    expiring_points: int
    expiring_before: datetime
    as_of: datetime
    debt_points: int = 0
    tier: TierProgress | None = None
    """``None`` when the coalition has no tiers."""


@dataclass(frozen=True, slots=True)
class MemberSummary:
    member: MemberView
    balance: BalanceView
    lots: tuple[Lot, ...]
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionPage:
    transactions: tuple[TransactionRecord, ...]
    next_page_token: str
    """Empty on the last page."""


@dataclass(frozen=True, slots=True)
class PartnerView:
    partner: Partner
    rate_versions: tuple[RateVersion, ...]
    current_rate: RateVersion | None
    issued_points: int


@dataclass(frozen=True, slots=True)
class LedgerReport:
    checks: tuple[str, ...]
    counts: dict[str, int]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class EventGranted:
    transaction_id: uuid.UUID
    member_id: uuid.UUID
    points: int
    rule_id: str
    funder: Funder
    created_at: datetime
    referred_member_id: uuid.UUID | None = None
    referee_points: int = 0
    referee_transaction_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class RuleHistory:
    rule_id: str
    versions: tuple[RuleVersion, ...]
    budget_spent_points: int = 0
    """Campaigns: bonus points given so far."""


@dataclass(frozen=True, slots=True)
class RulesListed:
    at: datetime
    in_force: tuple[RuleVersion, ...]
    scheduled: tuple[RuleVersion, ...]
    """Versions taking effect after ``at``."""
