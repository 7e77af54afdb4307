"""The fraud rules: each looks at the attempt and its facts and fires a verdict or nothing.

``assess`` runs inside ``Earn`` and ``AuthorizeRedemption``; ``assess_refund`` when a refund
leaves the member owing spent points; ``frozen_attempt`` when a frozen account is used;
``assess_farming`` and ``assess_dormant_burn`` in the nightly pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from fraud.facts import (
    ActivityFacts,
    Attempt,
    DormantBurnFacts,
    FarmingFacts,
    Location,
    Operation,
    TillRate,
)
from fraud.thresholds import BASKET_MIN_EARNS, TILL_BURST_MULTIPLE, FraudThresholds, Threshold
from fraud.verdicts import SCORE_MAX, Assessment, Decision, RuleCode, Verdict

EARTH_RADIUS_KM = 6371.0
TRAVEL_ELAPSED_MIN = timedelta(minutes=1)
"""Two tills a few seconds apart are judged as one minute apart: clocks at tills drift."""

Rule = Callable[[Attempt, ActivityFacts, FraudThresholds], Verdict | None]


def _fired(rule: RuleCode, threshold: Threshold, value: int, detail: str) -> Verdict | None:
    decision = threshold.decide(value)
    if decision is Decision.ALLOW:
        return None
    return Verdict(rule, decision, threshold.score(value), detail)


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


def velocity_count(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    earning = attempt.operation is Operation.EARN
    count = (facts.member_earns if earning else facts.member_holds) + 1
    what = "earns" if earning else "redemptions"
    return _fired(
        RuleCode.MEMBER_VELOCITY_COUNT,
        t.velocity_count,
        count,
        f"{count} {what} in {_minutes(t.velocity_window_s)}",
    )


def velocity_points(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    earning = attempt.operation is Operation.EARN
    before = facts.member_earned_points if earning else facts.member_held_points
    points = before + attempt.points
    what = "earned" if earning else "redeemed"
    return _fired(
        RuleCode.MEMBER_VELOCITY_POINTS,
        t.velocity_points,
        points,
        f"{points} points {what} in {_minutes(t.velocity_window_s)}",
    )


def earn_then_burn(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    earned_at = facts.last_earn_elsewhere_at
    if attempt.operation is not Operation.AUTHORIZE or earned_at is None:
        return None
    seconds = int((attempt.at - earned_at).total_seconds())
    return _fired(
        RuleCode.EARN_THEN_BURN,
        t.earn_then_burn_points,
        attempt.points,
        f"burns {attempt.points} points {_minutes(seconds)} after earning at "
        f"{facts.last_earn_elsewhere_partner}",
    )


def at_usual_pace(rate: TillRate) -> bool:
    """Whether a till's last hour, this earn included, stays under ``TILL_BURST_MULTIPLE``
    times its busiest hour: its own norm, however busy that is. A till without one is not."""
    return rate.usual_earns > 0 and rate.recent_earns + 1 < TILL_BURST_MULTIPLE * rate.usual_earns


def _pace(rate: TillRate) -> str:
    if rate.usual_earns == 0:
        return ""
    return f" ({rate.recent_earns + 1} earns in the last hour; its busiest hour {rate.usual_earns})"


def terminal_cards(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    if attempt.operation is not Operation.EARN or not attempt.terminal_id:
        return None
    if at_usual_pace(facts.terminal_rate):
        return None
    members = facts.terminal_members + 1
    return _fired(
        RuleCode.TERMINAL_MANY_CARDS,
        t.terminal_cards,
        members,
        f"terminal {attempt.terminal_id}: {members} cards in {_minutes(t.till_window_s)}"
        f"{_pace(facts.terminal_rate)}",
    )


def cashier_cards(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    if attempt.operation is not Operation.EARN or not attempt.cashier_id:
        return None
    if at_usual_pace(facts.cashier_rate):
        return None
    members = facts.cashier_members + 1
    return _fired(
        RuleCode.CASHIER_MANY_CARDS,
        t.cashier_cards,
        members,
        f"cashier {attempt.cashier_id}: {members} cards in {_minutes(t.till_window_s)}"
        f"{_pace(facts.cashier_rate)}",
    )


def cashier_one_card(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    if attempt.operation is not Operation.EARN or not attempt.cashier_id:
        return None
    receipts = facts.cashier_member_earns + 1
    return _fired(
        RuleCode.CASHIER_ONE_CARD,
        t.cashier_card_receipts,
        receipts,
        f"cashier {attempt.cashier_id}: this card on {receipts} receipts in "
        f"{_minutes(t.cashier_card_window_s)}",
    )


def linked_members(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    if facts.linked_members == 0:
        return None
    members = facts.linked_members + 1
    return _fired(
        RuleCode.LINKED_MEMBERS,
        t.linked_members,
        members,
        f"{members} members share a phone number or e-mail address",
    )


def usual_basket(facts: ActivityFacts, t: FraudThresholds) -> tuple[int, int, str] | None:
    """The earns, points and whose they are that an earn is compared with: the member's at
    this partner, else the till's (the partner's usual basket there), else none."""
    # At least one earn even if the thresholds ask for none: no history, no average.
    if facts.history_earns >= max(t.history_min_earns, 1):
        return facts.history_earns, facts.history_points, "the member's average here"
    if facts.basket_earns >= BASKET_MIN_EARNS:
        return facts.basket_earns, facts.basket_points, "the usual basket at this till"
    return None


def earn_above_history(
    attempt: Attempt, facts: ActivityFacts, t: FraudThresholds
) -> Verdict | None:
    usual = usual_basket(facts, t) if attempt.operation is Operation.EARN else None
    if usual is None:
        return None
    earns, points, whose = usual
    # points / (points / earns), in integers: no float near points.
    multiple = attempt.points * earns // max(points, 1)
    return _fired(
        RuleCode.EARN_ABOVE_HISTORY,
        t.history_multiple,
        multiple,
        f"earns {attempt.points} points, {multiple}x {whose} of {points // earns}",
    )


def distance_km(a: Location, b: Location) -> float:
    """Great-circle distance (haversine). Geography, not money: floats are fine here."""
    lat_a, lat_b = math.radians(float(a.latitude)), math.radians(float(b.latitude))
    d_lat = lat_b - lat_a
    d_lon = math.radians(float(b.longitude) - float(a.longitude))
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def impossible_travel(attempt: Attempt, facts: ActivityFacts, t: FraudThresholds) -> Verdict | None:
    last = facts.last_sighting
    if attempt.location is None or last is None:
        return None
    km = distance_km(last.location, attempt.location)
    if km < t.travel_min_km:
        return None
    elapsed = max(attempt.at - last.at, TRAVEL_ELAPSED_MIN)
    speed_kmh = int(km * 3600 / elapsed.total_seconds())
    return _fired(
        RuleCode.IMPOSSIBLE_TRAVEL,
        t.travel_speed_kmh,
        speed_kmh,
        f"{int(km)} km from {last.partner_id} store {last.store_id or '?'} in "
        f"{_minutes(int(elapsed.total_seconds()))}: {speed_kmh} km/h",
    )


RULES: tuple[Rule, ...] = (
    velocity_count,
    velocity_points,
    earn_then_burn,
    terminal_cards,
    cashier_cards,
    cashier_one_card,
    linked_members,
    earn_above_history,
    impossible_travel,
)


def assess(attempt: Attempt, facts: ActivityFacts, thresholds: FraudThresholds) -> Assessment:
    """Every rule on an earn or a redemption; each rule ignores operations it is not about."""
    return Assessment.of(rule(attempt, facts, thresholds) for rule in RULES)


def assess_refund(debt_points: int, thresholds: FraudThresholds) -> Assessment:
    """A refund that leaves the member owing points they already spent."""
    return Assessment.of(
        [
            _fired(
                RuleCode.REFUND_AFTER_BURN,
                thresholds.refund_debt_points,
                debt_points,
                f"refund of spent points leaves a debt of {debt_points} points",
            )
        ]
    )


def frozen_attempt(attempt: Attempt) -> Assessment:
    """A frozen account was used: always refused, and recorded for the analysts."""
    what = "earn" if attempt.operation is Operation.EARN else "redeem"
    detail = f"tried to {what} {attempt.points} points on a frozen account"
    return Assessment((Verdict(RuleCode.FROZEN_ACCOUNT, Decision.DENY, SCORE_MAX, detail),))


def assess_farming(facts: FarmingFacts, thresholds: FraudThresholds) -> Assessment:
    """Earns spread over many days, each day under the velocity limits."""
    if facts.active_days < thresholds.farming_min_active_days:
        return Assessment()
    verdict = _fired(
        RuleCode.SLOW_FARMING,
        thresholds.farming_earns,
        facts.earns,
        f"{facts.earns} earns ({facts.points} points) on {facts.active_days} of the last "
        f"{thresholds.farming_days} days",
    )
    return Assessment.of([verdict])


def assess_dormant_burn(facts: DormantBurnFacts, thresholds: FraudThresholds) -> Assessment:
    """An account silent for months that suddenly burns most of its balance."""
    if (
        facts.idle_days < thresholds.dormant_days
        or facts.burned_points < thresholds.dormant_min_points
    ):
        return Assessment()
    percent = facts.burned_points * 100 // max(facts.balance_before_points, 1)
    verdict = _fired(
        RuleCode.DORMANT_BURN,
        thresholds.dormant_burn_percent,
        percent,
        f"burned {facts.burned_points} points ({percent}% of the balance) after "
        f"{facts.idle_days} days without activity",
    )
    return Assessment.of([verdict])
