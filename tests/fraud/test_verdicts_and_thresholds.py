"""Thresholds, assessments, windows and distances: the pieces every fraud rule is built on."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest

from fraud.engine import EARTH_RADIUS_KM, distance_km
from fraud.facts import Location
from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from fraud.verdicts import ALLOWED, SCORE_MAX, Assessment, Decision, RuleCode, Verdict
from tests.fraud.builders import MOSCOW, NOW, ST_PETERSBURG

# -- Threshold --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "value", "decision", "score"),
    [
        (Threshold(), 10**9, Decision.ALLOW, 0),
        (Threshold(10), 9, Decision.ALLOW, 0),
        (Threshold(10), 10, Decision.REVIEW, 50),
        (Threshold(10), 15, Decision.REVIEW, 70),
        (Threshold(10), 20, Decision.REVIEW, 90),
        (Threshold(10), 10**9, Decision.REVIEW, 90),
        (Threshold(10, 20), 19, Decision.REVIEW, 86),
        (Threshold(10, 20), 20, Decision.DENY, 100),
        (Threshold(10, 20), 10**9, Decision.DENY, 100),
        (Threshold(None, 5), 4, Decision.ALLOW, 0),
        (Threshold(None, 5), 5, Decision.DENY, 100),
        (Threshold(5, 5), 5, Decision.DENY, 100),
        (Threshold(1), 1, Decision.REVIEW, 50),
        (Threshold(1), 2, Decision.REVIEW, 90),
    ],
)
def test_a_threshold_reviews_from_review_at_and_denies_from_deny_at(
    threshold, value, decision, score
):
    assert threshold.decide(value) is decision
    assert threshold.score(value) == score


def test_a_review_scores_50_at_its_threshold_and_rises_with_the_excess_to_90():
    threshold = Threshold(100)
    scores = [threshold.score(value) for value in (100, 125, 150, 199, 200, 400)]
    assert scores == [50, 60, 70, 89, 90, 90]


# -- Assessment -------------------------------------------------------------------------------


def verdict(decision: Decision, score: int, rule: RuleCode = RuleCode.LINKED_MEMBERS) -> Verdict:
    return Verdict(rule, decision, score, "seen")


def test_no_verdict_allows_with_score_0():
    assert (ALLOWED.decision, ALLOWED.score) == (Decision.ALLOW, 0)
    assert Assessment.of([None, None]) == ALLOWED


@pytest.mark.parametrize(
    "decisions",
    [
        (Decision.REVIEW, Decision.DENY, Decision.REVIEW),
        (Decision.DENY, Decision.REVIEW),
        (Decision.REVIEW, Decision.REVIEW, Decision.DENY),
    ],
)
def test_the_most_severe_verdict_decides_in_any_order(decisions):
    assessment = Assessment(tuple(verdict(d, 10) for d in decisions))
    assert assessment.decision is Decision.DENY


def test_reviews_alone_review():
    assessment = Assessment.of([verdict(Decision.REVIEW, 50), None, verdict(Decision.REVIEW, 60)])
    assert assessment.decision is Decision.REVIEW
    assert len(assessment.verdicts) == 2


@pytest.mark.parametrize(
    ("scores", "total"),
    [((20, 30), 50), ((50, 50), 100), ((50, 60), 100), ((100, 100, 100), SCORE_MAX), ((7,), 7)],
)
def test_the_score_adds_the_verdicts_up_to_100(scores, total):
    assessment = Assessment(tuple(verdict(Decision.REVIEW, score) for score in scores))
    assert assessment.score == total


# -- windows ----------------------------------------------------------------------------------


def test_each_window_starts_its_own_length_before_now():
    thresholds = FraudThresholds(
        velocity_window_s=60,
        earn_then_burn_window_s=120,
        till_window_s=180,
        cashier_card_window_s=86_400,
    )
    windows = thresholds.windows(NOW)
    assert windows.velocity_since == NOW - timedelta(minutes=1)
    assert windows.earn_then_burn_since == NOW - timedelta(minutes=2)
    assert windows.till_since == NOW - timedelta(minutes=3)
    assert windows.cashier_card_since == NOW - timedelta(days=1)


def test_a_tills_members_are_counted_up_to_the_higher_saturation_of_its_two_thresholds():
    thresholds = FraudThresholds(terminal_cards=Threshold(10), cashier_cards=Threshold(5, 30))
    assert thresholds.windows(NOW).till_members_max == 30
    assert DEFAULT_THRESHOLDS.windows(NOW).till_members_max == 120  # twice review_at 60


def test_the_default_windows_are_an_hour_15_minutes_an_hour_and_a_day():
    windows = DEFAULT_THRESHOLDS.windows(NOW)
    assert NOW - windows.velocity_since == timedelta(hours=1)
    assert NOW - windows.earn_then_burn_since == timedelta(minutes=15)
    assert NOW - windows.till_since == timedelta(hours=1)
    assert NOW - windows.cashier_card_since == timedelta(days=1)


# -- distances --------------------------------------------------------------------------------


def place(latitude: str, longitude: str) -> Location:
    return Location(Decimal(latitude), Decimal(longitude))


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (MOSCOW, ST_PETERSBURG, 634),
        (place("51.5074", "-0.1278"), place("48.8566", "2.3522"), 344),  # London-Paris
        (place("40.7128", "-74.0060"), place("51.5074", "-0.1278"), 5570),  # New York-London
        (place("0", "179.5"), place("0", "-179.5"), 111),  # across the date line
    ],
)
def test_distances_between_known_places(a, b, km):
    assert distance_km(a, b) == pytest.approx(km, rel=0.005)
    assert distance_km(b, a) == pytest.approx(distance_km(a, b))


def test_a_place_is_0_km_from_itself_and_antipodes_half_the_earth_apart():
    assert distance_km(MOSCOW, MOSCOW) == 0
    antipode = place("-55.7558", "-142.3827")
    assert distance_km(MOSCOW, antipode) == pytest.approx(math.pi * EARTH_RADIUS_KM)
