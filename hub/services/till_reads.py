"""What a till call reads, sent to the database together and answered in one round trip.

The member is named by id or by its identifier's digests, so every read can be sent before
anyone knows the member's id. When the call writes, the member's row is locked first (the
lock travels ahead of the reads), so its totals, its debt and the fraud counters are read once
the lock is held and concurrent calls of one member see each other. The reads that depend on
the rules (which totals, which fraud windows) are sent for the rules this process has cached;
the one read also says whether they are still current, and when they changed, those reads are
sent again under the same lock: a round trip more, once per rule change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud.facts import ActivityFacts
from hub.domain import earn_rules
from hub.domain.contacts import ContactCipher
from hub.domain.errors import NoRateInForce
from hub.domain.members import IdentifierHasher
from hub.domain.purchases import PointOfSale
from hub.domain.rates import RateVersion
from hub.domain.rules import NO_FACTS, MemberFacts, Ruleset
from hub.services import rule_context
from hub.services.callers import Till, checked_caller, lookup_key
from hub.services.commands import MemberRef
from hub.services.ports.partners import CallContext
from hub.services.ports.reads import Later, MemberKey
from hub.services.ports.unit_of_work import UnitOfWork
from hub.services.rule_cache import RuleCache


@dataclass(frozen=True, slots=True)
class TillRead:
    """Everything a till call decides on."""

    context: Till
    ruleset: Ruleset
    facts: MemberFacts
    """The member's totals when a rule in force needs them, else just its tier."""
    activity: ActivityFacts | None
    """The fraud counters, when the call is screened."""
    debt_points: int
    """What the member owes; read under the debt account's lock when the call writes (0 when
    it reads the debt itself: ``TillQuery.with_debt``)."""


@dataclass(frozen=True, slots=True)
class TillQuery:
    """What to read for one call."""

    partner_id: str
    member: MemberRef | None
    locked: bool
    """The call writes: lock the member, read its debt under the debt account's lock."""
    screened_at: PointOfSale | None = None
    """The till whose fraud counters to read; ``None``: no fraud checks."""
    with_facts: bool = True
    """Read the member's totals when the earn rules in force need them (burns do not)."""
    with_debt: bool = True
    """Read the debt under its account's lock (``locked`` only). A call that also locks the
    member's lots leaves it out and reads it after them: lots before accounts, the hub's lock
    order (see ``hub.adapters.repositories.lots``)."""


def member_key(member: MemberRef, hasher: IdentifierHasher) -> MemberKey:
    """The member as the reads of a till call name it (``send``'s own): by id, or by its
    identifier's digests, for reads a caller sends with them."""
    return member if isinstance(member, uuid.UUID) else hasher.digests(member)


def send(
    uow: UnitOfWork,
    query: TillQuery,
    now: datetime,
    *,
    hasher: IdentifierHasher,
    rules: RuleCache,
    zone: ZoneInfo,
    cipher: ContactCipher | None = None,
) -> Later[TillRead]:
    """Send the call's reads; the answer checks the caller, its rates and the member."""
    by_lookup, digests = lookup_key(query.member, hasher)
    key: MemberKey | None = by_lookup if not isinstance(by_lookup, bytes) else (by_lookup,)
    if query.locked and key is not None:
        uow.members.lock(key)
    call = uow.partners.for_call_later(query.partner_id, now, by_lookup)
    generation, ruleset = rules.current(now)
    ruled = _send_ruled(uow, query, key, ruleset, now, zone)
    locked_debt = query.locked and query.with_debt
    debt = uow.members.debt_later(key) if locked_debt and key is not None else None

    def answer() -> TillRead:
        found, rate = _checked(call, query, now)
        if found.member_digest is not None and found.member_digest != digests[0]:
            uow.members.rekey_identifier(found.member_digest, digests[0], hasher.key_id)
        current, (facts, activity) = ruleset, ruled()
        if found.rules_generation != generation:
            current = rules.ruleset(uow, found.rules_generation, now)
            facts, activity = _send_ruled(uow, query, key, current, now, zone)()
        member = found.member
        context = Till(
            found.partner, rate, member, found.member_debt_points, found.rules_generation
        )
        if member is not None:
            facts = facts or MemberFacts(tier=member.tier)
            if query.with_facts and earn_rules.needs_birth_date(current, query.partner_id, now):
                # A birthday campaign in force: a round trip more, for a sealed contact (an
                # earn's; burns do not read it).
                birth_date = rule_context.birth_date(uow, member.id, cipher)
                facts = replace(facts, birth_date=birth_date)
        return TillRead(context, current, facts or NO_FACTS, activity, debt() if debt else 0)

    return answer


def _checked(
    call: Later[CallContext], query: TillQuery, now: datetime
) -> tuple[CallContext, RateVersion]:
    """The caller's row, refused when unknown, disabled or without rates, or when the member
    it names does not exist."""
    found = checked_caller(call, query.partner_id)
    if found.rate is None:
        raise NoRateInForce(f"partner {query.partner_id} has no rate in force at {now.isoformat()}")
    if query.member is not None and found.member is None:
        Till(found.partner, found.rate, None).require_member()
    return found, found.rate


def _send_ruled(
    uow: UnitOfWork,
    query: TillQuery,
    key: MemberKey | None,
    ruleset: Ruleset,
    now: datetime,
    zone: ZoneInfo,
) -> Later[tuple[MemberFacts | None, ActivityFacts | None]]:
    """The reads whose shape the rules decide: the member's totals and the fraud counters."""
    facts = None
    if key is not None and query.with_facts and earn_rules.needs_facts(ruleset, query.partner_id):
        fact_windows = earn_rules.fact_windows(ruleset, now, zone)
        facts = uow.members.facts_later(key, query.partner_id, fact_windows)
    activity = None
    if key is not None and query.screened_at is not None:
        fraud_windows = ruleset.fraud_thresholds(query.partner_id).windows(now)
        activity = uow.fraud.activity_later(key, query.partner_id, query.screened_at, fraud_windows)

    def answer() -> tuple[MemberFacts | None, ActivityFacts | None]:
        return facts() if facts else None, activity() if activity else None

    return answer
