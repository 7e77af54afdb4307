"""Earning rules: tiers, campaigns, exclusions, caps, welcome and event bonuses.

Rules are versioned like rates: a change is a new version of the rule with its own
``effective_from``; versions are never edited, so the rules in force at any past instant stay
what they were, and every earn also stores the breakdown it was given. Ending a rule is a
version without a definition.

Each definition is a frozen dataclass of plain values (the codec stores it as JSON). Per-partner
singletons (tier benefits, exclusions, stacking) have a rule id derived from their partner, so
there is exactly one of each in force; campaigns, caps, welcome and event rules are named by
the operator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds
from hub.domain.purchases import Channel


class RuleKind(StrEnum):
    TIERS = "tiers"
    TIER_BENEFITS = "tier-benefits"
    EXCLUSIONS = "exclusions"
    STACKING = "stacking"
    CAMPAIGN = "campaign"
    CAP = "cap"
    WELCOME = "welcome"
    EVENT = "event"
    FRAUD = "fraud"


class Funder(StrEnum):
    """Who pays for bonus points: settlement bills the partner or the coalition for them."""

    PARTNER = "partner"
    COALITION = "coalition"


class TierMetric(StrEnum):
    POINTS = "points"
    """Points earned on purchases at any partner, net of their refunds."""
    SPEND = "spend"
    """Purchase amounts in the scheme's currency, net of refunds (the hub converts no
    currencies: purchases in other currencies do not count)."""


class ReviewPeriod(StrEnum):
    """How often tiers are reviewed; downgrades happen only at a period's start."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class StackingMode(StrEnum):
    BEST = "best"
    """Of the multiplier campaigns that apply, only the one with the highest priority (then the
    largest bonus) counts."""
    STACK = "stack"
    """Every multiplier campaign that applies adds its extra, in priority order, until the
    campaigns' combined multiplier reaches ``max_multiplier``."""


class CapPeriod(StrEnum):
    TRANSACTION = "transaction"
    DAY = "day"
    MONTH = "month"
    """Calendar day and month in the coalition's time zone."""


class EventKind(StrEnum):
    REVIEW = "review"
    REFERRAL = "referral"
    """Both sides earn: the referrer ``points``, the referred member ``referee_points``."""
    PROFILE_COMPLETED = "profile-completed"


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    threshold: int
    """Qualifying points, or minor units of spend, over the rolling 12 months."""


@dataclass(frozen=True, slots=True)
class TierScheme:
    """The coalition's tiers, lowest first; the first has threshold 0 and is every member's
    starting tier."""

    tiers: tuple[Tier, ...]
    metric: TierMetric = TierMetric.POINTS
    spend_currency: str = ""
    """ISO-4217 code; required with ``TierMetric.SPEND``."""
    review: ReviewPeriod = ReviewPeriod.YEAR

    @property
    def base(self) -> Tier:
        return self.tiers[0]

    def rank(self, name: str | None) -> int:
        """0 for the base tier (and a tier the scheme no longer has), 1 for the next..."""
        for index, tier in enumerate(self.tiers):
            if tier.name == name:
                return index
        return 0

    def qualifying_tier(self, qualifying: int) -> Tier:
        """The highest tier whose threshold ``qualifying`` reaches (thresholds are inclusive)."""
        reached = [tier for tier in self.tiers if qualifying >= tier.threshold]
        return reached[-1] if reached else self.base

    def next_tier(self, name: str | None) -> Tier | None:
        rank = self.rank(name)
        return self.tiers[rank + 1] if rank + 1 < len(self.tiers) else None


@dataclass(frozen=True, slots=True)
class TierBenefits:
    """What each tier gets at one partner; tiers not named get multiplier 1 and the rate's
    ``burn_value``."""

    partner_id: str
    multipliers: dict[str, Decimal] = field(default_factory=dict)
    """Tier name -> multiplier of base points (1 = nothing extra)."""
    burn_values: dict[str, Decimal] = field(default_factory=dict)
    """Tier name -> ``burn_value`` used instead of the rate's when it is better for the member."""


@dataclass(frozen=True, slots=True)
class Exclusions:
    partner_id: str
    earn_categories: tuple[str, ...] = ()
    """Line-item categories that earn nothing."""
    discounted_earn: bool = True
    """False: lines marked discounted earn nothing."""
    burn_categories: tuple[str, ...] = ()
    """Line-item categories points cannot pay for, besides the partner's own burn rules."""


@dataclass(frozen=True, slots=True)
class Stacking:
    partner_id: str
    mode: StackingMode = StackingMode.BEST
    max_multiplier: Decimal = Decimal(1)
    """With ``STACK``: the most that 1 plus the campaigns' extras may reach (e.g. 3)."""


DEFAULT_STACKING_MODE = StackingMode.BEST


