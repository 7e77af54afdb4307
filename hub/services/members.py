"""Enrolling members, finding them, and adding identifiers."""

from __future__ import annotations

import uuid
from datetime import datetime

from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.ids import new_id
from hub.domain.limits import IDENTIFIERS_PER_ENROLLMENT_MAX, IDENTIFIERS_PER_MEMBER_MAX
from hub.domain.members import Identifier, IdentifierHasher, Member, MemberStatus
from hub.services.callers import active_partner
from hub.services.commands import AddIdentifier, EnrollMember, LookupMember, MemberRef
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import MemberView
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def resolve_member(uow: UnitOfWork, ref: MemberRef, hasher: IdentifierHasher) -> Member:
    """The member ``ref`` names, or ``MemberNotFound``."""
    if isinstance(ref, uuid.UUID):
        return uow.members.get(ref)
    return uow.members.find_by_digest(hasher.digest(ref))


def _check_identifiers(identifiers: tuple[Identifier, ...]) -> None:
    if not 1 <= len(identifiers) <= IDENTIFIERS_PER_ENROLLMENT_MAX:
        raise InvalidField(
            f"enroll with 1..{IDENTIFIERS_PER_ENROLLMENT_MAX} identifiers; got {len(identifiers)}",
            field="identifiers",
        )
    if len(set(identifiers)) != len(identifiers):
        raise InvalidField("the same identifier is given twice", field="identifiers")


def enroll_member(
    cmd: EnrollMember, *, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: IdentifierHasher
) -> MemberView:
    """Enroll a new member for the whole coalition; ``IDENTIFIER_TAKEN`` if one is in use."""
    _check_identifiers(cmd.identifiers)

    def effect(uow: UnitOfWork, now: datetime) -> MemberView:
        active_partner(uow, cmd.partner_id)
        member = Member(new_id(), MemberStatus.ACTIVE, now, tuple(i.kind for i in cmd.identifiers))
        digests = [(i.kind.value, hasher.digest(i)) for i in cmd.identifiers]
        uow.members.add(member, cmd.partner_id, digests, hasher.key_id)
        return MemberView.of(member)

    request = IdempotentRequest.of("enroll_member", cmd)
    return execute(request, MemberView, effect, uow_factory=uow_factory, clock=clock)


def lookup_member(
    cmd: LookupMember, *, uow_factory: UnitOfWorkFactory, hasher: IdentifierHasher
) -> MemberView:
    with uow_factory(read_only=True) as uow:
        active_partner(uow, cmd.partner_id)
        member = resolve_member(uow, cmd.member, hasher)
        return MemberView.of(uow.members.with_identifier_kinds(member))


def add_identifier(
    cmd: AddIdentifier, *, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: IdentifierHasher
) -> MemberView:
    """Link another identifier to an existing member."""

    def effect(uow: UnitOfWork, now: datetime) -> MemberView:
        active_partner(uow, cmd.partner_id)
        member = uow.members.with_identifier_kinds(uow.members.get(cmd.member_id))
        member.require_active()
        if len(member.identifier_kinds) >= IDENTIFIERS_PER_MEMBER_MAX:
            raise InvalidField(
                f"a member has at most {IDENTIFIERS_PER_MEMBER_MAX} identifiers", field="identifier"
            )
        kind, digest = cmd.identifier.kind, hasher.digest(cmd.identifier)
        uow.members.add_identifier(member.id, kind.value, digest, hasher.key_id, now)
        return MemberView(
            member.id, member.status, member.enrolled_at, (*member.identifier_kinds, kind)
        )

    request = IdempotentRequest.of("add_identifier", cmd)
    return execute(request, MemberView, effect, uow_factory=uow_factory, clock=clock)
