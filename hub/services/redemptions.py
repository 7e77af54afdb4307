"""Two-phase redemptions: authorize a hold, then capture or void it; read it back.

Each call reads once (with its idempotency claim, in one round trip on PostgreSQL), decides
in pure functions and writes once (with the COMMIT). The reads take their locks in the hub's
lock order (the member's row, holds, lots, then the member's debt account), so the database
decides who resolves a hold and concurrent calls queue rather than deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud.facts import Operation
from fraud.verdicts import ALLOWED, Decision
from hub.domain import crediting, holds
from hub.domain.clock import Clock
from hub.domain.errors import (
    DuplicateOrder,
    HoldNotFound,
    InsufficientPoints,
    InvalidField,
)
from hub.domain.holds import OPEN_HOLD_STATUSES, Hold, Reservation
from hub.domain.ids import new_id
from hub.domain.invariants import require
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierHasher
from hub.domain.money import points_to_pay, value_of_points
from hub.domain.partners import check_hold_ttl
from hub.domain.purchases import check_purchase, require_currency
from hub.services import rule_context, screening, till_reads
from hub.services.callers import Till, checked_caller, send_active_partner
from hub.services.commands import AuthorizeRedemption, CaptureRedemption, GetHold, VoidRedemption
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.lots import HeldLots
from hub.services.ports.reads import HoldKey, Later, MemberKey
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory, record
from hub.services.results import Captured, HoldView
from hub.services.rule_cache import RuleCache
from hub.services.till_reads import TillQuery, TillRead
from hub.services.transactions import run_idempotent


def _points(cmd: AuthorizeRedemption, context: Till) -> int:
    """The points to hold: as asked, or the fewest that pay the amount asked."""
    if cmd.points is not None and cmd.pay_amount is None:
        return cmd.points
    if cmd.pay_amount is not None and cmd.points is None:
        require_currency(cmd.pay_amount, context.partner.currency, field="amount.currency")
        return points_to_pay(cmd.pay_amount, context.rate.rates.burn_value)
    raise InvalidField("pay with either a number of points or an amount", field="payment")


@dataclass(frozen=True, slots=True)
class _InTheWay:
    """What stands between an order and a new hold, read under the locks a hold takes."""

    blocking: Sequence[Hold]
    """Open holds in the way: the member's past their expiry, and the order's."""
    held: Mapping[uuid.UUID, HeldLots]
    """The lots of those past their expiry, by hold."""
    holdable: Sequence[Lot]
    """The member's lots a hold may take (some perhaps due to mature)."""
    debt_points: int
    """What the member owes, read under the debt account's lock after the lots'."""


@dataclass(frozen=True, slots=True)
class _Authorizing:
    till: TillRead
    way: _InTheWay


def authorize(
    cmd: AuthorizeRedemption,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
    zone: ZoneInfo,
    fraud_checks: bool = True,
) -> HoldView:
    """Hold points for an order, once the burn rules, the member's balance and the fraud
    checks allow it; a member's tier may be worth more per point at the partner. A redemption
    the fraud checks want reviewed is held IN_REVIEW: not capturable until an analyst releases
    it. One round trip reads (with the idempotency claim), one writes."""
    check_purchase(cmd.purchase)
    if cmd.ttl_s is not None:
        check_hold_ttl(cmd.ttl_s)
    order_id = cmd.purchase.order_id
    pos = cmd.purchase.point_of_sale
    # The debt is read with the holds and lots, after them (``_send_the_way``).
    query = TillQuery(
        cmd.partner_id,
        cmd.member,
        locked=True,
        screened_at=pos if fraud_checks else None,
        with_facts=False,
        with_debt=False,
    )
    key = till_reads.member_key(cmd.member, hasher)

    def read(uow: UnitOfWork, now: datetime) -> Later[_Authorizing]:
        till = till_reads.send(uow, query, now, hasher=hasher, rules=rules, zone=zone)
        way = _send_the_way(uow, key, cmd.partner_id, order_id, now)
        return lambda: _Authorizing(till(), way())

    def apply(uow: UnitOfWork, state: _Authorizing, now: datetime) -> HoldView:
        member = screening.member_to_screen(state.till.context)
        context = rule_context.for_burn(state.till.context, state.till.ruleset)
        points = _points(cmd, context)
        value = holds.points_to_redeem(points, cmd.purchase, context.partner, context.rate)
        tried = screening.attempt(
            Operation.AUTHORIZE, cmd.partner_id, member.id, points, cmd.purchase, now
        )
        screening.require_not_frozen(member, tried, order_id)
        for hold in state.way.blocking:
            # The member's are past their expiry; the order's refuses unless it is too.
            holds.require_order_free(hold, now)
        assessment = ALLOWED
        if state.till.activity is not None:
            thresholds = state.till.ruleset.fraud_thresholds(cmd.partner_id)
            assessment = screening.assess(
                tried, state.till.activity, thresholds, order_id, context.member_debt_points
            )
        authorization = holds.authorize(
            hold_id=new_id(),
            transaction_id=new_id(),
            member_id=member.id,
            partner=context.partner,
            rate=context.rate,
            purchase=cmd.purchase,
            points=points,
            value=value,
            ttl_s=cmd.ttl_s or context.partner.hold_ttl_s,
            lots=_cleared(uow, state.way, member.id, now),
            now=now,
            in_review=assessment.decision is Decision.REVIEW,
        )
        uow.ledger.add(authorization.transaction)
        uow.lots.save(authorization.lots)
        uow.holds.add(authorization.hold, authorization.reservations)
        screening.flag_if_review(
            uow,
            assessment,
            tried,
            order_id,
            transaction_id=authorization.transaction.id,
            hold_id=authorization.hold.id,
        )
        return HoldView.of(authorization.hold)

    request = IdempotentRequest.of("authorize_redemption", cmd, fingerprint=hasher.fingerprint)
    try:
        return run_idempotent(request, HoldView, read, apply, uow_factory=uow_factory, clock=clock)
    except (DuplicateOrder, InsufficientPoints) as refused:
        # Lost a race for the order to another authorization: in the unique index, or on the
        # member's lots, which the winner holds now. Either way the answer is the winner.
        if "hold_id" in refused.metadata:
            raise
        winner = _open_hold_of_order(cmd.partner_id, order_id, uow_factory, clock.now())
        if winner is None:
            raise
        raise holds.duplicate_order(winner) from None


