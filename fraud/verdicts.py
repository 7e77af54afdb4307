"""What a fraud rule says about an operation, and what all of them decide together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

SCORE_MAX = 100


class Decision(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    """The operation goes through; a flag is raised for an analyst (a redemption is held)."""
    DENY = "deny"
    """Nothing is posted; the attempt is recorded as a flag."""


_SEVERITY = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.DENY: 2}


class RuleCode(StrEnum):
    """The machine-readable reason of a verdict, as flags, reports and thresholds name it."""

    MEMBER_VELOCITY_COUNT = "member_velocity_count"
    MEMBER_VELOCITY_POINTS = "member_velocity_points"
    EARN_THEN_BURN = "earn_then_burn"
    """A burn at one partner within minutes of an earn at another: a taken-over account."""
    REFUND_AFTER_BURN = "refund_after_burn"
    """A refunded purchase whose points were already spent: the member now owes them."""
    TERMINAL_MANY_CARDS = "terminal_many_cards"
    CASHIER_MANY_CARDS = "cashier_many_cards"
    CASHIER_ONE_CARD = "cashier_one_card"
    """One card on many of a cashier's receipts: staff swiping their own card for customers."""
    LINKED_MEMBERS = "linked_members"
    """One phone or e-mail shared by many members."""
    EARN_ABOVE_HISTORY = "earn_above_history"
    FROZEN_ACCOUNT = "frozen_account"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    SLOW_FARMING = "slow_farming"
    DORMANT_BURN = "dormant_burn"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule that fired: its decision, a score (0..100) and what it saw, for the analyst."""

    rule: RuleCode
    decision: Decision
    score: int
    detail: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """Every rule that fired on one operation; none fired means ALLOW."""

    verdicts: tuple[Verdict, ...] = ()

    @classmethod
    def of(cls, verdicts: Iterable[Verdict | None]) -> Assessment:
        return cls(tuple(v for v in verdicts if v is not None))

    @property
    def decision(self) -> Decision:
        """The most severe verdict's decision."""
        return max(
            (v.decision for v in self.verdicts), key=_SEVERITY.__getitem__, default=Decision.ALLOW
        )

    @property
    def score(self) -> int:
        """The verdicts' scores added up, at most ``SCORE_MAX``: the analysts' queue order."""
        return min(SCORE_MAX, sum(v.score for v in self.verdicts))


ALLOWED = Assessment()
