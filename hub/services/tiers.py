"""Tier reviews: at the start of each review period, members keep the tier their rolling 12
months (up to the period's start) qualify for, and drop to it if they no longer reach their
own. Upgrades need no review: the earn that crosses a threshold makes them.

A review sets each reviewed member's ``tier_since`` to the period's start, so running it
again in the same period finds nothing left to do, and a member upgraded since the period
started is not touched; replicas share the work (``SKIP LOCKED``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hub.domain import earn_rules
from hub.domain.clock import Clock
from hub.domain.limits import SWEEP_BATCH_MAX
from hub.services import outbox
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.rule_cache import RuleCache
from hub.services.transactions import run


def review_tiers(
    progress: WorkProgress = SILENT,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    zone: ZoneInfo,
    rules: RuleCache,
) -> int:
    """Review every member due in the current period, in batches; how many changed tier.
    ``progress`` hears of each batch."""
    changed = 0
    while True:
        batch_changed, batch_size = run(
            lambda uow: _review_batch(uow, clock, zone, rules), uow_factory=uow_factory
        )
        changed += batch_changed
        if batch_size:
            progress.advance(batch_size, f"{changed:,} changed tier")
        if batch_size < SWEEP_BATCH_MAX:
            return changed


def _review_batch(
    uow: UnitOfWork, clock: Clock, zone: ZoneInfo, rules: RuleCache
) -> tuple[int, int]:
    now = clock.now()
    ruleset = rules.ruleset(uow, uow.rules.generation(), now)
    scheme = ruleset.tier_scheme
    if scheme is None:
        return 0, 0
    period_start = earn_rules.review_period_start(scheme, now, zone)
    windows = earn_rules.fact_windows(ruleset, period_start, zone)
    due = uow.members.tiers_to_review(period_start, windows, SWEEP_BATCH_MAX)
    changed = 0
    for member_id, tier, qualifying in due:
        reviewed = earn_rules.reviewed_tier(scheme, qualifying)
        changed += reviewed != tier
        uow.members.set_tier(member_id, reviewed, period_start)
        outbox.record_tier_change(uow, member_id, tier, reviewed, now)
    return changed, len(due)
