"""Enrolling members, finding them, and adding identifiers and contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.clock import Clock
from hub.domain.contacts import Contact, ContactCipher
from hub.domain.errors import IdentifierTaken, InvalidField, MemberNotFound
from hub.domain.ids import new_id
from hub.domain.limits import IDENTIFIERS_PER_ENROLLMENT_MAX, IDENTIFIERS_PER_MEMBER_MAX
from hub.domain.members import Identifier, IdentifierHasher, IdentifierKind, Member, MemberStatus
from hub.services import bonuses, till_reads
from hub.services.callers import active_partner, send_active_partner, send_caller
from hub.services.commands import (
    AddIdentifier,
    EnrollMember,
    LookupMember,
    MemberRef,
    UpdateMemberContact,
)
from hub.services.contacts import ContactToSeal
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.fraud import LinkKind
from hub.services.ports.partners import CallContext
from hub.services.ports.reads import Later, MemberKey
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import MemberView
from hub.services.rule_cache import RuleCache
from hub.services.transactions import execute, run_idempotent


def member_not_found(ref: MemberRef | MemberKey) -> MemberNotFound:
    """The refusal for a member ``ref`` names that does not exist (never echoing an
    identifier or its digest)."""
    if isinstance(ref, uuid.UUID):
        return MemberNotFound(f"no member {ref}")
    return MemberNotFound("no member has this identifier")


def send_member(uow: UnitOfWork, ref: MemberRef, hasher: IdentifierHasher) -> Later[Member]:
    """The member ``ref`` names, sent now; ``MemberNotFound`` when answered. A retired key's
    digest still matches (these are reads: the digest is re-keyed by the next earn or
    authorize)."""
    found = uow.members.get_later(till_reads.member_key(ref, hasher))

    def answer() -> Member:
        if (member := found()) is None:
            raise member_not_found(ref)
        return member

    return answer


def resolve_member(uow: UnitOfWork, ref: MemberRef, hasher: IdentifierHasher) -> Member:
    """The member ``ref`` names, or ``MemberNotFound`` (``send_member``)."""
    return send_member(uow, ref, hasher)()


def _check_identifiers(identifiers: tuple[Identifier, ...]) -> None:
    if not 1 <= len(identifiers) <= IDENTIFIERS_PER_ENROLLMENT_MAX:
        raise InvalidField(
            f"enroll with 1..{IDENTIFIERS_PER_ENROLLMENT_MAX} identifiers; got {len(identifiers)}",
            field="identifiers",
        )
    if len(set(identifiers)) != len(identifiers):
        raise InvalidField("the same identifier is given twice", field="identifiers")


def _send_untaken_check(
    uow: UnitOfWork, identifiers: Sequence[Identifier], hasher: IdentifierHasher, field: str
) -> Later[None]:
    """The primary key refuses a taken identifier under the current key; while keys rotate, it
    may still be on file under a retired one, which only a read finds: sent now,
    ``IdentifierTaken`` when answered."""
    if not hasher.rotating:
        return lambda: None
    retired = [digest for i in identifiers for digest in hasher.digests(i)[1:]]
    taken = uow.members.any_taken_later(retired)

    def check() -> None:
        if taken():
            raise IdentifierTaken("this identifier already belongs to a member", field=field)

    return check


def _require_untaken(
    uow: UnitOfWork, identifiers: Sequence[Identifier], hasher: IdentifierHasher, field: str
) -> None:
    _send_untaken_check(uow, identifiers, hasher, field)()


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
    and the welcome bonuses in force; ``IDENTIFIER_TAKEN`` if an identifier is in use. One
    round trip reads (with the idempotency claim), one writes."""
    _check_identifiers(cmd.identifiers)
    to_seal = ContactToSeal.of(cmd.contact, cipher, clock.now().date())

    def read(uow: UnitOfWork, now: datetime) -> Later[CallContext]:
        caller = send_caller(uow, cmd.partner_id, now)
        untaken = _send_untaken_check(uow, cmd.identifiers, hasher, "identifiers")

        def answer() -> CallContext:
            context = caller()
            untaken()
            return context

        return answer

    def apply(uow: UnitOfWork, caller: CallContext, now: datetime) -> MemberView:
        member = Member(new_id(), MemberStatus.ACTIVE, now, tuple(i.kind for i in cmd.identifiers))
        digests = [(i.kind.value, hasher.digest(i)) for i in cmd.identifiers]
        uow.members.add(member, cmd.partner_id, digests, hasher.key_id)
        if to_seal is not None:
            uow.contacts.put(member.id, to_seal.sealed(member.id, now))
        links = [*identifier_links(cmd.identifiers, hasher), *contact_links(cmd.contact, hasher)]
        uow.fraud.set_links(member.id, links)
        # Rules cost a round trip only when they changed since this process last read them.
        ruleset = rules.ruleset(uow, caller.rules_generation, now)
        welcome_points = bonuses.welcome(uow, ruleset, caller.partner, member.id, now, zone)
        return replace(MemberView.of(member), welcome_points=welcome_points)

    request = IdempotentRequest.of("enroll_member", cmd, fingerprint=hasher.fingerprint)
    return run_idempotent(request, MemberView, read, apply, uow_factory=uow_factory, clock=clock)


def lookup_member(
    cmd: LookupMember, *, uow_factory: UnitOfWorkFactory, hasher: IdentifierHasher
) -> MemberView:
    """The member the caller names, with the kinds of its identifiers; one round trip."""
    with uow_factory(single_read=True) as uow:
        partner = send_active_partner(uow, cmd.partner_id)
        member = send_member(uow, cmd.member, hasher)
        kinds = uow.members.identifier_kinds_later(till_reads.member_key(cmd.member, hasher))
        partner()
        return MemberView.of(replace(member(), identifier_kinds=kinds()))


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