def _send_the_way(
    uow: UnitOfWork, member: MemberKey, partner_id: str, order_id: str, now: datetime
) -> Later[_InTheWay]:
    """Send the reads of what stands in the way of a new hold, after the member's lock: the
    open holds in the way, then every lot the authorization may change (the expired holds',
    then the member's holdable ones), then the debt, each locked in the hub's lock order."""
    blocking = uow.holds.blocking_later(member, partner_id, order_id, now)
    held = uow.lots.of_expired_in_the_way_later(member, partner_id, order_id, now)
    holdable = uow.lots.holdable_later(member, now)
    debt = uow.members.debt_later(member)
    return lambda: _InTheWay(blocking(), held(), holdable(), debt())


def _cleared(uow: UnitOfWork, way: _InTheWay, member_id: uuid.UUID, now: datetime) -> list[Lot]:
    """The member's lots a hold may take, once the open holds past their expiry in the way are
    released and the lots past their pending period matured, as the sweeper will (whether or
    not it has come by); the points given back pay the member's debt first."""
    lots, debt_points = _release_expired(uow, way, member_id, now)
    mine = [lot for lot in lots.values() if lot.member_id == member_id]
    due = [lot for lot in mine if lot.status is LotStatus.PENDING and lot.available_at <= now]
    if not due:
        return mine
    matured = crediting.mature(member_id, due, new_id(), now, debt_points=debt_points).update
    record(uow, matured)
    by_id = {lot.id: lot for lot in matured.lots}
    return [by_id.get(lot.id, lot) for lot in mine]


def _release_expired(
    uow: UnitOfWork, way: _InTheWay, member_id: uuid.UUID, now: datetime
) -> tuple[dict[uuid.UUID, Lot], int]:
    """Release the holds in the way (all past their expiry by now), each from the lots as the
    previous release left them; returns every lot read, as they stand after, and what the
    member still owes."""
    lots = {lot.id: lot for lot in way.holdable}
    for held_lots, _ in way.held.values():
        lots.update((lot.id, lot) for lot in held_lots)
    debts = {member_id: way.debt_points}
    for hold in way.blocking:
        require(hold.id in way.held, f"the lots of hold {hold.id} were read with it")
        if hold.member_id not in debts:
            # Rare: the order's expired hold is another member's, whose debt only now is known
            # to matter (a round trip more; its account is locked after the lots, as ever).
            debts[hold.member_id] = uow.members.debt_for_update(hold.member_id)
        held_lots, reservations = way.held[hold.id]
        resolution = holds.release(
            hold,
            TransactionKind.HOLD_EXPIRY,
            [lots[lot.id] for lot in held_lots],
            reservations,
            new_id(),
            now,
            debt_points=debts[hold.member_id],
        )
        debts[hold.member_id] -= resolution.debt_paid_points
        lots.update((lot.id, lot) for lot in resolution.lots.lots)
        _write(uow, resolution)
    return lots, debts[member_id]


