"""Reading a member's balance and lots, and a partner's transaction history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.domain import earn_rules, holds
from hub.domain.catch_up import CaughtUp, OverdueLot, catch_up, lots_as_of
from hub.domain.clock import Clock
from hub.domain.holds import Hold
from hub.domain.limits import EXPIRING_WINDOW_S
from hub.domain.lots import Lot
from hub.domain.members import IdentifierHasher
from hub.domain.rules import Ruleset, TierProgress
from hub.services import till_reads
from hub.services.callers import send_active_partner, send_caller
from hub.services.commands import GetBalance, ListTransactions, MemberRef
from hub.services.members import member_not_found, resolve_member, send_member
from hub.services.paging import decode_token, encode_token, page_size
from hub.services.ports.ledger import PageCursor
from hub.services.ports.members import MemberBalance
from hub.services.ports.reads import Later, MemberKey
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import BalanceView, MemberSummary, MemberView, TransactionPage
from hub.services.rule_cache import RuleCache

Balance = tuple[BalanceView, CaughtUp]
"""A member's balance as of now, and its overdue lots as they will be (``balance_as_of``)."""


def balance_as_of(uow: UnitOfWork, member_id: uuid.UUID, now: datetime) -> Balance:
    """The member's balance at ``now``, whether or not the sweeper has run: holds past their
    expiry are released, pending points past their pending period available (paying debt
    first), points past their expiry gone; and the overdue lots as they will be."""
    return send_balance(uow, member_id, now)()


def send_balance(uow: UnitOfWork, member: MemberKey, now: datetime) -> Later[Balance]:
    """``balance_as_of`` for a member named by key, sent now: the stored totals and the
    overdue lots travel together; ``MemberNotFound`` when answered."""
    expiring_before = now + timedelta(seconds=EXPIRING_WINDOW_S)
    stored = uow.members.balance_later(member, now, expiring_before)
    overdue = uow.lots.overdue_later(member, now)

    def answer() -> Balance:
        if (totals := stored()) is None:
            raise member_not_found(member)
        return _as_of(totals, overdue(), now, expiring_before)

    return answer


def _as_of(
    stored: MemberBalance, overdue: Sequence[OverdueLot], now: datetime, expiring_before: datetime
) -> Balance:
    """The stored totals with the overdue lots caught up (``hub.domain.catch_up``)."""
    debt_points = -stored.debt.posted_points
    caught_up = catch_up(overdue, debt_points, now)
    view = BalanceView(
        member_id=stored.member_id,
        available_points=stored.available.posted_points
        - stored.available.reserved_points
        + caught_up.available_change_points,
        pending_points=stored.pending.posted_points - caught_up.matured_points,
        held_points=stored.available.reserved_points - caught_up.released_points,
        expiring_points=stored.expiring_points + caught_up.expiring_points(now, expiring_before),
        expiring_before=expiring_before,
        as_of=now,
        debt_points=debt_points - caught_up.debt_paid_points,
    )
    return view, caught_up


def lots_and_holds_as_of(
    uow: UnitOfWork, member_id: uuid.UUID, caught_up: CaughtUp, now: datetime
) -> tuple[tuple[Lot, ...], tuple[Hold, ...]]:
    """The member's lots and holds as they stand at ``now`` (see ``balance_as_of``)."""
    lots = lots_as_of(uow.lots.of_member(member_id), caught_up)
    return lots, tuple(holds.as_of(hold, now) for hold in uow.holds.of_member(member_id))


def get_balance(
    cmd: GetBalance,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
    zone: ZoneInfo,
) -> BalanceView:
    """Available, pending, held and soon-expiring points of a member as of now, and their
    tier; one round trip (a second when the rules changed since this process read them)."""
    now = clock.now()
    key = till_reads.member_key(cmd.member, hasher)
    with uow_factory(single_read=True) as uow:
        caller = send_caller(uow, cmd.partner_id, now)
        member = send_member(uow, cmd.member, hasher)
        balance = send_balance(uow, key, now)
        generation, ruleset = rules.current(now)
        tier = _send_tier(uow, key, cmd.partner_id, ruleset, now, zone)
        context = caller()
        member()
        if context.rules_generation != generation:
            ruleset = rules.ruleset(uow, context.rules_generation, now)
            tier = _send_tier(uow, key, cmd.partner_id, ruleset, now, zone)
        view, _ = balance()
        return replace(view, tier=tier())


def _send_tier(
    uow: UnitOfWork,
    member: MemberKey,
    partner_id: str,
    ruleset: Ruleset,
    now: datetime,
    zone: ZoneInfo,
) -> Later[TierProgress | None]:
    """The member's progress in the tier scheme of ``ruleset`` (``None``: it has none)."""
    scheme = ruleset.tier_scheme
    if scheme is None:
        return lambda: None
    windows = earn_rules.fact_windows(ruleset, now, zone)
    found = uow.members.facts_later(member, partner_id, windows)

    def progress() -> TierProgress:
        if (facts := found()) is None:
            raise member_not_found(member)
        return earn_rules.tier_progress(scheme, facts)

    return progress


def inspect_member(
    ref: MemberRef, *, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: IdentifierHasher
) -> MemberSummary:
    """Everything support needs about a member: status, balance and lots (operators only)."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        member = uow.members.with_identifier_kinds(resolve_member(uow, ref, hasher))
        balance, caught_up = balance_as_of(uow, member.id, now)
        lots, member_holds = lots_and_holds_as_of(uow, member.id, caught_up, now)
        return MemberSummary(MemberView.of(member), balance, lots, member_holds)


def list_transactions(
    cmd: ListTransactions, *, uow_factory: UnitOfWorkFactory, hasher: IdentifierHasher
) -> TransactionPage:
    """One page of the calling partner's transactions, newest first; one round trip."""
    limit = page_size(cmd.page_size)
    after = decode_token(cmd.page_token)
    ref = cmd.member
    with uow_factory(single_read=True) as uow:
        partner = send_active_partner(uow, cmd.partner_id)
        member = send_member(uow, ref, hasher) if ref is not None else None
        key = till_reads.member_key(ref, hasher) if ref is not None else None
        # One row more than asked tells whether another page follows, without a count query.
        found = uow.ledger.page_later(cmd.partner_id, key, after, limit + 1)
        partner()
        if member is not None:
            member()
        records = found()
    page, more = tuple(records[:limit]), len(records) > limit
    token = encode_token(PageCursor(page[-1].created_at, page[-1].id)) if more else ""
    return TransactionPage(page, token)
