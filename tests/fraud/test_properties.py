"""Properties of the whole engine, over any attempt, facts and thresholds: scores stay within
0..100, more activity never lowers the decision, and the same inputs give the same answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fraud.engine import assess, assess_dormant_burn, assess_farming, assess_refund
from fraud.facts import (
    ActivityFacts,
    Attempt,
    DormantBurnFacts,
    FarmingFacts,
    Location,
    Operation,
    Sighting,
)
from fraud.thresholds import FraudThresholds, Threshold
from fraud.verdicts import SCORE_MAX, Assessment, Decision
from tests.fraud.builders import MEMBER_ID, NOW

SEVERITY = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.DENY: 2}
COUNTS = (
    "member_earns",
    "member_earned_points",
    "member_holds",
    "member_held_points",
    "terminal_members",
    "cashier_members",
    "cashier_member_earns",
    "linked_members",
)
"""The facts that count activity: more of any of them is more activity."""

counts = st.integers(min_value=0, max_value=10_000)
limits = st.none() | st.integers(min_value=0, max_value=20_000)
thresholds_of = st.builds(Threshold, limits, limits)
locations = st.builds(
    Location,
    st.decimals(min_value=-90, max_value=90, places=4),
    st.decimals(min_value=-180, max_value=180, places=4),
)
thresholds = st.builds(
    FraudThresholds,
    velocity_window_s=st.integers(1, 30 * 86_400),
    velocity_count=thresholds_of,
    velocity_points=thresholds_of,
    earn_then_burn_points=thresholds_of,
    terminal_cards=thresholds_of,
    cashier_cards=thresholds_of,
    cashier_card_receipts=thresholds_of,
    linked_members=thresholds_of,
    history_min_earns=st.integers(0, 50),
    history_multiple=thresholds_of,
    travel_min_km=st.integers(0, 20_000),
    travel_speed_kmh=thresholds_of,
    refund_debt_points=thresholds_of,
    farming_min_active_days=st.integers(0, 90),
    farming_earns=thresholds_of,
    dormant_min_points=counts,
    dormant_burn_percent=thresholds_of,
)
attempts = st.builds(
    Attempt,
    operation=st.sampled_from([Operation.EARN, Operation.AUTHORIZE]),
    partner_id=st.just("coffee"),
    member_id=st.just(MEMBER_ID),
    points=st.integers(min_value=1, max_value=10**7),
    at=st.just(NOW),
    terminal_id=st.sampled_from(["", "t-1"]),
    cashier_id=st.sampled_from(["", "c-1"]),
    location=st.none() | locations,
)
sightings = st.builds(
    Sighting,
    at=st.integers(-3600, 86_400).map(lambda s: NOW - timedelta(seconds=s)),
    location=locations,
    partner_id=st.just("fuel"),
    store_id=st.just("s-1"),
)
facts = st.builds(
    ActivityFacts,
    **dict.fromkeys(COUNTS, counts),
    last_earn_elsewhere_at=st.none() | st.just(NOW - timedelta(minutes=3)),
    last_earn_elsewhere_partner=st.just("fuel"),
    history_earns=st.integers(0, 50),
    history_points=counts,
    last_sighting=st.none() | sightings,
)
more = st.fixed_dictionaries({name: counts for name in COUNTS})


def within_bounds(assessment: Assessment) -> bool:
    return 0 <= assessment.score <= SCORE_MAX and all(
        0 <= v.score <= SCORE_MAX for v in assessment.verdicts
    )


@given(thresholds_of, counts)
def test_a_thresholds_score_is_within_0_to_100(threshold, value):
    assert 0 <= threshold.score(value) <= SCORE_MAX


@given(thresholds_of, counts, counts)
def test_a_higher_value_never_lowers_a_thresholds_decision(threshold, value, extra):
    assert SEVERITY[threshold.decide(value + extra)] >= SEVERITY[threshold.decide(value)]


@given(thresholds_of, counts)
def test_past_its_saturation_a_higher_value_changes_neither_decision_nor_score(threshold, extra):
    top = threshold.saturation()
    assert threshold.decide(top + extra) is threshold.decide(top)
    assert threshold.score(top + extra) == threshold.score(top)


@settings(max_examples=300)
@given(attempts, facts, thresholds)
def test_counting_a_tills_members_and_a_cards_receipts_only_up_to_their_caps_keeps_verdicts(
    attempt, seen, t
):
    windows = t.windows(attempt.at)
    cap = windows.till_members_max
    # Each minute read has at least one earn: a capped read sums to at least its cap.
    minutes_cap = windows.cashier_card_minutes_max
    capped = replace(
        seen,
        terminal_members=min(seen.terminal_members, cap),
        cashier_members=min(seen.cashier_members, cap),
        cashier_member_earns=min(seen.cashier_member_earns, minutes_cap),
    )

    def verdicts(assessment: Assessment) -> list[tuple[object, ...]]:
        return [(v.rule, v.decision, v.score) for v in assessment.verdicts]

    assert verdicts(assess(attempt, capped, t)) == verdicts(assess(attempt, seen, t))


@settings(max_examples=300)
@given(attempts, facts, thresholds)
def test_every_assessment_scores_within_0_to_100(attempt, seen, t):
    assert within_bounds(assess(attempt, seen, t))


@settings(max_examples=300)
@given(attempts, facts, thresholds, more, st.integers(0, 10**6))
def test_more_activity_never_lowers_the_decision(attempt, seen, t, extra, extra_points):
    busier = replace(seen, **{name: getattr(seen, name) + extra[name] for name in COUNTS})
    bigger = replace(attempt, points=attempt.points + extra_points)
    before = assess(attempt, seen, t).decision
    assert SEVERITY[assess(bigger, busier, t).decision] >= SEVERITY[before]


@given(attempts, facts, thresholds)
def test_the_same_inputs_always_give_the_same_assessment(attempt, seen, t):
    first = assess(attempt, seen, t)
    assert assess(replace(attempt), replace(seen), replace(t)) == first


@given(counts, thresholds)
def test_a_refunds_score_is_within_bounds_and_grows_with_the_debt(debt_points, t):
    assessment = assess_refund(debt_points, t)
    assert within_bounds(assessment)
    assert SEVERITY[assess_refund(debt_points + 1, t).decision] >= SEVERITY[assessment.decision]


@given(counts, st.integers(0, 90), counts, thresholds)
def test_farming_scores_within_bounds_and_more_earns_never_lower_it(earns, days, points, t):
    seen = FarmingFacts(MEMBER_ID, "coffee", earns, days, points)
    assessment = assess_farming(seen, t)
    assert within_bounds(assessment)
    busier = assess_farming(replace(seen, earns=earns + 1, active_days=days + 1), t)
    assert SEVERITY[busier.decision] >= SEVERITY[assessment.decision]


@given(counts, counts, st.integers(0, 3650), thresholds)
def test_a_dormant_burn_scores_within_bounds(burned_points, left_points, idle_days, t):
    seen = DormantBurnFacts(
        MEMBER_ID, "coffee", burned_points, burned_points + left_points, idle_days
    )
    assert within_bounds(assess_dormant_burn(seen, t))
