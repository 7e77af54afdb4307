"""Applying the rules in force to an earn: the breakdown, and what tiers give at the till.

Pure functions: quote and earn call ``evaluate`` with the same ruleset and facts, so an earn
posts exactly what a quote at the same moment promised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub.domain.breakdown import Breakdown
from hub.domain.partners import Partner
from hub.domain.purchases import Purchase
from hub.domain.rates import Rates, RateVersion
from hub.domain.rules import (
    NO_FACTS,
    FactWindows,
    MemberFacts,
    Ruleset,
    TierProgress,
    TierScheme,
)


@dataclass(frozen=True, slots=True)
class EarnSituation:
    """Everything an earn's points depend on besides the rules."""

    partner: Partner
    rate: RateVersion
    purchase: Purchase
    at: datetime
    zone: ZoneInfo
    """The coalition's time zone: campaign weekdays and hours, birthdays, cap periods."""
    member_known: bool = True
    """False for a quote that names no member: campaigns conditioned on the member (tiers,
    birthday, first purchase) do not apply, and the tier is the base tier."""
    facts: MemberFacts = NO_FACTS
    budgets_left: Mapping[str, int] | None = None
    """Campaign rule id -> bonus points its budget has left; ``None``: not read yet (budgets
    do not limit), which is how the caller learns which budgets to read."""


def evaluate(ruleset: Ruleset, situation: EarnSituation) -> Breakdown:
    """The breakdown of the earn ``situation`` describes under ``ruleset``."""
    raise NotImplementedError


def needs_facts(ruleset: Ruleset, partner_id: str) -> bool:
    """Whether an earn at ``partner_id`` needs ``MemberFacts`` (tiers, caps, first-purchase
    campaigns); without, the earn reads nothing more than it did before rules."""
    raise NotImplementedError


def needs_birth_date(ruleset: Ruleset, partner_id: str, at: datetime) -> bool:
    """Whether a birthday campaign could apply at ``partner_id`` at ``at``: only then is the
    member's sealed contact read."""
    raise NotImplementedError


def fact_windows(ruleset: Ruleset, at: datetime, zone: ZoneInfo) -> FactWindows:
    """The instants facts are counted from for an earn at ``at``."""
    raise NotImplementedError


def budgeted_campaigns(ruleset: Ruleset, breakdown: Breakdown) -> tuple[str, ...]:
    """Rule ids of the campaigns in ``breakdown`` that have a budget, sorted (the lock order)."""
    raise NotImplementedError


def tier_progress(scheme: TierScheme, facts: MemberFacts) -> TierProgress:
    """The member's tier, the next one and the distance to it."""
    raise NotImplementedError


def burn_value(ruleset: Ruleset, partner_id: str, tier: str | None, rates: Rates) -> Decimal:
    """The value of a point redeemed at the partner for a member of ``tier``: the tier's own
    ``burn_value`` when the partner sets a better one, else the rate's."""
    raise NotImplementedError


def burn_excluded_categories(ruleset: Ruleset, partner: Partner) -> frozenset[str]:
    """Categories points cannot pay for: the partner's burn rules and its exclusions rule."""
    raise NotImplementedError


def review_period_start(scheme: TierScheme, at: datetime, zone: ZoneInfo) -> datetime:
    """The start of the review period ``at`` falls in (local midnight of the first day of the
    month, quarter or year)."""
    raise NotImplementedError


def reviewed_tier(scheme: TierScheme, qualifying: int) -> str | None:
    """The tier a review sets for ``qualifying``; ``None`` for the base tier."""
    raise NotImplementedError
