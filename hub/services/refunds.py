"""Refunds of earns and of redemptions, linked to the original and never beyond it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud import engine
from fraud.facts import Attempt, Operation
from hub.domain import earn_rules, refunds
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField, RefundExceedsOriginal
from hub.domain.fields import bounded_text
from hub.domain.holds import Hold, HoldStatus
from hub.domain.ids import new_id
from hub.domain.lots import Lot
from hub.domain.refunds import EarnRecord, PriorRefunds, RefundAsked
from hub.domain.rules import MemberFacts, Ruleset
from hub.services import outbox, screening
from hub.services.callers import checked_caller
from hub.services.commands import RefundEarn, RefundRedemption
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.conflicts import TransientConflict
from hub.services.ports.ledger import RefundedRedemption
from hub.services.ports.lots import ConsumedLots, EarnLot
from hub.services.ports.reads import EarnKey, HoldKey, Later
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory, record
from hub.services.results import EarnRefunded, RedemptionRefunded
from hub.services.rule_cache import RuleCache
from hub.services.transactions import run_idempotent


def refund_earn(
    cmd: RefundEarn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: RuleCache,
    zone: ZoneInfo,
    fraud_checks: bool = True,
) -> EarnRefunded:
    """Reverse the points of what was returned: the returned lines' own points, the whole
    receipt's, or an amount's (see ``refunds.plan_earn_refund``). Spent points become debt,
    which the fraud checks flag (refund after burn: how points are farmed through refunds). A
    refund that takes the member below its tier's threshold takes the tier back at once. After
    a merge the refund is the survivor's, who holds the earn's lot (followed through a chain of
    merges; back to the earn's member after an unmerge). One round trip reads (with the
    idempotency claim), one writes."""
    asked = refunds.check_asked(RefundAsked(cmd.amount, cmd.lines, cmd.whole_receipt))
    _check_original(cmd.transaction_id, cmd.order_id, field_name="transaction_id")
    key = EarnKey(cmd.partner_id, cmd.transaction_id, cmd.order_id)

    def read(uow: UnitOfWork, now: datetime) -> Later[_EarnRead]:
        return _send_earn_reads(uow, key, rules, now, zone)

    def apply(uow: UnitOfWork, state: _EarnRead, now: datetime) -> EarnRefunded:
        earn = state.earn
        plan = refunds.plan_earn_refund(earn, asked, state.prior)
        tier_drop = _tier_drop(state, plan, now, zone)
        transaction_id = new_id()
        refunding = refunds.refund_earn(
            earn=earn,
            lot=state.earn_lot.lot,
            expired_points=state.earn_lot.expired_points,
            annulled_points=state.earn_lot.annulled_points,
            plan=plan,
            transaction_id=transaction_id,
            now=now,
            reversed_before_points=state.prior.points,
            tier_drop=(tier_drop.before, tier_drop.after) if tier_drop else None,
            other_lots=[other for other in state.other_lots if not other.expired(now)],
        )
        record(uow, refunding.update)
        if tier_drop is not None:
            uow.members.set_tier(earn.holder, tier_drop.stored_tier, now)
            outbox.record_tier_change(uow, earn.holder, tier_drop.before, tier_drop.after, now)
        if fraud_checks and refunding.debt > 0:
            _flag_debt(uow, state.ruleset, earn, refunding.debt, transaction_id, now)
        return EarnRefunded(
            transaction_id,
            earn.id,
            refunding.points_reversed,
            refunding.pending_cancelled,
            refunding.available_reversed,
            refunding.debt,
            now,
            order_id=earn.order_id,
            amount=plan.amount,
            tier_before=tier_drop.before if tier_drop else None,
            tier_after=tier_drop.after if tier_drop else None,
        )

    request = IdempotentRequest.of("refund_earn", cmd)
    return run_idempotent(request, EarnRefunded, read, apply, uow_factory=uow_factory, clock=clock)


def _check_original(
    transaction_id: uuid.UUID | None, order_id: str | None, *, field_name: str
) -> None:
    if (transaction_id is None) == (order_id is None):
        raise InvalidField(
            f"name the original by {field_name} or by order_id: exactly one", field=field_name
        )
    if order_id is not None:
        bounded_text(order_id, field="order_id", required=True)


@dataclass(frozen=True, slots=True)
class _EarnRead:
    """What a refund of an earn decides on, read under the locks it takes."""

    earn: EarnRecord
    prior: PriorRefunds
    ruleset: Ruleset
    facts: MemberFacts | None
    """The member's totals under its lock, when a tier scheme is in force."""
    earn_lot: EarnLot
    other_lots: Sequence[Lot]
    """The member's lots with unreserved points, locked after the debt account."""


