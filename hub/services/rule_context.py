"""What the rules need for one partner call, read through the call's own unit of work.

The ruleset comes from the process's cache (current as of the call's first read); the member's
facts, sealed birth date and campaign budgets are read only when a rule in force needs them, so
a coalition without rules pays nothing for them. Earns lock what they read (the member's row,
then the budgets in rule-id order, always in that order), and read the member's totals only
once its lock is held, so concurrent earns of one member see each other; quotes read the same
without locks, so a quote and an earn at the same moment give the same breakdown.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.domain import earn_rules
from hub.domain.breakdown import Breakdown
from hub.domain.contacts import ContactCipher, ContactCipherError, Sealed
from hub.domain.earn_rules import EarnSituation
from hub.domain.members import Member
from hub.domain.purchases import Purchase
from hub.domain.rules import NO_FACTS, MemberFacts, Ruleset
from hub.services import outbox
from hub.services.callers import Till
from hub.services.ports.unit_of_work import UnitOfWork
from hub.services.rule_cache import RuleCache

log = logging.getLogger(__name__)


def ruleset_for(uow: UnitOfWork, context: Till, rules: RuleCache, now: datetime) -> Ruleset:
    return rules.ruleset(uow, context.rules_generation, now)


def member_facts(
    uow: UnitOfWork,
    ruleset: Ruleset,
    context: Till,
    member: Member,
    *,
    now: datetime,
    zone: ZoneInfo,
    cipher: ContactCipher | None,
    lock: bool,
) -> MemberFacts:
    """The member's facts for the partner's rules; just the stored tier when none needs more."""
    partner_id = context.partner.id
    facts = MemberFacts(tier=member.tier)
    if earn_rules.needs_facts(ruleset, partner_id):
        windows = earn_rules.fact_windows(ruleset, now, zone)
        facts = uow.members.facts(member.id, partner_id, windows, lock=lock)
    if earn_rules.needs_birth_date(ruleset, partner_id, now):
        facts = replace(facts, birth_date=birth_date(uow, member.id, cipher))
    return facts


def birth_date(uow: UnitOfWork, member_id: uuid.UUID, cipher: ContactCipher | None) -> date | None:
    """The member's birth date from the sealed contact; ``None`` when there is none, or it cannot
    be opened (a birthday bonus is not worth failing the purchase for)."""
    stored = uow.contacts.get(member_id)
    if stored is None or cipher is None:
        return None
    try:
        contact = cipher.open(member_id, Sealed(stored.key_id, stored.nonce, stored.ciphertext))
    except ContactCipherError:
        log.warning("member %s: contact cannot be opened; birthday campaigns skipped", member_id)
        return None
    return contact.birth_date


def situation(
    context: Till,
    purchase: Purchase,
    facts: MemberFacts,
    *,
    now: datetime,
    zone: ZoneInfo,
    member_known: bool,
) -> EarnSituation:
    return EarnSituation(
        partner=context.partner,
        rate=context.rate,
        purchase=purchase,
        at=now,
        zone=zone,
        member_known=member_known,
        facts=facts if member_known else NO_FACTS,
    )


def breakdown(uow: UnitOfWork, ruleset: Ruleset, earn: EarnSituation, *, lock: bool) -> Breakdown:
    """The earn's breakdown, within what the budgets of its campaigns have left.

    A first pass says which budgeted campaigns apply; only their budgets are read (locked, in
    rule-id order, for an earn), and the second pass is limited by them.
    """
    unlimited = earn_rules.evaluate(ruleset, earn)
    budgeted = earn_rules.budgeted_campaigns(ruleset, unlimited)
    if not budgeted:
        return unlimited
    spent = uow.rules.budget_spent(budgeted, lock=lock)
    budgets = {
        rule_id: campaign.budget_points for rule_id, campaign in ruleset.campaigns(earn.partner.id)
    }
    left = {
        rule_id: max(0, (budgets[rule_id] or 0) - spent.get(rule_id, 0)) for rule_id in budgeted
    }
    return earn_rules.evaluate(ruleset, replace(earn, budgets_left=left))


def charge(
    uow: UnitOfWork, ruleset: Ruleset, given: Breakdown, member_id: uuid.UUID, now: datetime
) -> None:
    """Record what an earn's breakdown uses up: campaign budgets, and a tier upgrade."""
    budgeted = set(earn_rules.budgeted_campaigns(ruleset, given))
    spent = {
        rule_id: points
        for rule_id, points in given.campaign_points().items()
        if rule_id in budgeted
    }
    if spent:
        uow.rules.spend_budget(spent)
    if given.tier_after:
        uow.members.set_tier(member_id, given.tier_after, now)
        outbox.record_tier_change(uow, member_id, given.tier or None, given.tier_after, now)


def for_burn(context: Till, ruleset: Ruleset) -> Till:
    """The till as a burn sees it: the partner's exclusions rule added to its burn rules, and
    the member's tier's burn value when the partner sets a better one."""
    partner, rate = context.partner, context.rate
    excluded = earn_rules.burn_excluded_categories(ruleset, partner)
    tier = context.member.tier if context.member is not None else None
    burn_value = earn_rules.burn_value(ruleset, partner.id, tier, rate.rates)
    burn_rules = replace(partner.burn_rules, excluded_categories=excluded)
    return replace(
        context,
        partner=replace(partner, burn_rules=burn_rules),
        rate=replace(rate, rates=replace(rate.rates, burn_value=burn_value)),
    )
