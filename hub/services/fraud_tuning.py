"""Previewing fraud thresholds: how many flags and declines a proposed setting would have
raised at a partner over the last days, against the thresholds in force, before it is saved.

One read-only unit of work reads the partner, the rules in force and the partner's past
operations with their context (``FraudRepository.past_operations``: set-based, capped);
``fraud.replay`` judges them under both settings in pure Python; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from fraud.replay import HOW, NOT_REPLAYED, PREVIEWED, PastOperations, Replay, replay
from fraud.thresholds import FraudThresholds, Threshold
from fraud.verdicts import RuleCode
from hub.domain.clock import Clock
from hub.domain.errors import InvalidRule, PreviewOutOfRange, UnknownFraudSetting
from hub.domain.rule_checks import check_definition
from hub.domain.rules import Ruleset
from hub.services.ports.unit_of_work import UnitOfWorkFactory

PREVIEW_DAYS_MAX = 30
"""The longest period a preview replays."""
PREVIEW_OPERATIONS_MAX = 20_000
"""The partner's newest operations a preview judges; older ones in the period are left out
(the answer says so)."""
CONTEXT_ROWS_MAX = 200_000
"""Rows a preview reads with their context (the members' operations elsewhere, the tills'
earns before the period)."""
CONTEXT_WINDOW_MAX_S = 7 * 86_400
"""How far before the period a preview reads context: a window longer than this counts only
what falls in it."""
NEVER = "never"
SIDES = ("review_at", "deny_at")
_NUMBERS = frozenset(
    f.name for f in fields(FraudThresholds) if f.name != "partner_id" and f.type in ("int", int)
)
_THRESHOLDS = frozenset(
    f.name for f in fields(FraudThresholds) if f.type in ("Threshold", Threshold)
)
SETTINGS = tuple(sorted(_NUMBERS)) + tuple(
    f"{name}.{side}" for name in sorted(_THRESHOLDS) for side in SIDES
)
"""Every setting name a preview accepts."""


@dataclass(frozen=True)
class PreviewThresholds:
    """Replay ``partner_id``'s last ``days`` days under ``proposed`` (``None``: the thresholds
    in force) with ``settings`` (name, value) applied on top."""

    partner_id: str
    days: int
    proposed: FraudThresholds | None = None
    settings: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class RulePreview:
    """One rule's counts under the thresholds in force and the proposed ones."""

    rule: RuleCode
    replayed: bool
    current_flags: int
    current_declines: int
    proposed_flags: int
    proposed_declines: int
    raised_flags: int
    """Flags the hub actually recorded for the rule in the period."""
    note: str


@dataclass(frozen=True)
class ThresholdsPreview:
    partner_id: str
    days: int
    since: datetime
    operations_examined: int
    operations_max: int
    truncated: bool
    current: FraudThresholds
    proposed: FraudThresholds
    rules: tuple[RulePreview, ...]
    current_flagged_operations: int
    proposed_flagged_operations: int
    current_declined_operations: int
    proposed_declined_operations: int


