"""Every fraud rule: it fires at its threshold (REVIEW, then DENY), stays quiet one below, and
ignores the operations it is not about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from fraud import engine
from fraud.engine import assess, assess_dormant_burn, assess_farming, assess_refund
from fraud.facts import (
    ActivityFacts,
    Attempt,
    DormantBurnFacts,
    FarmingFacts,
    Sighting,
    TillRate,
)
from fraud.thresholds import (
    BASKET_MIN_EARNS,
    DEFAULT_THRESHOLDS,
    TILL_BURST_MULTIPLE,
    FraudThresholds,
    Threshold,
)
from fraud.verdicts import ALLOWED, Decision, RuleCode, Verdict
from tests.fraud.builders import MEMBER_ID, MOSCOW, NOW, ST_PETERSBURG, burn, earn

REVIEW_AT, DENY_AT = 5, 10
THRESHOLD = Threshold(REVIEW_AT, DENY_AT)
EARLIER = NOW - timedelta(minutes=5)
LADDER = [
    (REVIEW_AT - 1, Decision.ALLOW),
    (REVIEW_AT, Decision.REVIEW),
    (DENY_AT - 1, Decision.REVIEW),
    (DENY_AT, Decision.DENY),
]
"""A value one below each threshold, and at it."""


@dataclass(frozen=True)
class Case:
    """A rule, the threshold it reads, and an attempt with facts that give it ``value``."""

    rule: engine.Rule
    code: RuleCode
    field: str
    at: Callable[[int], tuple[Attempt, ActivityFacts]]
    detail: str
    """What the verdict at ``DENY_AT`` says."""

    def thresholds(self) -> FraudThresholds:
        return replace(DEFAULT_THRESHOLDS, **{self.field: THRESHOLD})

    def run(self, value: int) -> Verdict | None:
        attempt, facts = self.at(value)
        return self.rule(attempt, facts, self.thresholds())


CASES = {
    "velocity_count of earns": Case(
        engine.velocity_count,
        RuleCode.MEMBER_VELOCITY_COUNT,
        "velocity_count",
        lambda n: (earn(), ActivityFacts(member_earns=n - 1)),
        "10 earns in 60 min",
    ),
    "velocity_count of redemptions": Case(
        engine.velocity_count,
        RuleCode.MEMBER_VELOCITY_COUNT,
        "velocity_count",
        lambda n: (burn(), ActivityFacts(member_holds=n - 1)),
        "10 redemptions in 60 min",
    ),
    "velocity_points of earns": Case(
        engine.velocity_points,
        RuleCode.MEMBER_VELOCITY_POINTS,
        "velocity_points",
        lambda n: (earn(2), ActivityFacts(member_earned_points=n - 2)),
        "10 points earned in 60 min",
    ),
    "velocity_points of redemptions": Case(
        engine.velocity_points,
        RuleCode.MEMBER_VELOCITY_POINTS,
        "velocity_points",
        lambda n: (burn(2), ActivityFacts(member_held_points=n - 2)),
        "10 points redeemed in 60 min",
    ),
    "earn_then_burn": Case(
        engine.earn_then_burn,
        RuleCode.EARN_THEN_BURN,
        "earn_then_burn_points",
        lambda n: (
            burn(n),
            ActivityFacts(last_earn_elsewhere_at=EARLIER, last_earn_elsewhere_partner="fuel"),
        ),
        "burns 10 points 5 min after earning at fuel",
    ),
    "terminal_cards": Case(
        engine.terminal_cards,
        RuleCode.TERMINAL_MANY_CARDS,
        "terminal_cards",
        lambda n: (earn(terminal_id="t-1"), ActivityFacts(terminal_members=n - 1)),
        "terminal t-1: 10 cards in 60 min",
    ),
    "cashier_cards": Case(
        engine.cashier_cards,
        RuleCode.CASHIER_MANY_CARDS,
        "cashier_cards",
        lambda n: (earn(cashier_id="c-1"), ActivityFacts(cashier_members=n - 1)),
        "cashier c-1: 10 cards in 60 min",
    ),
    "cashier_one_card": Case(
        engine.cashier_one_card,
        RuleCode.CASHIER_ONE_CARD,
        "cashier_card_receipts",
        lambda n: (earn(cashier_id="c-1"), ActivityFacts(cashier_member_earns=n - 1)),
        "cashier c-1: this card on 10 receipts in 24 h",
    ),
    "linked_members": Case(
        engine.linked_members,
        RuleCode.LINKED_MEMBERS,
        "linked_members",
        lambda n: (earn(), ActivityFacts(linked_members=n - 1)),
        "10 members share a phone number or e-mail address",
    ),
    "earn_above_history": Case(
        engine.earn_above_history,
        RuleCode.EARN_ABOVE_HISTORY,
        "history_multiple",
        # Five earns of 10 points on average at this partner: an earn of 10n points is n times.
        lambda n: (earn(10 * n), ActivityFacts(history_earns=5, history_points=50)),
        "earns 100 points, 10x the member's average here of 10",
    ),
}
case_ids = pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())


@case_ids
def test_a_rule_reviews_at_its_review_threshold(case):
    assert case.run(REVIEW_AT) == Verdict(case.code, Decision.REVIEW, 50, case.run(5).detail)


@case_ids
def test_a_rule_stays_quiet_one_below_its_review_threshold(case):
    assert case.run(REVIEW_AT - 1) is None


@case_ids
def test_a_rule_denies_at_its_deny_threshold_and_says_what_it_saw(case):
    assert case.run(DENY_AT) == Verdict(case.code, Decision.DENY, 100, case.detail)


@case_ids
def test_a_rule_only_reviews_one_below_its_deny_threshold(case):
    fired = case.run(DENY_AT - 1)
    assert fired is not None
    assert (fired.rule, fired.decision) == (case.code, Decision.REVIEW)


@case_ids
def test_assess_runs_the_rule_and_the_others_stay_quiet(case):
    attempt, facts = case.at(DENY_AT)
    assessment = assess(attempt, facts, case.thresholds())
    assert [v.rule for v in assessment.verdicts] == [case.code]
    assert assessment.decision is Decision.DENY
    quiet_attempt, quiet_facts = case.at(REVIEW_AT - 1)
    assert assess(quiet_attempt, quiet_facts, case.thresholds()) == ALLOWED


# -- operations a rule is not about -----------------------------------------------------------

ALWAYS = FraudThresholds(
    **{
        name: Threshold(1, 1)
        for name in (
            "velocity_count",
            "velocity_points",
            "earn_then_burn_points",
            "terminal_cards",
            "cashier_cards",
            "cashier_card_receipts",
            "linked_members",
            "history_multiple",
        )
    }
)
"""Thresholds every count reaches: whatever stays quiet under them ignores the attempt."""


def test_earn_then_burn_ignores_earns_and_burns_without_an_earn_elsewhere():
    recent = ActivityFacts(last_earn_elsewhere_at=EARLIER, last_earn_elsewhere_partner="fuel")
    assert engine.earn_then_burn(earn(10**6), recent, ALWAYS) is None
    assert engine.earn_then_burn(burn(10**6), ActivityFacts(), ALWAYS) is None


@pytest.mark.parametrize(
    "rule", [engine.terminal_cards, engine.cashier_cards, engine.cashier_one_card]
)
def test_till_rules_ignore_redemptions_and_earns_without_a_till(rule):
    busy = ActivityFacts(terminal_members=100, cashier_members=100, cashier_member_earns=100)
    assert rule(burn(terminal_id="t-1", cashier_id="c-1"), busy, ALWAYS) is None
    assert rule(earn(), busy, ALWAYS) is None


def test_velocity_counts_earns_for_an_earn_and_holds_for_a_redemption():
    t = replace(DEFAULT_THRESHOLDS, velocity_count=THRESHOLD, velocity_points=THRESHOLD)
    earns = ActivityFacts(member_earns=100, member_earned_points=100)
    holds = ActivityFacts(member_holds=100, member_held_points=100)
    for rule in (engine.velocity_count, engine.velocity_points):
        assert rule(burn(1), earns, t) is None
        assert rule(earn(1), holds, t) is None


def test_linked_members_stays_quiet_for_a_member_sharing_nothing():
    assert engine.linked_members(earn(), ActivityFacts(), ALWAYS) is None
    assert engine.linked_members(burn(), ActivityFacts(linked_members=1), ALWAYS) is not None


def test_earn_above_history_ignores_redemptions_and_a_history_one_earn_short():
    history = ActivityFacts(history_earns=4, history_points=4)
    assert engine.earn_above_history(earn(10**6), history, ALWAYS) is None
    full = replace(history, history_earns=5)
    assert engine.earn_above_history(burn(10**6), full, ALWAYS) is None
    assert engine.earn_above_history(earn(10**6), full, ALWAYS) is not None


def test_earn_above_history_set_to_need_no_earns_judges_nothing_without_history():
    # A member's first earn has no average to compare with: nothing to divide by.
    t = replace(ALWAYS, history_min_earns=0)
    assert engine.earn_above_history(earn(100), ActivityFacts(), t) is None


def test_earn_above_history_compares_with_the_members_average_at_this_partner():
    # Ten coffees of 4 points: 40 points is 10x the member's average here.
    here = ActivityFacts(history_earns=10, history_points=40)
    fired = engine.earn_above_history(earn(40), here, DEFAULT_THRESHOLDS)
    assert fired is not None
    assert fired.detail == "earns 40 points, 10x the member's average here of 4"
    assert engine.earn_above_history(earn(39), here, DEFAULT_THRESHOLDS) is None


def test_a_member_without_history_here_is_compared_with_the_usual_basket_at_the_till():
    till = ActivityFacts(
        history_earns=2, history_points=8, basket_earns=BASKET_MIN_EARNS, basket_points=1000
    )  # the grocer's baskets average 50 points; the member's two here do not count yet
    assert engine.earn_above_history(earn(499), till, DEFAULT_THRESHOLDS) is None
    fired = engine.earn_above_history(earn(500), till, DEFAULT_THRESHOLDS)
    assert fired is not None
    assert fired.detail == "earns 500 points, 10x the usual basket at this till of 50"


def test_a_till_with_too_few_earns_gives_no_usual_basket():
    young = ActivityFacts(basket_earns=BASKET_MIN_EARNS - 1, basket_points=1)
    assert engine.earn_above_history(earn(10**6), young, ALWAYS) is None


# -- the tills' own pace ------------------------------------------------------------------------

BUSY = 80
"""A coffee terminal's busiest hour: its morning rush."""


