"""The nightly fraud pass: patterns that span days, which no single operation shows.

Slow farming (earns at one partner spread over many days, each day under the velocity limits)
and dormant burns (an account silent for months that suddenly burns most of its balance) are
found by set-based scans, judged by each partner's thresholds in force, and raised as flags.
One flag per member, partner, rule and business date, however often the pass runs.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fraud.engine import assess_dormant_burn, assess_farming
from fraud.facts import DormantBurnFacts, FarmingFacts, Operation
from fraud.thresholds import FraudThresholds, Threshold
from fraud.verdicts import Assessment, Decision
from hub.domain.clock import Clock
from hub.domain.flags import Flag
from hub.domain.ids import new_id
from hub.services.commands import RunNightlyPass
from hub.services.fraud_review import day_window
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import NightlyPassReport
from hub.services.rule_cache import RuleCache
from hub.services.transactions import run

Facts = FarmingFacts | DormantBurnFacts


def _lowest(threshold: Threshold) -> int | None:
    """The least value the threshold reacts to; ``None``: it never does."""
    levels = [level for level in (threshold.review_at, threshold.deny_at) if level is not None]
    return min(levels, default=None)


def _groups(
    by_partner: dict[str, FraudThresholds], key: Callable[[FraudThresholds], int]
) -> Iterable[tuple[int, dict[str, FraudThresholds]]]:
    """Partners sharing a window length: one scan per length, not per partner."""
    ordered = sorted(by_partner.items(), key=lambda item: key(item[1]))
    for length, group in itertools.groupby(ordered, key=lambda item: key(item[1])):
        yield length, dict(group)


def dedupe_key(flag_rule: str, member_id: uuid.UUID, partner_id: str, day: date) -> str:
    return f"{flag_rule}:{member_id}:{partner_id}:{day.isoformat()}"


def _raise(
    uow: UnitOfWork, facts: Facts, assessment: Assessment, points: int, day: date, now: datetime
) -> int:
    """Record the flag unless an earlier pass did; 1 if this one did."""
    if assessment.decision is Decision.ALLOW:
        return 0
    flag = Flag.raised(
        new_id(),
        assessment,
        operation=Operation.NIGHTLY,
        partner_id=facts.partner_id,
        member_id=facts.member_id,
        points=points,
        now=now,
        dedupe_key=dedupe_key(
            assessment.verdicts[0].rule.value, facts.member_id, facts.partner_id, day
        ),
    )
    return int(uow.reviews.add_nightly_flag(flag))


def _farming(
    uow: UnitOfWork,
    by_partner: dict[str, FraudThresholds],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    progress: WorkProgress,
) -> tuple[int, int]:
    """(members found, flags raised) for slow farming over each partner's window."""
    found = raised = 0
    _, until = day_window(day, zone)
    windows = list(_groups(by_partner, lambda t: t.farming_days))
    progress.stage("slow farming", len(windows), "windows")
    for days, group in windows:
        earns = [e for e in (_lowest(t.farming_earns) for t in group.values()) if e is not None]
        if not earns:
            progress.advance(1)
            continue
        since, _ = day_window(day - timedelta(days=days - 1), zone)
        min_active = min(t.farming_min_active_days for t in group.values())
        for facts in uow.reviews.farming(since, until, min_active, min(earns)):
            if facts.partner_id not in group:
                continue
            assessment = assess_farming(facts, group[facts.partner_id])
            found += assessment.decision is not Decision.ALLOW
            raised += _raise(uow, facts, assessment, facts.points, day, now)
        progress.advance(1, f"{found:,} found")
    return found, raised


def _dormant_burns(
    uow: UnitOfWork,
    by_partner: dict[str, FraudThresholds],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    progress: WorkProgress,
) -> tuple[int, int]:
    """(members found, flags raised) for burns on ``day`` after a long silence."""
    found = raised = 0
    start, end = day_window(day, zone)
    windows = list(_groups(by_partner, lambda t: t.dormant_days))
    progress.stage("dormant burns", len(windows), "windows")
    for days, group in windows:
        idle_since, _ = day_window(day - timedelta(days=days), zone)
        min_points = min(t.dormant_min_points for t in group.values())
        for facts in uow.reviews.dormant_burns(start, end, idle_since, min_points):
            if facts.partner_id not in group:
                continue
            assessment = assess_dormant_burn(facts, group[facts.partner_id])
            found += assessment.decision is not Decision.ALLOW
            raised += _raise(uow, facts, assessment, facts.burned_points, day, now)
        progress.advance(1, f"{found:,} found")
    return found, raised


def nightly_pass(
    cmd: RunNightlyPass,
    progress: WorkProgress = SILENT,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    zone: ZoneInfo,
    rules: RuleCache,
) -> NightlyPassReport:
    """Scan the business date for slow farming and dormant burns and flag what the partners'
    thresholds (in force at the end of that date) call suspicious; safe to run again.
    ``progress`` hears of each scan (one per window length the partners use)."""

    def scan(uow: UnitOfWork) -> NightlyPassReport:
        now = clock.now()
        _, day_end = day_window(cmd.business_date, zone)
        # The thresholds as they stood on that date (a rerun of an old date judges it alike).
        in_force_at = min(now, day_end - timedelta(microseconds=1))
        ruleset = rules.ruleset(uow, uow.rules.generation(), in_force_at)
        by_partner = {p.id: ruleset.fraud_thresholds(p.id) for p in uow.partners.list()}
        day = cmd.business_date
        farming, farming_flags = _farming(uow, by_partner, day, zone, now, progress)
        dormant, dormant_flags = _dormant_burns(uow, by_partner, day, zone, now, progress)
        return NightlyPassReport(cmd.business_date, farming_flags + dormant_flags, farming, dormant)

    return run(scan, uow_factory=uow_factory)