def _send_earn_reads(
    uow: UnitOfWork, key: EarnKey, rules: RuleCache, now: datetime, zone: ZoneInfo
) -> Later[_EarnRead]:
    """Send every read of a refund of an earn, in the order of the locks they take. The earn is
    named by key, and so are its lot and member: the database finds them in the same batch."""
    call = uow.partners.for_call_later(key.partner_id, now)
    # Locking the earn serialises its refunds, so together they never exceed it.
    earn = uow.ledger.earn_later(key)
    prior = uow.ledger.refunds_of_earn_later(key)
    # The member's row before the lot: the order earns and holds lock them in. Its totals are
    # read once it is held.
    uow.members.lock(key)
    generation, ruleset = rules.current(now)
    facts = _send_facts(uow, key, ruleset, now, zone)
    earn_lot = uow.lots.of_earn_later(key)
    # What pays a debt first: the member's other lots with points to spend, read after the
    # debt's lock, so that a void or an earn racing this refund either commits before the
    # read (its points pay here) or waits and pays the debt itself.
    debt = uow.members.held_debt_later(key)
    other_lots = uow.lots.annullable_later(key)

    def answer() -> _EarnRead:
        changed = checked_caller(call, key.partner_id).rules_generation
        found, current, read_facts = earn(), ruleset, facts()
        if changed != generation:
            # The rules changed since this process cached them: a round trip more (two with a
            # tier scheme, its totals read again under the lock held), once per change.
            current = rules.ruleset(uow, changed, now)
            read_facts = _send_facts(uow, key, current, now, zone)()
        _same_holder(found.holder, debt())
        return _EarnRead(found, prior(), current, read_facts, earn_lot(), other_lots())

    return answer


def _same_holder(holder: uuid.UUID, locked: tuple[uuid.UUID, int] | None) -> None:
    """The reads before the member's lock and those after it found the same member holding the
    original's points. A merge (or an unmerge) that committed while the lock was awaited moves
    them between the two; run again, every read finds where they went."""
    if locked is None or locked[0] != holder:
        raise TransientConflict(f"a merge moved member {holder}'s points while they were read")


def _send_facts(
    uow: UnitOfWork, key: EarnKey, ruleset: Ruleset, now: datetime, zone: ZoneInfo
) -> Later[MemberFacts | None]:
    """The member's totals a tier scheme's refund needs (none without a scheme)."""
    if ruleset.tier_scheme is None:
        return lambda: None
    windows = earn_rules.fact_windows(ruleset, now, zone)
    return uow.members.facts_later(key, key.partner_id, windows)


@dataclass(frozen=True, slots=True)
class _TierDrop:
    before: str
    after: str
    stored_tier: str | None
    """What the member's row stores: ``None`` for the base tier."""


def _tier_drop(
    state: _EarnRead, plan: refunds.RefundPlan, now: datetime, zone: ZoneInfo
) -> _TierDrop | None:
    """The tier this refund takes the member down to, from its totals read under its lock;
    none for an earn a merge gave this member, which never counted towards its tier."""
    scheme, facts = state.ruleset.tier_scheme, state.facts
    if scheme is None or facts is None or (plan.points == 0 and plan.amount.amount_minor == 0):
        return None
    if state.earn.holder != state.earn.member_id:
        return None
    windows = earn_rules.fact_windows(state.ruleset, now, zone)
    before = facts.qualifying_spend_minor if windows.spend_currency else facts.qualifying_points
    after = before - earn_rules.refund_qualifying(scheme, plan.points, plan.amount)
    dropped = earn_rules.tier_after_refund(scheme, facts.tier, before, after)
    if dropped is None:
        return None
    stored = earn_rules.reviewed_tier(scheme, after)
    current = scheme.tiers[scheme.rank(facts.tier)].name
    return _TierDrop(current, dropped, stored)