@dataclass(frozen=True, slots=True)
class Campaign:
    """A time-windowed multiplier or fixed bonus. Every condition set must hold; an empty one
    is no condition."""

    label: str
    starts_at: datetime
    ends_at: datetime | None = None
    """Exclusive; ``None``: until ended."""
    multiplier: Decimal | None = None
    """Points on the matching base are multiplied by it: 2 doubles them. Or ``bonus_points``."""
    bonus_points: int = 0
    """A fixed bonus per qualifying earn."""
    partner_id: str | None = None
    """``None``: at every partner."""
    categories: tuple[str, ...] = ()
    """Only these line-item categories' base points are multiplied; an earn without line items
    does not qualify. Fixed bonuses need one matching line."""
    channels: tuple[Channel, ...] = ()
    weekdays: tuple[int, ...] = ()
    """0 = Monday ... 6 = Sunday, in the coalition's time zone."""
    day_start_min: int = 0
    day_end_min: int = 24 * 60
    """Local minutes of the day, [start, end); start after end spans midnight."""
    tiers: tuple[str, ...] = ()
    birthday: bool = False
    """Only on the member's birthday (local date; 28 February for 29 February outside leap
    years)."""
    first_purchase: bool = False
    """Only the member's first earn at this partner."""
    exclusive: bool = False
    """When it applies, no other campaign does; exclusive campaigns may not overlap."""
    priority: int = 0
    """Higher first: decides the best campaign, and which extras a stacking cap cuts last."""
    budget_points: int | None = None
    """Bonus points the campaign may give in all; it stops by itself once they are given."""
    funder: Funder = Funder.PARTNER


@dataclass(frozen=True, slots=True)
class Cap:
    """The most points a member may earn on purchases in a period (all partners, or one)."""

    period: CapPeriod
    limit_points: int
    partner_id: str | None = None


@dataclass(frozen=True, slots=True)
class WelcomeBonus:
    points: int
    funder: Funder = Funder.COALITION
    partner_id: str | None = None
    """``None``: whichever partner enrolls the member; otherwise only enrollments there."""


@dataclass(frozen=True, slots=True)
class EventRule:
    """Points a partner grants for something other than a purchase."""

    partner_id: str
    event: EventKind
    points: int
    max_per_member: int
    """How many times one member may earn it from this partner, ever (referrals: as referrer)."""
    referee_points: int = 0
    funder: Funder = Funder.PARTNER


Definition = (
    TierScheme
    | TierBenefits
    | Exclusions
    | Stacking
    | Campaign
    | Cap
    | WelcomeBonus
    | EventRule
    | FraudThresholds
)

KIND_OF: dict[type, RuleKind] = {
    TierScheme: RuleKind.TIERS,
    TierBenefits: RuleKind.TIER_BENEFITS,
    Exclusions: RuleKind.EXCLUSIONS,
    Stacking: RuleKind.STACKING,
    Campaign: RuleKind.CAMPAIGN,
    Cap: RuleKind.CAP,
    WelcomeBonus: RuleKind.WELCOME,
    EventRule: RuleKind.EVENT,
    FraudThresholds: RuleKind.FRAUD,
}
DEFINITION_OF: dict[RuleKind, type] = {kind: cls for cls, kind in KIND_OF.items()}

TIERS_RULE_ID = "tiers"
PARTNER_SINGLETONS = (RuleKind.TIER_BENEFITS, RuleKind.EXCLUSIONS, RuleKind.STACKING)


def singleton_rule_id(kind: RuleKind, partner_id: str) -> str:
    """The one rule id a partner's tier benefits, exclusions or stacking policy live under."""
    return f"{kind.value}:{partner_id}"


def partner_of(definition: Definition) -> str | None:
    return getattr(definition, "partner_id", None)


@dataclass(frozen=True, slots=True)
class RuleVersion:
    rule_id: str
    version: int
    """1 for the first; each change adds one."""
    kind: RuleKind
    effective_from: datetime
    definition: Definition | None
    """``None``: the rule ends at ``effective_from``."""
    created_at: datetime
    created_by: str

    @property
    def partner_id(self) -> str | None:
        return partner_of(self.definition) if self.definition is not None else None

    @property
    def ended(self) -> bool:
        return self.definition is None


def _order(version: RuleVersion) -> tuple[datetime, int]:
    return version.effective_from, version.version