def at_terminal(members: int, recent_earns: int, usual_earns: int) -> ActivityFacts:
    rate = TillRate(recent_earns=recent_earns, usual_earns=usual_earns)
    return ActivityFacts(
        terminal_members=members - 1,
        cashier_members=members - 1,
        terminal_rate=rate,
        cashier_rate=rate,
    )


@pytest.mark.parametrize("rule", [engine.terminal_cards, engine.cashier_cards])
def test_a_busy_till_at_its_usual_pace_is_not_a_signal(rule):
    # Eighty coffees in the hour, as on every morning: over the default 60 cards, yet usual.
    rush = at_terminal(BUSY, recent_earns=BUSY - 1, usual_earns=BUSY)
    assert rule(earn(terminal_id="t-1", cashier_id="c-1"), rush, DEFAULT_THRESHOLDS) is None


@pytest.mark.parametrize("rule", [engine.terminal_cards, engine.cashier_cards])
def test_a_till_bursting_far_above_its_own_pace_is_flagged(rule):
    burst = TILL_BURST_MULTIPLE * BUSY
    facts = at_terminal(burst, recent_earns=burst - 1, usual_earns=BUSY)
    fired = rule(earn(terminal_id="t-1", cashier_id="c-1"), facts, DEFAULT_THRESHOLDS)
    assert fired is not None
    assert fired.decision is Decision.REVIEW
    assert fired.detail.endswith(f"({burst} earns in the last hour; its busiest hour {BUSY})")
    under = at_terminal(burst, recent_earns=burst - 2, usual_earns=BUSY)
    assert rule(earn(terminal_id="t-1", cashier_id="c-1"), under, DEFAULT_THRESHOLDS) is None


