"""Partners' events: points for reviews, referrals and completed profiles, within the
per-member limits of the partner's event rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.bonuses import REFEREE_EVENT, BonusGrant
from hub.domain.clock import Clock
from hub.domain.errors import EventLimitReached, InvalidField, MemberNotFound, RuleNotFound
from hub.domain.members import IdentifierHasher, Member
from hub.domain.partners import Partner
from hub.domain.rules import EventKind, EventRule, Ruleset
from hub.services import bonuses, till_reads
from hub.services.commands import GrantEvent, MemberRef
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.reads import Later, MemberKey
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import EventGranted
from hub.services.rule_cache import RuleCache
from hub.services.till_reads import TillQuery, TillRead
from hub.services.transactions import run_idempotent


@dataclass(frozen=True, slots=True)
class _Referee:
    """The referred member, with its referee bonuses and debt read under its row's lock."""

    member: Member | None
    bonuses: int
    debt_points: int


@dataclass(frozen=True, slots=True)
class _EventRead:
    till: TillRead
    """The caller, its rules and the member, locked, with its debt."""
    events: int
    """The member's bonuses for this event from this partner so far, read under its lock."""
    referee: _Referee | None


def grant_event(
    cmd: GrantEvent,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
    zone: ZoneInfo,
) -> EventGranted:
    """Credit the points the partner's event rule gives, within its per-member limit; a
    referral also credits the referred member, who can be referred only once. One round trip
    reads (with the idempotency claim), one writes."""
    _check_referral(cmd)
    query = TillQuery(cmd.partner_id, cmd.member, locked=True, with_facts=False)

    def read(uow: UnitOfWork, now: datetime) -> Later[_EventRead]:
        # The member's row lock, sent first, orders concurrent grants: the limit holds.
        till = till_reads.send(uow, query, now, hasher=hasher, rules=rules, zone=zone)
        events = uow.members.event_count_later(
            _key(cmd.member, hasher), cmd.partner_id, cmd.event.value
        )
        referee = _send_referee(uow, cmd.referred_member, cmd.partner_id, hasher)
        return lambda: _EventRead(till(), events(), referee() if referee else None)

    def apply(uow: UnitOfWork, state: _EventRead, now: datetime) -> EventGranted:
        context = state.till.context
        member = context.require_active_member()
        rule_id, rule = _event_rule(state.till.ruleset, cmd)
        _require_below_limit(
            member.id, context.partner.id, cmd.event.value, state.events, rule.max_per_member
        )
        grant = BonusGrant(member.id, rule.points, rule.funder, cmd.event.value, rule_id)
        transaction_id = bonuses.credit(
            uow, grant, context.partner, now, zone, debt_points=state.till.debt_points
        )
        granted = EventGranted(transaction_id, member.id, rule.points, rule_id, rule.funder, now)
        if state.referee is None:
            return granted
        return _credit_referee(uow, context.partner, member, state.referee, rule, granted, zone)

    request = IdempotentRequest.of("grant_event", cmd, fingerprint=hasher.fingerprint)
    return run_idempotent(request, EventGranted, read, apply, uow_factory=uow_factory, clock=clock)


def _check_referral(cmd: GrantEvent) -> None:
    if cmd.event is EventKind.REFERRAL and cmd.referred_member is None:
        raise InvalidField("a referral names the referred member", field="referred_member")
    if cmd.event is not EventKind.REFERRAL and cmd.referred_member is not None:
        raise InvalidField(
            f"only referrals name a referred member, not {cmd.event.value}", field="referred_member"
        )


def _key(member: MemberRef, hasher: IdentifierHasher) -> MemberKey:
    """The member by id, or by its identifier's digests (a retired key's too)."""
    return member if isinstance(member, uuid.UUID) else tuple(hasher.digests(member))


def _send_referee(
    uow: UnitOfWork, referred: MemberRef | None, partner_id: str, hasher: IdentifierHasher
) -> Later[_Referee] | None:
    """The referred member's reads, after the referrer's: its row locked, then its referee
    bonuses from this partner and its debt (its debt account locked)."""
    if referred is None:
        return None
    key = _key(referred, hasher)
    uow.members.lock(key)
    member = uow.members.get_later(key)
    bonuses = uow.members.event_count_later(key, partner_id, REFEREE_EVENT)
    debt = uow.members.debt_later(key)
    return lambda: _Referee(member(), bonuses(), debt())


def _event_rule(ruleset: Ruleset, cmd: GrantEvent) -> tuple[str, EventRule]:
    found = ruleset.event_rule(cmd.partner_id, cmd.event)
    if found is None:
        raise RuleNotFound(
            f"partner {cmd.partner_id} has no {cmd.event.value} event rule in force", field="event"
        )
    return found


def _require_below_limit(
    member_id: uuid.UUID, partner_id: str, event: str, count: int, limit: int
) -> None:
    if count >= limit:
        raise EventLimitReached(
            f"member {member_id} already had {count} {event} bonus(es) from "
            f"{partner_id}; the rule allows {limit}"
        )


def _credit_referee(
    uow: UnitOfWork,
    partner: Partner,
    referrer: Member,
    referee: _Referee,
    rule: EventRule,
    granted: EventGranted,
    zone: ZoneInfo,
) -> EventGranted:
    """Credit the referred member's side of ``granted`` (a referral by ``referrer``)."""
    member = referee.member
    if member is None:
        raise MemberNotFound("no member has the referred member's id or identifier")
    if member.id == referrer.id:
        raise InvalidField("a member cannot refer themselves", field="referred_member")
    member.require_active()
    transaction_id = None
    if rule.referee_points:
        # Whoever referred them, a member is rewarded for being referred once per partner.
        _require_below_limit(member.id, partner.id, REFEREE_EVENT, referee.bonuses, 1)
        grant = BonusGrant(
            member.id, rule.referee_points, rule.funder, REFEREE_EVENT, granted.rule_id
        )
        transaction_id = bonuses.credit(
            uow, grant, partner, granted.created_at, zone, debt_points=referee.debt_points
        )
    return replace(
        granted,
        referred_member_id=member.id,
        referee_points=rule.referee_points,
        referee_transaction_id=transaction_id,
    )