@dataclass(frozen=True, slots=True)
class Ruleset:
    """The rule versions in force at one instant, one per rule id (ended rules left out)."""

    at: datetime
    versions: tuple[RuleVersion, ...] = ()

    @classmethod
    def in_force(cls, versions: Iterable[RuleVersion], at: datetime) -> Ruleset:
        # Like rates: the version with the latest effective_from wins, so a change added later
        # but taking effect earlier does not hide one already scheduled after it.
        latest: dict[str, RuleVersion] = {}
        for version in versions:
            if version.effective_from > at:
                continue
            current = latest.get(version.rule_id)
            if current is None or _order(version) > _order(current):
                latest[version.rule_id] = version
        live = sorted(
            (v for v in latest.values() if not v.ended), key=lambda v: (v.kind.value, v.rule_id)
        )
        return cls(at, tuple(live))

    def _of(self, kind: RuleKind) -> list[RuleVersion]:
        return [version for version in self.versions if version.kind is kind]

    def _for_partner(self, kind: RuleKind, partner_id: str) -> RuleVersion | None:
        rule_id = singleton_rule_id(kind, partner_id)
        return next((v for v in self.versions if v.rule_id == rule_id), None)

    @property
    def tier_scheme(self) -> TierScheme | None:
        found = self._of(RuleKind.TIERS)
        return found[0].definition if found else None  # type: ignore[return-value]

    def tier_benefits(self, partner_id: str) -> TierBenefits | None:
        found = self._for_partner(RuleKind.TIER_BENEFITS, partner_id)
        return found.definition if found else None  # type: ignore[return-value]

    def exclusions(self, partner_id: str) -> Exclusions | None:
        found = self._for_partner(RuleKind.EXCLUSIONS, partner_id)
        return found.definition if found else None  # type: ignore[return-value]

    def stacking(self, partner_id: str) -> Stacking | None:
        found = self._for_partner(RuleKind.STACKING, partner_id)
        return found.definition if found else None  # type: ignore[return-value]

    def fraud_thresholds(self, partner_id: str) -> FraudThresholds:
        """The partner's fraud thresholds, else the coalition's, else the defaults."""
        found = self._for_partner(RuleKind.FRAUD, partner_id)
        if found is None:
            found = next((v for v in self._of(RuleKind.FRAUD) if v.partner_id is None), None)
        return found.definition if found else DEFAULT_THRESHOLDS  # type: ignore[return-value]

    def campaigns(self, partner_id: str) -> tuple[tuple[str, Campaign], ...]:
        """(rule id, campaign) of campaigns at ``partner_id`` or at every partner, by rule id;
        their own windows are not checked here."""
        return tuple(
            (v.rule_id, v.definition)  # type: ignore[misc]
            for v in self._of(RuleKind.CAMPAIGN)
            if v.partner_id in (None, partner_id)
        )

    def caps(self, partner_id: str) -> tuple[tuple[str, Cap], ...]:
        return tuple(
            (v.rule_id, v.definition)  # type: ignore[misc]
            for v in self._of(RuleKind.CAP)
            if v.partner_id in (None, partner_id)
        )

    def welcome_bonuses(self, partner_id: str) -> tuple[tuple[str, WelcomeBonus], ...]:
        return tuple(
            (v.rule_id, v.definition)  # type: ignore[misc]
            for v in self._of(RuleKind.WELCOME)
            if v.partner_id in (None, partner_id)
        )

    def event_rule(self, partner_id: str, event: EventKind) -> tuple[str, EventRule] | None:
        for version in self._of(RuleKind.EVENT):
            definition = version.definition
            if (
                isinstance(definition, EventRule)
                and definition.partner_id == partner_id
                and definition.event is event
            ):
                return version.rule_id, definition
        return None

    @property
    def empty(self) -> bool:
        return not self.versions


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the rules need to know about a member, gathered by one read when a rule needs it.

    Periods are in the coalition's time zone; "earned" counts points credited by purchase earns
    (bonuses and events excluded), gross of refunds, which is what caps limit.
    """

    tier: str | None = None
    """The member's stored tier; ``None`` is the scheme's base tier."""
    qualifying_points: int = 0
    """Over the rolling 12 months before now, net of refunds."""
    qualifying_spend_minor: int = 0
    """Likewise, in the tier scheme's spend currency."""
    earned_today_points: int = 0
    earned_month_points: int = 0
    earned_today_at_partner_points: int = 0
    earned_month_at_partner_points: int = 0
    earns_at_partner: int = 0
    """Earns the member ever made at this partner: 0 means this is the first purchase."""
    birth_date: date | None = None


NO_FACTS = MemberFacts()


@dataclass(frozen=True, slots=True)
class TierProgress:
    """Where a member stands in the tier scheme, as the balance shows it."""

    tier: str
    next_tier: str
    """Empty at the top tier."""
    metric: TierMetric
    qualifying: int
    """Points, or minor units of ``spend_currency``, over the rolling 12 months."""
    to_next_tier: int
    """What the member still needs for ``next_tier`` (0 at the top)."""
    spend_currency: str = ""


@dataclass(frozen=True, slots=True)
class FactWindows:
    """The instants ``MemberFacts`` are counted from, for one earn."""

    qualifying_since: datetime
    """12 months before now (same wall-clock time in the coalition's zone)."""
    day_start: datetime
    month_start: datetime
    spend_currency: str = ""