@pytest.mark.parametrize("rule", [engine.terminal_cards, engine.cashier_cards])
def test_a_till_without_a_usual_pace_yet_is_judged_by_the_thresholds_alone(rule):
    new = at_terminal(60, recent_earns=59, usual_earns=0)
    assert rule(earn(terminal_id="t-1", cashier_id="c-1"), new, DEFAULT_THRESHOLDS) is not None


# -- impossible travel ------------------------------------------------------------------------

KM = engine.distance_km(MOSCOW, ST_PETERSBURG)


def seen_in_moscow(ago: timedelta) -> ActivityFacts:
    return ActivityFacts(last_sighting=Sighting(NOW - ago, MOSCOW, "fuel", "s-9"))


def travel(speed: Threshold, ago: timedelta = timedelta(hours=1), **changes) -> Verdict | None:
    t = replace(DEFAULT_THRESHOLDS, travel_speed_kmh=speed, **changes)
    return engine.impossible_travel(earn(location=ST_PETERSBURG), seen_in_moscow(ago), t)


def test_travel_faster_than_the_review_speed_is_reviewed_and_one_below_is_not():
    speed = int(KM)  # an hour from Moscow to St Petersburg
    fired = travel(Threshold(speed))
    assert fired == Verdict(
        RuleCode.IMPOSSIBLE_TRAVEL,
        Decision.REVIEW,
        50,
        f"{speed} km from fuel store s-9 in 60 min: {speed} km/h",
    )
    assert travel(Threshold(speed + 1)) is None


def test_travel_at_the_deny_speed_is_denied_and_one_below_is_reviewed():
    speed = int(KM)
    denied = travel(Threshold(speed - 100, speed))
    reviewed = travel(Threshold(speed - 100, speed + 1))
    assert denied is not None
    assert (denied.decision, denied.score) == (Decision.DENY, 100)
    assert reviewed is not None
    assert reviewed.decision is Decision.REVIEW


