"""Partners' events: points for reviews, referrals and completed profiles, within the
per-member limits of the partner's event rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.bonuses import REFEREE_EVENT, BonusGrant
from hub.domain.clock import Clock
from hub.domain.errors import EventLimitReached, InvalidField, RuleNotFound
from hub.domain.members import IdentifierHasher, Member
from hub.domain.rules import EventKind, EventRule, Ruleset
from hub.services.bonuses import credit
from hub.services.callers import Till, till
from hub.services.commands import GrantEvent
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.members import resolve_member
from hub.services.results import EventGranted
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


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
    referral also credits the referred member, who can be referred only once."""
    _check_referral(cmd)

    def effect(uow: UnitOfWork, now: datetime) -> EventGranted:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        member = context.require_active_member()
        rule_id, rule = _event_rule(rules.ruleset(uow, context.rules_generation, now), cmd)
        # The member's row lock orders concurrent grants, so the limit holds under them.
        _require_below_limit(uow, context, member, cmd.event.value, rule.max_per_member)
        grant = BonusGrant(member.id, rule.points, rule.funder, cmd.event.value, rule_id)
        transaction_id = credit(uow, grant, context.partner, now, zone)
        granted = EventGranted(transaction_id, member.id, rule.points, rule_id, rule.funder, now)
        if cmd.referred_member is None:
            return granted
        referee = resolve_member(uow, cmd.referred_member, hasher)
        return _credit_referee(uow, context, member, referee, rule, granted, zone)

    request = IdempotentRequest.of("grant_event", cmd, fingerprint=hasher.fingerprint)
    return execute(request, EventGranted, effect, uow_factory=uow_factory, clock=clock)


def _check_referral(cmd: GrantEvent) -> None:
    if cmd.event is EventKind.REFERRAL and cmd.referred_member is None:
        raise InvalidField("a referral names the referred member", field="referred_member")
    if cmd.event is not EventKind.REFERRAL and cmd.referred_member is not None:
        raise InvalidField(
            f"only referrals name a referred member, not {cmd.event.value}", field="referred_member"
        )


def _event_rule(ruleset: Ruleset, cmd: GrantEvent) -> tuple[str, EventRule]:
    found = ruleset.event_rule(cmd.partner_id, cmd.event)
    if found is None:
        raise RuleNotFound(
            f"partner {cmd.partner_id} has no {cmd.event.value} event rule in force", field="event"
        )
    return found


def _require_below_limit(
    uow: UnitOfWork, context: Till, member: Member, event: str, limit: int
) -> None:
    uow.members.lock(member.id)
    count = uow.members.event_count(member.id, context.partner.id, event)
    if count >= limit:
        raise EventLimitReached(
            f"member {member.id} already had {count} {event} bonus(es) from "
            f"{context.partner.id}; the rule allows {limit}"
        )


def _credit_referee(
    uow: UnitOfWork,
    context: Till,
    referrer: Member,
    referee: Member,
    rule: EventRule,
    granted: EventGranted,
    zone: ZoneInfo,
) -> EventGranted:
    """Credit the referred member's side of ``granted`` (a referral by ``referrer``)."""
    if referee.id == referrer.id:
        raise InvalidField("a member cannot refer themselves", field="referred_member")
    referee.require_active()
    transaction_id = None
    if rule.referee_points:
        # Whoever referred them, a member is rewarded for being referred once per partner.
        _require_below_limit(uow, context, referee, REFEREE_EVENT, 1)
        grant = BonusGrant(
            referee.id, rule.referee_points, rule.funder, REFEREE_EVENT, granted.rule_id
        )
        transaction_id = credit(uow, grant, context.partner, granted.created_at, zone)
    return replace(
        granted,
        referred_member_id=referee.id,
        referee_points=rule.referee_points,
        referee_transaction_id=transaction_id,
    )