def _flag_debt(
    uow: UnitOfWork,
    ruleset: Ruleset,
    earn: EarnRecord,
    debt_points: int,
    transaction_id: uuid.UUID,
    now: datetime,
) -> None:
    """Flag a refund that leaves the member owing spent points."""
    thresholds = ruleset.fraud_thresholds(earn.partner_id)
    assessment = engine.assess_refund(debt_points, thresholds)
    tried = Attempt(Operation.REFUND, earn.partner_id, earn.holder, debt_points, now)
    screening.flag_if_review(uow, assessment, tried, "", transaction_id=transaction_id)


def refund_redemption(
    cmd: RefundRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> RedemptionRefunded:
    """Give captured points back to the member, into the lots they came from; they pay the
    member's refund debt first. After a merge they are the survivor's, who holds those lots.
    One round trip reads (with the idempotency claim), one writes."""
    _check_original(cmd.hold_id, cmd.order_id, field_name="hold_id")
    key = HoldKey(cmd.partner_id, cmd.hold_id, cmd.order_id)

    def read(uow: UnitOfWork, now: datetime) -> Later[_HoldRead]:
        return _send_hold_reads(uow, key, now)

    def apply(uow: UnitOfWork, state: _HoldRead, now: datetime) -> RedemptionRefunded:
        hold = state.hold
        if hold.status is not HoldStatus.CAPTURED:
            raise RefundExceedsOriginal(
                f"hold {hold.id} is {hold.status.value}: nothing was captured"
            )
        transaction_id = new_id()
        refunding = refunds.refund_redemption(
            hold=hold,
            points=cmd.points,
            refunded_before=state.refunded_points,
            lots=state.consumed.lots,
            consumed=state.consumed.consumed,
            transaction_id=transaction_id,
            now=now,
            debt_points=state.debt_points,
            holder_id=state.holder_id,
            debts=state.consumed.debts,
        )
        record(uow, refunding.update)
        return RedemptionRefunded(
            transaction_id,
            hold.id,
            refunding.points_returned,
            refunding.points_expired,
            now,
            order_id=hold.order_id,
            debt_paid_points=refunding.debt_paid_points,
        )

    request = IdempotentRequest.of("refund_redemption", cmd)
    return run_idempotent(
        request, RedemptionRefunded, read, apply, uow_factory=uow_factory, clock=clock
    )


@dataclass(frozen=True, slots=True)
class _HoldRead:
    """What a refund of a redemption decides on, read under the locks it takes."""

    hold: Hold
    consumed: ConsumedLots
    holder_id: uuid.UUID
    """The member whose refund it is: the hold's, or the survivor of a merge of it (the end of
    a chain of merges), who holds its lots; after an unmerge, the hold's member again."""
    debt_points: int
    refunded_points: int


def _send_hold_reads(uow: UnitOfWork, key: HoldKey, now: datetime) -> Later[_HoldRead]:
    """Send every read of a refund of a redemption: the hold, its lots, then the debt accounts
    of the members holding them (the lock order of every credit), each naming the hold by key.
    The lots are read once locked, so a merge moving them committed before (they and the debts
    are the survivor's) or waits for this refund (both are still the hold's member's)."""
    call = uow.partners.for_call_later(key.partner_id, now)
    hold = uow.holds.find_later(key, for_update=True)
    consumed = uow.lots.consumed_by_hold_later(key)
    debt = uow.members.held_debt_later(key)
    # Last, and it names the hold it counted for: see ``_same_hold``.
    refunded = uow.ledger.redemption_refunds_later(key)

    def answer() -> _HoldRead:
        checked_caller(call, key.partner_id)
        found, counted, held = hold(), refunded(), debt()
        _same_hold(found, counted)
        holder_id, debt_points = held if held is not None else (found.member_id, 0)
        return _HoldRead(found, consumed(), holder_id, debt_points, counted.points)

    return answer


def _same_hold(locked: Hold, counted: RefundedRedemption) -> None:
    """The reads after the hold's named the hold it locked. Named by order id, they could name
    another: one placed for the order meanwhile, which the order's reads choose from then on."""
    if counted.hold_id != locked.id:
        raise TransientConflict(f"the holds of order {locked.order_id!r} changed while read")
