"""Reading a member's balance and lots, and a partner's transaction history."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.domain import earn_rules
from hub.domain.clock import Clock
from hub.domain.limits import EXPIRING_WINDOW_S
from hub.domain.members import IdentifierHasher
from hub.services.callers import active_partner
from hub.services.commands import GetBalance, ListTransactions, MemberRef
from hub.services.members import resolve_member
from hub.services.paging import decode_token, encode_token, page_size
from hub.services.results import BalanceView, MemberSummary, MemberView, TransactionPage
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import PageCursor, UnitOfWork, UnitOfWorkFactory


def _balance(uow: UnitOfWork, member_id: uuid.UUID, now: datetime) -> BalanceView:
    expiring_before = now + timedelta(seconds=EXPIRING_WINDOW_S)
    balance = uow.members.balance(member_id, expiring_before)
    return BalanceView(
        member_id=member_id,
        available_points=balance.available.posted_points - balance.available.reserved_points,
        pending_points=balance.pending.posted_points,
        held_points=balance.available.reserved_points,
        expiring_points=balance.expiring_points,
        expiring_before=expiring_before,
        as_of=now,
        debt_points=-balance.debt.posted_points,
    )


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
        balance = _balance(uow, member_id, now)
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
    with uow_factory(read_only=True) as uow:
        member = uow.members.with_identifier_kinds(resolve_member(uow, ref, hasher))
        balance = _balance(uow, member.id, clock.now())
        lots, holds = tuple(uow.lots.of_member(member.id)), tuple(uow.holds.of_member(member.id))
        return MemberSummary(MemberView.of(member), balance, lots, holds)


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
