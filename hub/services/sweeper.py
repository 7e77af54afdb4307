"""Background work on the clock: expire holds, mature pending points, expire points.

Safe with several hub replicas: each batch locks its rows with ``FOR UPDATE SKIP LOCKED``, so
sweepers share the work, and a capture racing the hold's expiry is decided by the hold's row
lock. Runs inside ``hub serve`` and as ``hub sweep`` for cron.

Nothing waits for it: reads apply what is due as of their own time (``hub.domain.catch_up``),
and an authorization releases the expired holds and matures the due lots in its way itself.
The sweeper only makes the ledger catch up.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from hub.domain import crediting, holds
from hub.domain.clock import Clock
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.limits import (
    EXPIRY_NOTICE_PASS_INTERVAL_S,
    FRAUD_COUNTERS_PRUNE_BATCH_MAX,
    SWEEP_BATCH_MAX,
)
from hub.domain.lots import Lot, LotUpdate, expire
from hub.domain.rule_checks import FRAUD_WINDOW_MAX_S
from hub.services import outbox, releases
from hub.services.periodic import PeriodicThread
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory, record
from hub.services.transactions import run

log = logging.getLogger("hub.sweeper")
FRAUD_COUNTERS_KEPT = timedelta(seconds=FRAUD_WINDOW_MAX_S, minutes=1)
"""The longest window a rule may count over, and the minute its start may fall in."""


@dataclass(frozen=True)
class SweepReport:
    holds_expired: int = 0
    lots_matured: int = 0
    lots_expired: int = 0
    tiers_changed: int = 0
    fraud_counters_pruned: int = 0
    expiry_notices: int = 0

    def __add__(self, other: SweepReport) -> SweepReport:
        return SweepReport(
            self.holds_expired + other.holds_expired,
            self.lots_matured + other.lots_matured,
            self.lots_expired + other.lots_expired,
            self.tiers_changed + other.tiers_changed,
            self.fraud_counters_pruned + other.fraud_counters_pruned,
            self.expiry_notices + other.expiry_notices,
        )

    @property
    def anything(self) -> bool:
        return bool(
            self.holds_expired
            or self.lots_matured
            or self.lots_expired
            or self.tiers_changed
            or self.fraud_counters_pruned
            or self.expiry_notices
        )


def release_expired(uow: UnitOfWork, hold: holds.Hold, now: datetime) -> None:
    """Release ``hold`` (locked, open, past its expiry) in ``uow``: the sweeper does it, and so
    does an authorization that finds such a hold in its way."""
    releases.release(uow, hold, TransactionKind.HOLD_EXPIRY, now)


def expire_one_hold(uow_factory: UnitOfWorkFactory, clock: Clock) -> int:
    """Release one hold past its expiry, in its own transaction; 0 when none is due."""

    def expire_one(uow: UnitOfWork) -> int:
        now = clock.now()
        due = uow.holds.due_to_expire(now, 1)
        if not due:
            return 0
        release_expired(uow, due[0], now)
        return 1

    return run(expire_one, uow_factory=uow_factory)


def _by_member(lots: Sequence[Lot]) -> list[tuple[uuid.UUID, list[Lot]]]:
    return [
        (member_id, list(group))
        for member_id, group in itertools.groupby(lots, key=lambda lot: lot.member_id)
    ]


def _lots_batch(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    due: Callable[[UnitOfWork, datetime], Sequence[Lot]],
    step: Callable[[UnitOfWork, uuid.UUID, Sequence[Lot], datetime], LotUpdate],
) -> int:
    """Apply ``step`` to a batch of due lots, one ledger transaction per member, in member order."""

    def batch(uow: UnitOfWork) -> int:
        now = clock.now()
        lots = due(uow, now)
        for member_id, member_lots in _by_member(lots):
            record(uow, step(uow, member_id, member_lots, now))
        return len(lots)

    return run(batch, uow_factory=uow_factory)


def _mature(uow: UnitOfWork, member_id: uuid.UUID, lots: Sequence[Lot], now: datetime) -> LotUpdate:
    """Mature a member's due lots; the points pay the member's debt (its account locked after
    the lots, the lock order of every credit) first."""
    debt = uow.members.debt_for_update(member_id)
    return crediting.mature(member_id, lots, new_id(), now, debt_points=debt).update


def _expire(uow: UnitOfWork, member_id: uuid.UUID, lots: Sequence[Lot], now: datetime) -> LotUpdate:
    return expire(member_id, lots, new_id(), now)


def mature_lots(uow_factory: UnitOfWorkFactory, clock: Clock, batch: int = SWEEP_BATCH_MAX) -> int:
    return _lots_batch(
        uow_factory, clock, lambda uow, now: uow.lots.due_to_mature(now, batch), _mature
    )


def expire_lots(uow_factory: UnitOfWorkFactory, clock: Clock, batch: int = SWEEP_BATCH_MAX) -> int:
    return _lots_batch(
        uow_factory, clock, lambda uow, now: uow.lots.due_to_expire(now, batch), _expire
    )


def announce_expiring(
    uow_factory: UnitOfWorkFactory, clock: Clock, batch: int = SWEEP_BATCH_MAX
) -> int:
    """Queue a ``points_expiring`` event for a batch of lots entering their issuer's notice
    days, each lot once (a lot is remembered as announced in the event's transaction).

    Notices count in days, so once a pass finds nothing left the next looks only after
    ``EXPIRY_NOTICE_PASS_INTERVAL_S``, rather than rescanning the window at every sweep."""

    def announce(uow: UnitOfWork) -> int:
        now = clock.now()
        last = uow.outbox.expiry_pass_at()
        if last is not None and now - last < timedelta(seconds=EXPIRY_NOTICE_PASS_INTERVAL_S):
            return 0
        due = uow.outbox.expiring_unnoticed(now, batch)
        for lot, days in due:
            uow.outbox.add(outbox.points_expiring(lot, days, now))
        uow.outbox.mark_noticed([lot.id for lot, _ in due], now)
        if len(due) < batch:
            uow.outbox.expiry_pass_done(now)
        return len(due)

    return run(announce, uow_factory=uow_factory)


def prune_fraud_counters(
    uow_factory: UnitOfWorkFactory, clock: Clock, batch: int = FRAUD_COUNTERS_PRUNE_BATCH_MAX
) -> int:
    """Delete a batch of fraud counters older than any window a rule may count over."""

    def prune(uow: UnitOfWork) -> int:
        return uow.fraud.prune_counters(clock.now() - FRAUD_COUNTERS_KEPT, batch)

    return run(prune, uow_factory=uow_factory)


def sweep(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rounds_max: int = 1000,
    review_tiers: Callable[[WorkProgress], int] | None = None,
    progress: WorkProgress = SILENT,
) -> SweepReport:
    """One pass over everything due: holds first (they give points back), then maturation,
    then expiry, then old fraud counters, after the tier reviews. Each kind stops when nothing
    is left or after ``rounds_max`` transactions; ``progress`` hears of each transaction."""
    report = SweepReport(tiers_changed=_reviewed(review_tiers, progress))
    progress.stage("expiring holds", unit="holds")
    for _ in range(rounds_max):
        if not expire_one_hold(uow_factory, clock):
            break
        report += SweepReport(holds_expired=1)
        progress.advance(1)
    for step, field, name, unit in _STEPS:
        progress.stage(name, unit=unit)
        for _ in range(rounds_max):
            done = step(uow_factory, clock)
            if not done:
                break
            report += SweepReport(**{field: done})
            progress.advance(done)
    return report


_STEPS = (
    (mature_lots, "lots_matured", "maturing pending points", "lots"),
    (expire_lots, "lots_expired", "expiring points", "lots"),
    (announce_expiring, "expiry_notices", "announcing expiring points", "lots"),
    (prune_fraud_counters, "fraud_counters_pruned", "pruning fraud counters", "counters"),
)
"""The batched kinds of work, in order: (step, report field, stage, unit)."""


def _reviewed(review_tiers: Callable[[WorkProgress], int] | None, progress: WorkProgress) -> int:
    """Tiers changed by the reviews of the members due one."""
    if review_tiers is None:
        return 0
    progress.stage("reviewing tiers", unit="members")
    return review_tiers(progress)


def sweep_logged(sweep: Callable[[], SweepReport]) -> None:
    """One pass of ``hub serve``'s sweeper: a failed pass is logged, not fatal."""
    try:
        report = sweep()
    except Exception:
        log.exception("sweep failed; trying again at the next pass")
        return
    if report.anything:
        log.info("swept %s", report)


def sweeper_thread(sweep: Callable[[], SweepReport], interval_s: float) -> PeriodicThread:
    """Sweeps every ``interval_s`` until stopped."""
    return PeriodicThread("hub-sweeper", partial(sweep_logged, sweep), interval_s)