def _open_hold_of_order(
    partner_id: str, order_id: str, uow_factory: UnitOfWorkFactory, now: datetime
) -> Hold | None:
    """The order's open hold at ``now``, if any (a refused authorization's second look)."""
    with uow_factory(read_only=True) as uow:
        try:
            hold = uow.holds.of_order(partner_id, order_id)
        except HoldNotFound:
            return None
    return hold if holds.as_of(hold, now).status in OPEN_HOLD_STATUSES else None


@dataclass(frozen=True, slots=True)
class _Held:
    """A hold as its capture or void decides on it: locked, with its lots (locked) and what
    its member owes (read under the debt account's lock, when the call may credit points)."""

    hold: Hold
    lots: Sequence[Lot]
    reservations: Sequence[Reservation]
    debt_points: int


def _send_held(uow: UnitOfWork, key: HoldKey, now: datetime, *, with_debt: bool) -> Later[_Held]:
    """Send the reads of a call on one hold, each naming the hold by key: the caller's row,
    then the hold, its lots and its member's debt account, locked in the order every
    resolution locks them, so the database decides who resolves the hold (the sweeper too)."""
    call = uow.partners.for_call_later(key.partner_id, now)
    hold = uow.holds.find_later(key, for_update=True)
    lots = uow.lots.of_hold_later(key)
    debt = uow.members.debt_later(key) if with_debt else None

    def answer() -> _Held:
        checked_caller(call, key.partner_id)
        found, (held_lots, reservations) = hold(), lots()
        return _Held(found, held_lots, reservations, debt() if debt else 0)

    return answer


def capture(cmd: CaptureRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> Captured:
    """Post all or part of a hold; the rest goes back to the member, paying its debt first.
    One round trip reads (with the idempotency claim), one writes."""
    key = HoldKey(cmd.partner_id, cmd.hold_id)
    # Only a partial capture gives points back: only a capture of some points reads (and
    # locks) the member's debt.
    some = cmd.points is not None

    def apply(uow: UnitOfWork, held: _Held, now: datetime) -> Captured:
        hold = held.hold
        points, transaction_id = hold.points if cmd.points is None else cmd.points, new_id()
        resolution = holds.capture(
            hold,
            points,
            held.lots,
            held.reservations,
            transaction_id,
            now,
            debt_points=held.debt_points,
        )
        _write(uow, resolution)
        value = value_of_points(points, hold.rate_version.rates.burn_value, hold.value.currency)
        released = hold.points - points
        return Captured(
            transaction_id, hold.id, points, released, value, now, resolution.debt_paid_points
        )

    request = IdempotentRequest.of("capture_redemption", cmd)
    return run_idempotent(
        request,
        Captured,
        lambda uow, now: _send_held(uow, key, now, with_debt=some),
        apply,
        uow_factory=uow_factory,
        clock=clock,
    )


def void(cmd: VoidRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> HoldView:
    """Release a hold: the member gets the points back, paying its debt first. One round trip
    reads (with the idempotency claim), one writes."""
    key = HoldKey(cmd.partner_id, cmd.hold_id)

    def apply(uow: UnitOfWork, held: _Held, now: datetime) -> HoldView:
        resolution = holds.release(
            held.hold,
            TransactionKind.VOID,
            held.lots,
            held.reservations,
            new_id(),
            now,
            debt_points=held.debt_points,
        )
        _write(uow, resolution)
        return HoldView.of(resolution.hold, debt_paid_points=resolution.debt_paid_points)

    request = IdempotentRequest.of("void_redemption", cmd)
    return run_idempotent(
        request,
        HoldView,
        lambda uow, now: _send_held(uow, key, now, with_debt=True),
        apply,
        uow_factory=uow_factory,
        clock=clock,
    )


def _write(uow: UnitOfWork, resolution: holds.Resolution) -> None:
    record(uow, resolution.lots)
    uow.holds.save(resolution.hold)


def get_hold(cmd: GetHold, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> HoldView:
    """The caller's hold as it stands now (past its expiry it reads EXPIRED, swept or not), by
    id or by order id: the order's open hold, else its latest. One round trip."""
    now = clock.now()
    key = _hold_key(cmd)
    with uow_factory(single_read=True) as uow:
        partner = send_active_partner(uow, cmd.partner_id)
        found = uow.holds.find_later(key) if key is not None else None
        partner()
        if found is None:
            raise InvalidField("name the hold by hold_id or by order_id", field="hold_id")
        hold = found()
    return HoldView.of(holds.as_of(hold, now))


def _hold_key(cmd: GetHold) -> HoldKey | None:
    """The hold ``cmd`` names: by id if it gives one, else by order id."""
    if cmd.hold_id is not None:
        return HoldKey(cmd.partner_id, hold_id=cmd.hold_id)
    if cmd.order_id is not None:
        return HoldKey(cmd.partner_id, order_id=cmd.order_id)
    return None
