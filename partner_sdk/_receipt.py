"""A breakdown as lines a till prints: ``Breakdown.receipt_lines()``.

Rows put a label on the left and points on the right; the rows' points add up to the total
(lines before caps, then each cap's cut), so the receipt explains every point. Words the hub
may add later (a new note, reason or period) are printed as the hub sends them.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Final

from partner_sdk.models import Breakdown, BreakdownLine, CapCut, ExcludedItem, LineKind

# Room for the largest points a row can show (20 characters with its sign), a space and a
# few characters of label.
RECEIPT_WIDTH_MIN: Final = 24
_INDENT: Final = "  "
_NOTES: Final = {
    "budget": "reduced: campaign budget reached",
    "stacking": "reduced: stacking limit reached",
}
_REASONS: Final = {"category": "excluded category", "discounted": "discounted item"}
_PERIODS: Final = {"transaction": "per purchase", "day": "per day", "month": "per month"}


def receipt_lines(breakdown: Breakdown, *, width: int) -> list[str]:
    """``breakdown`` as printable lines, none longer than ``width``."""
    if width < RECEIPT_WIDTH_MIN:
        raise ValueError(f"a receipt is at least {RECEIPT_WIDTH_MIN} characters wide, not {width}")
    lines: list[str] = []
    for line in breakdown.lines:
        lines += _line_rows(line, breakdown.tier, width)
    for item in breakdown.excluded:
        lines += _wrapped(f"No points: {_item_name(item)}, {_exclusion(item)}", width)
    lines += [_row(_cap_label(cap), f"-{cap.cut_points}", width) for cap in breakdown.caps]
    lines.append(_row("Total points", str(breakdown.points), width))
    if breakdown.tier_after:
        lines += _wrapped(_upgrade(breakdown.tier, breakdown.tier_after), width)
    return lines


def _line_rows(line: BreakdownLine, tier: str, width: int) -> list[str]:
    if line.kind is LineKind.BASE:
        return [_row("Base points", str(line.points), width)]
    label = line.label or _default_label(line, tier)
    if line.multiplier is not None:
        label = f"{label} x{_plain(line.multiplier)}"
    rows = [_row(label, f"+{line.points}", width)]
    if line.note:
        rows += _wrapped(_NOTES.get(line.note, line.note), width, indent=_INDENT)
    return rows


def _default_label(line: BreakdownLine, tier: str) -> str:
    if line.kind is LineKind.TIER:
        return f"{tier} tier bonus" if tier else "Tier bonus"
    return line.rule_id or "Bonus"


def _item_name(item: ExcludedItem) -> str:
    return item.sku or f"item {item.index + 1}"


def _exclusion(item: ExcludedItem) -> str:
    if item.reason == "category" and item.category:
        return f"category {item.category}"
    return _REASONS.get(item.reason, item.reason)


def _cap_label(cap: CapCut) -> str:
    per = _PERIODS.get(cap.period, f"per {cap.period}")
    return f"Cap of {cap.limit_points} pts {per}"


def _upgrade(tier: str, tier_after: str) -> str:
    was = f" (was {tier})" if tier else ""
    return f"New tier: {tier_after}{was}, from your next purchase"


def _plain(multiplier: Decimal) -> str:
    # "1.5" for 1.50 and "10" for 1E+1: never an exponent on a receipt.
    return format(multiplier.normalize(), "f")


def _row(label: str, points: str, width: int) -> str:
    room = width - len(points) - 1
    return f"{label[:room]:<{room}} {points}"


def _wrapped(text: str, width: int, *, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=_INDENT) or [""]
