"""Rules as operators read them: one line per definition for tables, every field for ``show``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub.domain.rules import (
    Campaign,
    Cap,
    Definition,
    EventRule,
    Exclusions,
    Stacking,
    StackingMode,
    TierBenefits,
    TierScheme,
    WelcomeBonus,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def instant(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%SZ")


def clock_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _pairs(values: dict[str, Decimal], sign: str) -> str:
    return ", ".join(f"{key} {sign}{value}" for key, value in values.items())


def _tiers(d: TierScheme) -> str:
    ladder = " < ".join(f"{tier.name} {tier.threshold}" for tier in d.tiers)
    metric = f"spend in {d.spend_currency}" if d.spend_currency else d.metric.value
    return f"{ladder} ({metric}, reviewed each {d.review.value})"


def _benefits(d: TierBenefits) -> str:
    parts = [
        f"multipliers {_pairs(d.multipliers, '×')}" if d.multipliers else "",
        f"burn values {_pairs(d.burn_values, '')}" if d.burn_values else "",
    ]
    return "; ".join(part for part in parts if part) or "nothing extra"


def _exclusions(d: Exclusions) -> str:
    parts = [
        f"no earn on {', '.join(d.earn_categories)}" if d.earn_categories else "",
        "" if d.discounted_earn else "discounted lines earn nothing",
        f"no burn on {', '.join(d.burn_categories)}" if d.burn_categories else "",
    ]
    return "; ".join(part for part in parts if part) or "nothing excluded"


def _stacking(d: Stacking) -> str:
    if d.mode is StackingMode.STACK:
        return f"campaigns stack up to ×{d.max_multiplier}"
    return "only the best campaign counts"


def _campaign(d: Campaign) -> str:
    bonus = f"×{d.multiplier}" if d.multiplier is not None else f"+{d.bonus_points} points"
    where = f"at {d.partner_id}" if d.partner_id else "everywhere"
    until = f" until {instant(d.ends_at)}" if d.ends_at else ""
    budget = f", budget {d.budget_points}" if d.budget_points is not None else ""
    return f"{d.label}: {bonus} {where} from {instant(d.starts_at)}{until}{budget}"


def _cap(d: Cap) -> str:
    where = f"at {d.partner_id}" if d.partner_id else "across partners"
    return f"at most {d.limit_points} points per {d.period.value} {where}"


def _welcome(d: WelcomeBonus) -> str:
    where = f"enrolled at {d.partner_id}" if d.partner_id else "enrolled anywhere"
    return f"{d.points} points to members {where}, funded by the {d.funder.value}"


def _event(d: EventRule) -> str:
    referee = f", {d.referee_points} to the referee" if d.referee_points else ""
    return f"{d.event.value}: {d.points} points{referee}, at most {d.max_per_member} per member"


def threshold_text(t: Threshold) -> str:
    """``review at 20, deny at 60``; ``off`` when it never fires."""
    parts = [
        f"review at {t.review_at}" if t.review_at is not None else "",
        f"deny at {t.deny_at}" if t.deny_at is not None else "",
    ]
    return ", ".join(part for part in parts if part) or "off"


def _fraud(d: FraudThresholds) -> str:
    changed = [
        f"{f.name.replace('_', ' ')} {_value(f.name, getattr(d, f.name))}"
        for f in dataclasses.fields(d)
        if f.name != "partner_id" and getattr(d, f.name) != getattr(DEFAULT_THRESHOLDS, f.name)
    ]
    return f"defaults except {'; '.join(changed)}" if changed else "the default thresholds"


_SUMMARIES: dict[type, Callable[[Any], str]] = {
    TierScheme: _tiers,
    TierBenefits: _benefits,
    Exclusions: _exclusions,
    Stacking: _stacking,
    Campaign: _campaign,
    Cap: _cap,
    WelcomeBonus: _welcome,
    EventRule: _event,
    FraudThresholds: _fraud,
}


def summary(definition: Definition | None) -> str:
    """One line; an ending version reads ``ended``."""
    return "ended" if definition is None else _SUMMARIES[type(definition)](definition)


def _value(name: str, value: object) -> str:
    if value is None or value == () or value == {}:
        return "-"
    if name == "weekdays":
        return ", ".join(WEEKDAYS[day] for day in value)  # type: ignore[attr-defined]
    if name in ("day_start_min", "day_end_min"):
        return clock_time(value)  # type: ignore[arg-type]
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Threshold):
        return threshold_text(value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, tuple):
        return ", ".join(_value("", item) for item in value)
    if dataclasses.is_dataclass(value):
        return " ".join(str(getattr(value, f.name)) for f in dataclasses.fields(value))
    return str(value)


def details(definition: Definition) -> list[str]:
    """``name: value`` for every field of the definition."""
    return [
        f"{field.name.replace('_', ' ')}: {_value(field.name, getattr(definition, field.name))}"
        for field in dataclasses.fields(definition)
    ]
