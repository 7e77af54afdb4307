"""The breakdown of an earn: every number on the receipt, and why.

Quote and earn return it and the earn's transaction stores it, so a till can print it and
support can explain any figure later, whatever the rules have become since. It always adds up:
``points == sum(line.points) - sum(cap.cut_points)``, and, for a receipt with line items,
``points == sum(item.points) + receipt_points``: what each receipt line earned, which is what
returning it gives back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hub.domain.money import EarnRounding
from hub.domain.rules import Funder


class LineKind(StrEnum):
    BASE = "base"
    """The partner's earn rate on the eligible amount."""
    TIER = "tier"
    """The member's tier multiplier at this partner, on the base."""
    CAMPAIGN = "campaign"
    """A campaign's multiplier extra or fixed bonus."""


class ExclusionReason(StrEnum):
    CATEGORY = "category"
    """The partner excludes the line's category from earning."""
    DISCOUNTED = "discounted"
    """The partner's discounted goods earn nothing."""


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    kind: LineKind
    points: int
    funder: Funder
    rule_id: str = ""
    """The tier-benefits rule or the campaign; empty for the base."""
    label: str = ""
    multiplier: Decimal | None = None
    """The multiplier this line applies (its extra is ``multiplier - 1``); ``None`` for a fixed
    bonus and the base."""
    on_points: int = 0
    """The base points the multiplier applied to (a campaign scoped to categories applies only
    to theirs)."""
    note: str = ""
    """Why a campaign gave less than its rule says: ``budget`` (its budget ran out) or
    ``stacking`` (the stacking policy's maximum multiplier cut it)."""
    capped_points: int = 0
    """Of ``points``, those a cap took back; the line posts ``points - capped_points``."""

    @property
    def posted_points(self) -> int:
        return self.points - self.capped_points


@dataclass(frozen=True, slots=True)
class ExcludedItem:
    index: int
    """Position of the line item in the request."""
    sku: str
    category: str
    amount_minor: int
    reason: ExclusionReason


@dataclass(frozen=True, slots=True)
class ItemPoints:
    """What one receipt line earned: its share of the base, the tier and the campaigns scoped
    to it, after caps. Returning the line gives these points back."""

    index: int
    """Position of the line item in the request."""
    sku: str
    quantity: int
    amount_minor: int
    points: int
    """Whole points, allocated so that the items add up exactly (largest remainder)."""
    exact_points: str = "0"
    """The line's exact share before rounding, as a fraction ``"n/d"``: a partial return is
    charged at least this share, so rounding never leaves the member ahead."""


@dataclass(frozen=True, slots=True)
class CapCut:
    rule_id: str
    period: str
    limit_points: int
    cut_points: int
    """Points this earn would have given beyond the cap; the lines' ``capped_points`` say
    which they came from."""


@dataclass(frozen=True, slots=True)
class Breakdown:
    points: int
    """What the earn posts: the lines' sum less the caps' cuts."""
    eligible_minor: int
    """The part of the purchase that earns (excluded lines removed), in minor units."""
    lines: tuple[BreakdownLine, ...]
    """Base first, then tier, then campaigns by priority."""
    excluded: tuple[ExcludedItem, ...] = ()
    caps: tuple[CapCut, ...] = ()
    coalition_funded_points: int = 0
    """Of ``points``, those the coalition pays for (coalition-funded campaigns); the partner
    pays for the rest. A cap cuts campaign bonuses first, lowest priority first."""
    tier: str = ""
    """The member's tier this earn was computed at (the base tier for a quote naming no
    member); empty without a tier scheme."""
    tier_after: str = ""
    """Set when this earn lifts the member into a higher tier (which applies from the next
    earn on)."""
    items: tuple[ItemPoints, ...] = ()
    """What each receipt line earned; empty for a purchase without line items (and for
    breakdowns stored before lines were kept), whose refunds go by amount."""
    receipt_points: int = 0
    """With ``items``: the points of transaction-level bonuses (fixed bonuses, first-purchase
    campaigns), which belong to the receipt and go back only with the whole of it."""
    earn_rounding: EarnRounding = EarnRounding.DOWN
    """How the base points were rounded: the partner's earn rounding mode at the time (earns
    stored before partners could choose were all rounded down)."""

    @property
    def lines_points(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def cut_points(self) -> int:
        return sum(cap.cut_points for cap in self.caps)

    def campaign_points(self) -> dict[str, int]:
        """Bonus points each campaign posted (after caps), which its budget is charged."""
        given: dict[str, int] = {}
        for line in self.lines:
            if line.kind is LineKind.CAMPAIGN and line.posted_points:
                given[line.rule_id] = given.get(line.rule_id, 0) + line.posted_points
        return given
