"""The port of partners and their rates, and what a partner's call reads first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.members import Member
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.services.ports.reads import Later


@dataclass(frozen=True, slots=True)
class CallContext:
    partner: Partner
    rate: RateVersion | None
    """``None`` when no rate is in force."""
    member: Member | None
    """``None`` when no member was asked for, or none matched."""
    member_debt_points: int = 0
    """What the member owes after refunds, read without a lock."""
    member_digest: bytes | None = None
    """The identifier digest the member was found by, when several were tried (key rotation)."""
    rules_generation: int = 0
    """The rules' change counter as of this read: cached rules of another generation are stale."""


class PartnerRepository(Protocol):
    def add(self, partner: Partner, first_rate: RateVersion, now: datetime) -> None: ...
    def get(self, partner_id: str) -> Partner: ...
    def get_later(self, partner_id: str) -> Later[Partner]:
        """``get``, sent now: ``PartnerNotFound`` when answered."""
        ...

    def for_call(
        self,
        partner_id: str,
        at: datetime,
        member: uuid.UUID | bytes | tuple[bytes, ...] | None = None,
    ) -> CallContext:
        """What a partner's call needs in one read: the partner (or ``PartnerNotFound``), its
        rates in force ``at`` and the member named by id or identifier digest (or any of several
        digests, one per identifier key), if any."""
        ...

    def for_call_later(
        self,
        partner_id: str,
        at: datetime,
        member: uuid.UUID | bytes | tuple[bytes, ...] | None = None,
    ) -> Later[CallContext]:
        """``for_call``, sent now and answered with the reads sent with it."""
        ...

    def list(self) -> Sequence[Partner]: ...
    def rate_versions(self, partner_id: str) -> Sequence[RateVersion]: ...
    def add_rate(self, version: RateVersion, now: datetime) -> None: ...
    def save(self, partner: Partner) -> None:
        """Write the partner's status and rate limit."""
        ...

    def issued_points(self, partner_id: str) -> int: ...
