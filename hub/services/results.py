"""What use cases answer: frozen dataclasses, free of protobuf, storable as JSON for replay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.money import Money
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.services.unit_of_work import TransactionRecord, Violation


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: uuid.UUID
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...]

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(member.id, member.status, member.enrolled_at, member.identifier_kinds)


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


@dataclass(frozen=True, slots=True)
class EarnQuoted:
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    rate_version: RateVersion
    quoted_at: datetime


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


@dataclass(frozen=True, slots=True)
class MemberSummary:
    member: MemberView
    balance: BalanceView
    lots: tuple[Lot, ...]


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
