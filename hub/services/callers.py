"""The calling partner (and the member it names), as every partner use case first loads them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from hub.domain.errors import MemberNotFound, NoRateInForce, PartnerNotFound, Unauthenticated
from hub.domain.members import IdentifierHasher, Member
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.services.commands import MemberRef
from hub.services.ports.partners import CallContext
from hub.services.ports.reads import Later
from hub.services.ports.unit_of_work import UnitOfWork

T = TypeVar("T")


def unknown_partner(partner_id: str) -> Unauthenticated:
    return Unauthenticated(f"partner {partner_id!r} is not known to this hub")


def active_partner(uow: UnitOfWork, partner_id: str) -> Partner:
    """The caller's partner record; unknown callers are unauthenticated, disabled ones refused."""
    return send_active_partner(uow, partner_id)()


def send_active_partner(uow: UnitOfWork, partner_id: str) -> Later[Partner]:
    """``active_partner``, sent now and answered with the reads sent with it."""
    found = uow.partners.get_later(partner_id)

    def answer() -> Partner:
        partner = _known(found, partner_id)
        partner.require_active()
        return partner

    return answer


def send_caller(uow: UnitOfWork, partner_id: str, at: datetime) -> Later[CallContext]:
    """The caller's row with its rates ``at`` and the rules' generation, sent now; refused
    like ``active_partner`` when answered."""
    return partial(checked_caller, uow.partners.for_call_later(partner_id, at), partner_id)


def checked_caller(call: Later[CallContext], partner_id: str) -> CallContext:
    """The answer to ``call`` (``PartnerRepository.for_call_later``), refused when the caller
    is unknown (unauthenticated) or disabled."""
    context = _known(call, partner_id)
    context.partner.require_active()
    return context


def _known(read: Later[T], partner_id: str) -> T:
    try:
        return read()
    except PartnerNotFound:
        raise unknown_partner(partner_id) from None


@dataclass(frozen=True, slots=True)
class Till:
    """An active partner with rates in force, and the member its call names (if it names one)."""

    partner: Partner
    rate: RateVersion
    member: Member | None
    member_debt_points: int = 0
    """What the member owes after refunds, as read without a lock."""
    rules_generation: int = 0
    """The rules' change counter as of this read (see ``hub.services.rule_cache``)."""

    def require_member(self) -> Member:
        """The member the call names, or ``MemberNotFound``."""
        if self.member is None:
            raise MemberNotFound("no member has this id or identifier")
        return self.member

    def require_active_member(self) -> Member:
        """The member the call names, who may earn and burn, or the reason why not."""
        member = self.require_member()
        member.require_active()
        return member


def lookup_key(
    member: MemberRef | None, hasher: IdentifierHasher
) -> tuple[uuid.UUID | bytes | tuple[bytes, ...] | None, tuple[bytes, ...]]:
    """What ``for_call`` looks the member up by, and the identifier's digests (current first)."""
    if member is None or isinstance(member, uuid.UUID):
        return member, ()
    digests = hasher.digests(member)
    # One key, one digest and the statement of old: rotation costs nothing until it starts.
    return (digests[0] if len(digests) == 1 else digests), digests


def till(
    uow: UnitOfWork,
    partner_id: str,
    at: datetime,
    member: MemberRef | None,
    hasher: IdentifierHasher,
) -> Till:
    """Load and check the caller, its rates ``at`` and the member, in one read.

    A member found by a retired identifier key's digest gets the current key's digest instead,
    written with the unit of work's commit: earn and authorize commit it with their effect, at
    no extra round trip; read-only callers (quotes) leave without committing, which drops it.
    """
    key, digests = lookup_key(member, hasher)
    try:
        found = uow.partners.for_call(partner_id, at, key)
    except PartnerNotFound:
        raise unknown_partner(partner_id) from None
    if found.member_digest is not None and found.member_digest != digests[0]:
        uow.members.rekey_identifier(found.member_digest, digests[0], hasher.key_id)
    found.partner.require_active()
    if found.rate is None:
        raise NoRateInForce(f"partner {partner_id} has no rate in force at {at.isoformat()}")
    context = Till(
        found.partner, found.rate, found.member, found.member_debt_points, found.rules_generation
    )
    if member is not None:
        context.require_member()
    return context