def test_tills_seconds_apart_are_judged_a_minute_apart():
    fired = travel(Threshold(1), ago=timedelta(seconds=5))
    assert fired is not None
    assert fired.detail.endswith(f"in 1 min: {int(KM * 60)} km/h")


def test_travel_shorter_than_the_minimum_distance_is_not_judged():
    assert travel(Threshold(1, 1), travel_min_km=int(KM) + 1) is None
    assert travel(Threshold(1, 1), travel_min_km=int(KM)) is not None


def test_travel_needs_a_location_and_an_earlier_sighting():
    t = replace(DEFAULT_THRESHOLDS, travel_speed_kmh=Threshold(1, 1))
    seen = seen_in_moscow(timedelta(minutes=1))
    assert engine.impossible_travel(earn(), seen, t) is None
    assert engine.impossible_travel(earn(location=ST_PETERSBURG), ActivityFacts(), t) is None
    assert engine.impossible_travel(burn(location=ST_PETERSBURG), seen, t) is not None


# -- refunds, frozen accounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("debt_points", "decision"),
    LADDER,
)
def test_a_refund_leaving_a_debt_is_judged_by_its_points(debt_points, decision):
    t = replace(DEFAULT_THRESHOLDS, refund_debt_points=THRESHOLD)
    assessment = assess_refund(debt_points, t)
    assert assessment.decision is decision
    assert [v.rule for v in assessment.verdicts] == (
        [] if decision is Decision.ALLOW else [RuleCode.REFUND_AFTER_BURN]
    )


def test_by_default_any_debt_is_reviewed_and_none_is_allowed():
    assert assess_refund(0, DEFAULT_THRESHOLDS) == ALLOWED
    [fired] = assess_refund(1, DEFAULT_THRESHOLDS).verdicts
    assert fired.detail == "refund of spent points leaves a debt of 1 points"


@pytest.mark.parametrize(("attempt", "what"), [(earn(7), "earn"), (burn(7), "redeem")])
def test_using_a_frozen_account_is_always_denied(attempt, what):
    assessment = engine.frozen_attempt(attempt)
    assert assessment.verdicts == (
        Verdict(
            RuleCode.FROZEN_ACCOUNT,
            Decision.DENY,
            100,
            f"tried to {what} 7 points on a frozen account",
        ),
    )
    assert assessment.score == 100


# -- the nightly pass -------------------------------------------------------------------------

FARMING = replace(DEFAULT_THRESHOLDS, farming_earns=THRESHOLD, farming_min_active_days=5)


def farmed(earns: int, active_days: int = 5) -> FarmingFacts:
    return FarmingFacts(MEMBER_ID, "coffee", earns, active_days, 100 * earns)


@pytest.mark.parametrize(
    ("earns", "decision"),
    LADDER,
)
def test_farming_is_judged_by_its_earns(earns, decision):
    assert assess_farming(farmed(earns), FARMING).decision is decision


def test_farming_says_what_it_saw():
    [fired] = assess_farming(farmed(DENY_AT), FARMING).verdicts
    assert fired.rule is RuleCode.SLOW_FARMING
    assert fired.detail == "10 earns (1000 points) on 5 of the last 7 days"


def test_earns_on_one_day_too_few_are_not_farming():
    assert assess_farming(farmed(1000, active_days=4), FARMING) == ALLOWED


DORMANT = replace(DEFAULT_THRESHOLDS, dormant_burn_percent=THRESHOLD, dormant_min_points=100)


def dormant(percent: int, idle_days: int = 180, balance_points: int = 10_000) -> DormantBurnFacts:
    return DormantBurnFacts(
        MEMBER_ID, "coffee", balance_points * percent // 100, balance_points, idle_days
    )


@pytest.mark.parametrize(
    ("percent", "decision"),
    LADDER,
)
def test_a_dormant_burn_is_judged_by_the_share_of_the_balance(percent, decision):
    assert assess_dormant_burn(dormant(percent), DORMANT).decision is decision


def test_a_dormant_burn_says_what_it_saw():
    [fired] = assess_dormant_burn(dormant(DENY_AT), DORMANT).verdicts
    assert fired.rule is RuleCode.DORMANT_BURN
    assert fired.detail == (
        "burned 1000 points (10% of the balance) after 180 days without activity"
    )


def test_a_burn_a_day_short_of_dormant_or_a_point_short_of_the_minimum_is_not_judged():
    assert assess_dormant_burn(dormant(100, idle_days=179), DORMANT) == ALLOWED
    small = DormantBurnFacts(MEMBER_ID, "coffee", 99, 99, 1000)
    assert assess_dormant_burn(small, DORMANT) == ALLOWED
    assert assess_dormant_burn(replace(small, burned_points=100), DORMANT).decision is (
        Decision.DENY
    )
