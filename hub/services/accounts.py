"""Reading a member's balance and lots, and a partner's transaction history."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.domain import earn_rules, holds
from hub.domain.catch_up import CaughtUp, catch_up, lots_as_of
from hub.domain.clock import Clock
from hub.domain.holds import Hold
from hub.domain.limits import EXPIRING_WINDOW_S
from hub.domain.lots import Lot
from hub.domain.members import IdentifierHasher
from hub.services.callers import active_partner
from hub.services.commands import GetBalance, ListTransactions, MemberRef
from hub.services.members import resolve_member
from hub.services.paging import decode_token, encode_token, page_size
from hub.services.results import BalanceView, MemberSummary, MemberView, TransactionPage
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import PageCursor, UnitOfWork, UnitOfWorkFactory


def balance_as_of(
    uow: UnitOfWork, member_id: uuid.UUID, now: datetime
) -> tuple[BalanceView, CaughtUp]:
    """The member's balance at ``now``, whether or not the sweeper has run: holds past their
    expiry are released, pending points past their pending period available (paying debt
    first), points past their expiry gone; and the overdue lots as they will be."""
    expiring_before = now + timedelta(seconds=EXPIRING_WINDOW_S)
    stored = uow.members.balance(member_id, now, expiring_before)
    debt_points = -stored.debt.posted_points
    caught_up = catch_up(uow.lots.overdue(member_id, now), debt_points, now)
    view = BalanceView(
        member_id=member_id,
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
    """Available, pending, held and soon-expiring points of a member, and their tier."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        active_partner(uow, cmd.partner_id)
        member_id = resolve_member(uow, cmd.member, hasher).id
        balance, _ = balance_as_of(uow, member_id, now)
        ruleset = rules.ruleset(uow, uow.rules.generation(), now)
        scheme = ruleset.tier_scheme
        if scheme is None:
            return balance
        windows = earn_rules.fact_windows(ruleset, now, zone)
        facts = uow.members.facts(member_id, cmd.partner_id, windows, lock=False)
    return replace(balance, tier=earn_rules.tier_progress(scheme, facts))


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
    """One page of the calling partner's transactions, newest first."""
    limit = page_size(cmd.page_size)
    after = decode_token(cmd.page_token)
    with uow_factory(read_only=True) as uow:
        active_partner(uow, cmd.partner_id)
        member_id = resolve_member(uow, cmd.member, hasher).id if cmd.member is not None else None
        # One row more than asked tells whether another page follows, without a count query.
        records = uow.ledger.page(cmd.partner_id, member_id, after, limit + 1)
    page, more = tuple(records[:limit]), len(records) > limit
    token = encode_token(PageCursor(page[-1].created_at, page[-1].id)) if more else ""
    return TransactionPage(page, token)
