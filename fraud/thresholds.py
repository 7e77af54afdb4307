"""Thresholds of the fraud rules; each partner may have its own, versioned like other rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fraud.facts import ActivityWindows
from fraud.verdicts import SCORE_MAX, Decision

REVIEW_SCORE = 50
REVIEW_SCORE_MAX = 90
TILL_BURST_MULTIPLE = 2
"""A terminal or cashier is bursting when its earns of the last hour reach this multiple of
its busiest hour of the last one to two weeks; below, it is at its own usual pace (a coffee
terminal's morning rush) and its many-cards rules stay quiet. A till without a closed hour
yet has no norm: the thresholds alone decide."""
BASKET_MIN_EARNS = 20
"""Earns a terminal (or cashier) needs before its average earn stands in for the partner's
usual basket, for a member with fewer than ``history_min_earns`` earns at the partner."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """From ``review_at`` an operation is flagged for review, from ``deny_at`` it is refused;
    ``None`` never."""

    review_at: int | None = None
    deny_at: int | None = None

    def decide(self, value: int) -> Decision:
        if self.deny_at is not None and value >= self.deny_at:
            return Decision.DENY
        if self.review_at is not None and value >= self.review_at:
            return Decision.REVIEW
        return Decision.ALLOW

    def saturation(self) -> int:
        """The least value from which ``decide`` and ``score`` no longer change."""
        if self.deny_at is not None:
            return self.deny_at
        if self.review_at is None:
            return 0
        # score() reaches REVIEW_SCORE_MAX at twice review_at (at 1 when review_at is 0).
        return max(2 * self.review_at, 1)

    def score(self, value: int) -> int:
        """50 at ``review_at``, rising with the excess up to 90; 100 at ``deny_at``."""
        decision = self.decide(value)
        if decision is Decision.DENY:
            return SCORE_MAX
        if decision is Decision.ALLOW or self.review_at is None:
            return 0
        excess = (value - self.review_at) * (REVIEW_SCORE_MAX - REVIEW_SCORE)
        return min(REVIEW_SCORE_MAX, REVIEW_SCORE + excess // max(self.review_at, 1))


@dataclass(frozen=True, slots=True)
class FraudThresholds:
    """A partner's fraud thresholds; ``partner_id`` ``None``: the whole coalition's, which
    partners without their own use (and without those, these defaults)."""

    partner_id: str | None = None
    velocity_window_s: int = 3600
    velocity_count: Threshold = Threshold(20, 60)
    """The member's earns (or holds) in the window, this one included."""
    velocity_points: Threshold = Threshold(20_000)
    earn_then_burn_window_s: int = 900
    earn_then_burn_points: Threshold = Threshold(500)
    """Points burned within the window after an earn at another partner."""
    refund_debt_points: Threshold = Threshold(1)
    """Points a refund leaves the member owing because they were already spent."""
    till_window_s: int = 3600
    terminal_cards: Threshold = Threshold(60)
    """Members earning at one terminal in the till window, this one included, while the
    terminal is bursting above its own norm (``TILL_BURST_MULTIPLE``)."""
    cashier_cards: Threshold = Threshold(60)
    cashier_card_window_s: int = 86_400
    cashier_card_receipts: Threshold = Threshold(5)
    """One member's earns through one cashier in the cashier-card window, this one included."""
    linked_members: Threshold = Threshold(3)
    """Members sharing a phone number or e-mail address, this one included."""
    history_min_earns: int = 5
    history_multiple: Threshold = Threshold(10)
    """The earn's points as a multiple of the member's average earn at this partner (or, with
    fewer than ``history_min_earns`` there, of the till's average earn: the partner's usual
    basket)."""
    travel_min_km: int = 100
    travel_speed_kmh: Threshold = Threshold(1000)
    """The speed the member would have had to travel since the last till with a location."""
    farming_days: int = 7
    farming_min_active_days: int = 5
    farming_earns: Threshold = Threshold(40)
    """Earns at one partner over the farming window, spread over enough days."""
    dormant_days: int = 180
    dormant_min_points: int = 1000
    dormant_burn_percent: Threshold = Threshold(80)
    """Share of the balance burned in a day after ``dormant_days`` without activity."""

    def windows(self, now: datetime) -> ActivityWindows:
        return ActivityWindows(
            velocity_since=now - timedelta(seconds=self.velocity_window_s),
            earn_then_burn_since=now - timedelta(seconds=self.earn_then_burn_window_s),
            till_since=now - timedelta(seconds=self.till_window_s),
            cashier_card_since=now - timedelta(seconds=self.cashier_card_window_s),
            till_members_max=max(self.terminal_cards.saturation(), self.cashier_cards.saturation()),
            cashier_card_minutes_max=self.cashier_card_receipts.saturation(),
            at=now,
        )


DEFAULT_THRESHOLDS = FraudThresholds()
