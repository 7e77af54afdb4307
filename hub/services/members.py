"""Enrolling members, finding them, and adding identifiers and contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.clock import Clock
from hub.domain.contacts import Contact, ContactCipher
from hub.domain.errors import IdentifierTaken, InvalidField
from hub.domain.ids import new_id
from hub.domain.limits import IDENTIFIERS_PER_ENROLLMENT_MAX, IDENTIFIERS_PER_MEMBER_MAX
from hub.domain.members import Identifier, IdentifierHasher, IdentifierKind, Member, MemberStatus
from hub.services import bonuses
from hub.services.callers import active_partner
from hub.services.commands import (
    AddIdentifier,
    EnrollMember,
    LookupMember,
    MemberRef,
    UpdateMemberContact,
)
from hub.services.contacts import ContactToSeal
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import MemberView
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import LinkKind, UnitOfWork, UnitOfWorkFactory


def resolve_member(uow: UnitOfWork, ref: MemberRef, hasher: IdentifierHasher) -> Member:
    """The member ``ref`` names, or ``MemberNotFound``; a retired key's digest still matches
    (these are reads: the digest is re-keyed by the next earn or authorize)."""
    if isinstance(ref, uuid.UUID):
        return uow.members.get(ref)
    return uow.members.find_by_digests(hasher.digests(ref))


def _check_identifiers(identifiers: tuple[Identifier, ...]) -> None:
    if not 1 <= len(identifiers) <= IDENTIFIERS_PER_ENROLLMENT_MAX:
        raise InvalidField(
            f"enroll with 1..{IDENTIFIERS_PER_ENROLLMENT_MAX} identifiers; got {len(identifiers)}",
            field="identifiers",
        )
    if len(set(identifiers)) != len(identifiers):
        raise InvalidField("the same identifier is given twice", field="identifiers")


def _require_untaken(
    uow: UnitOfWork, identifiers: Sequence[Identifier], hasher: IdentifierHasher, field: str
) -> None:
    """The primary key refuses a taken identifier under the current key; while keys rotate, it
    may still be on file under a retired one, which only a read finds."""
    if not hasher.rotating:
        return
    retired = [digest for i in identifiers for digest in hasher.digests(i)[1:]]
    if uow.members.any_taken(retired):
        raise IdentifierTaken("this identifier already belongs to a member", field=field)


def identifier_links(
    identifiers: Sequence[Identifier], hasher: IdentifierHasher
) -> list[tuple[LinkKind, bytes]]:
    """Phones members are identified by: another member's contact phone links to them."""
    return [
        (LinkKind.IDENTIFIER, hasher.digest(i))
        for i in identifiers
        if i.kind is IdentifierKind.PHONE
    ]


def contact_links(
    contact: Contact | None, hasher: IdentifierHasher
) -> list[tuple[LinkKind, bytes]]:
    """The contact's phone and e-mail, as digests: one phone on many members is a fraud signal."""
    links = []
    if contact is not None and contact.phone:
        links.append((LinkKind.PHONE, hasher.link_digest(IdentifierKind.PHONE, contact.phone)))
    if contact is not None and contact.email:
        links.append((LinkKind.EMAIL, hasher.link_digest("email", contact.email.lower())))
    return links


def enroll_member(
    cmd: EnrollMember,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    cipher: ContactCipher | None,
    rules: RuleCache,
    zone: ZoneInfo,
) -> MemberView:
    """Enroll a new member for the whole coalition, with an optional contact kept encrypted
    and the welcome bonuses in force; ``IDENTIFIER_TAKEN`` if an identifier is in use."""
    _check_identifiers(cmd.identifiers)
    to_seal = ContactToSeal.of(cmd.contact, cipher, clock.now().date())

    def effect(uow: UnitOfWork, now: datetime) -> MemberView:
        partner = active_partner(uow, cmd.partner_id)
        _require_untaken(uow, cmd.identifiers, hasher, "identifiers")
        member = Member(new_id(), MemberStatus.ACTIVE, now, tuple(i.kind for i in cmd.identifiers))
        digests = [(i.kind.value, hasher.digest(i)) for i in cmd.identifiers]
        uow.members.add(member, cmd.partner_id, digests, hasher.key_id)
        if to_seal is not None:
            uow.contacts.put(member.id, to_seal.sealed(member.id, now))
        links = [*identifier_links(cmd.identifiers, hasher), *contact_links(cmd.contact, hasher)]
        uow.fraud.set_links(member.id, links)
        welcome_points = bonuses.welcome(uow, rules, partner, member.id, now, zone)
        return replace(MemberView.of(member), welcome_points=welcome_points)

    request = IdempotentRequest.of("enroll_member", cmd, fingerprint=hasher.fingerprint)
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
        # Locked, so that an erasure running at the same time cannot miss the new identifier.
        member = uow.members.get(cmd.member_id, for_update=True)
        member = uow.members.with_identifier_kinds(member)
        member.require_active()
        if len(member.identifier_kinds) >= IDENTIFIERS_PER_MEMBER_MAX:
            raise InvalidField(
                f"a member has at most {IDENTIFIERS_PER_MEMBER_MAX} identifiers", field="identifier"
            )
        _require_untaken(uow, (cmd.identifier,), hasher, "identifier")
        kind, digest = cmd.identifier.kind, hasher.digest(cmd.identifier)
        uow.members.add_identifier(member.id, kind.value, digest, hasher.key_id, now)
        uow.fraud.set_links(member.id, identifier_links((cmd.identifier,), hasher))
        return MemberView(
            member.id, member.status, member.enrolled_at, (*member.identifier_kinds, kind)
        )

    request = IdempotentRequest.of("add_identifier", cmd, fingerprint=hasher.fingerprint)
    return execute(request, MemberView, effect, uow_factory=uow_factory, clock=clock)


def update_contact(
    cmd: UpdateMemberContact,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    cipher: ContactCipher | None,
) -> MemberView:
    """Replace the member's contact as a whole; an empty one deletes it."""
    to_seal = ContactToSeal.of(cmd.contact, cipher, clock.now().date())

    def effect(uow: UnitOfWork, now: datetime) -> MemberView:
        active_partner(uow, cmd.partner_id)
        # Locked, so that an erasure running at the same time cannot miss the new contact.
        member = uow.members.get(cmd.member_id, for_update=True)
        member.require_not_erased()
        if to_seal is None:
            uow.contacts.delete(member.id)
        else:
            uow.contacts.put(member.id, to_seal.sealed(member.id, now))
        links = contact_links(cmd.contact, hasher)
        uow.fraud.set_links(member.id, links, replacing=(LinkKind.PHONE, LinkKind.EMAIL))
        return MemberView.of(uow.members.with_identifier_kinds(member))

    request = IdempotentRequest.of("update_member_contact", cmd, fingerprint=hasher.fingerprint)
    return execute(request, MemberView, effect, uow_factory=uow_factory, clock=clock)