def preview_thresholds(
    cmd: PreviewThresholds, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> ThresholdsPreview:
    """What ``cmd``'s thresholds would have flagged over its days, rule by rule, against the
    thresholds in force; refused before any read when its days or settings are out of range."""
    days = _checked_days(cmd.days)
    now = clock.now()
    since = now - timedelta(days=days)
    with uow_factory(read_only=True) as uow:
        uow.partners.get(cmd.partner_id)  # PartnerNotFound
        current = Ruleset.in_force(uow.rules.versions(), now).fraud_thresholds(cmd.partner_id)
        proposed = proposal(cmd, current)
        read = uow.fraud.past_operations(
            cmd.partner_id,
            since=since,
            read_since=since - timedelta(seconds=_context_s(current, proposed)),
            until=now,
            operations_max=PREVIEW_OPERATIONS_MAX,
            rows_max=CONTEXT_ROWS_MAX,
        )
        raised = uow.fraud.raised_flags(cmd.partner_id, since)
    return _preview(cmd.partner_id, days, since, read, raised, current, proposed)


def _checked_days(days: int) -> int:
    if not 1 <= days <= PREVIEW_DAYS_MAX:
        raise PreviewOutOfRange(f"days must be 1 to {PREVIEW_DAYS_MAX}; got {days}", field="days")
    return days


def proposal(cmd: PreviewThresholds, current: FraudThresholds) -> FraudThresholds:
    """The thresholds to preview: the proposal (else those in force) for the partner, with
    the settings applied; ``InvalidRule`` if they could not be saved either."""
    proposed = replace(cmd.proposed or current, partner_id=cmd.partner_id)
    for index, (name, value) in enumerate(cmd.settings):
        proposed = apply_setting(proposed, name, value, field=f"settings[{index}]")
    check_definition(proposed)
    return proposed


def apply_setting(t: FraudThresholds, name: str, value: str, *, field: str) -> FraudThresholds:
    """``t`` with one setting by name (``till_window_s``, ``terminal_cards.review_at``)."""
    changes: dict[str, Any]
    if name in _NUMBERS:
        changes = {name: _number(value, f"fraud.{name}", allow_never=False)}
        return replace(t, **changes)
    base, _, side = name.partition(".")
    if base not in _THRESHOLDS or side not in SIDES:
        raise UnknownFraudSetting(
            f"no fraud setting {name!r}; the settings are: {', '.join(SETTINGS)}",
            field=f"{field}.name",
        )
    number = _number(value, f"fraud.{name}", allow_never=True)
    threshold: Threshold = getattr(t, base)
    changes = {base: replace(threshold, **{side: number})}
    return replace(t, **changes)


def _number(value: str, field: str, *, allow_never: bool) -> int | None:
    text = value.strip().lower()
    if allow_never and text in (NEVER, "0"):
        return None
    if not text.isdigit():
        never = f' or "{NEVER}"' if allow_never else ""
        raise InvalidRule(f"{field} must be a whole number{never}; got {value!r}", field=field)
    return int(text)


def _context_s(*settings: FraudThresholds) -> int:
    """The longest window before an operation any rule of ``settings`` looks into."""
    longest = max(
        max(t.velocity_window_s, t.earn_then_burn_window_s, t.till_window_s) for t in settings
    )
    longest = max([longest, *(t.cashier_card_window_s for t in settings)])
    return min(longest, CONTEXT_WINDOW_MAX_S)


def _preview(
    partner_id: str,
    days: int,
    since: datetime,
    read: PastOperations,
    raised: dict[str, int],
    current: FraudThresholds,
    proposed: FraudThresholds,
) -> ThresholdsPreview:
    before, after = replay(read.operations, current), replay(read.operations, proposed)
    return ThresholdsPreview(
        partner_id=partner_id,
        days=days,
        since=since,
        operations_examined=read.examined,
        operations_max=PREVIEW_OPERATIONS_MAX,
        truncated=read.truncated,
        current=current,
        proposed=proposed,
        rules=tuple(_rule(code, before, after, raised.get(code.value, 0)) for code in PREVIEWED),
        current_flagged_operations=before.flagged_operations,
        proposed_flagged_operations=after.flagged_operations,
        current_declined_operations=before.declined_operations,
        proposed_declined_operations=after.declined_operations,
    )


def _rule(code: RuleCode, before: Replay, after: Replay, raised: int) -> RulePreview:
    now, then = before.rules[code], after.rules[code]
    return RulePreview(
        rule=code,
        replayed=code not in NOT_REPLAYED,
        current_flags=now.flags,
        current_declines=now.declines,
        proposed_flags=then.flags,
        proposed_declines=then.declines,
        raised_flags=raised,
        note=NOT_REPLAYED.get(code) or HOW.get(code, ""),
    )
