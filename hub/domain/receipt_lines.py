"""What each receipt line earned, and what returning lines gives back.

An earn's points are worked out per rule (base, tier, campaigns, then caps), not per line. Each
rule's posted points are shared over the lines it applies to in proportion to their amounts,
which gives every line an exact (fractional) share; whole points are then allocated by largest
remainder, so the lines add up exactly and the same receipt always gets the same allocation.
Transaction-level bonuses (fixed bonuses, first-purchase campaigns) belong to no line: they go
back only with the whole receipt.

Refunds are cumulative. The state of an earn's refunds is the share of each line returned so
far (``Fraction`` in 0..1); the points reversed so far are a function of that state
(``reversed_points``), and each refund reverses the difference between the state after it and
the state before. That makes the order and the split of refunds irrelevant: returning every
line, in any order and any parts, reverses exactly the earn's points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from hub.domain.breakdown import ItemPoints
from hub.domain.errors import InvalidAmount, InvalidField, RefundExceedsOriginal, TooManyLineItems
from hub.domain.fields import bounded_text
from hub.domain.invariants import require
from hub.domain.limits import LINE_ITEM_QUANTITY_MAX, LINE_ITEMS_MAX

Shares = Mapping[int, Fraction]
"""Line index -> the share of the line returned (0..1)."""

_NONE = Fraction(0)
_WHOLE = Fraction(1)


def allocate(exact: Sequence[Fraction]) -> tuple[int, ...]:
    """Whole numbers adding up to ``sum(exact)`` (an integer), each the floor or the ceiling of
    its exact value: the largest remainders get the units left, ties to the lowest index."""
    floors = [math.floor(value) for value in exact]
    left = sum(exact) - sum(floors)
    require(left.denominator == 1, "allocated values do not add up to a whole number")
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[: int(left)]:
        floors[i] += 1
    return tuple(floors)


def shares_of(points: int, weights: Mapping[int, int]) -> dict[int, Fraction]:
    """``points`` shared over the lines of ``weights`` (index -> amount) by amount."""
    total = sum(weights.values())
    return {index: Fraction(points * weight, total) for index, weight in weights.items()}


def exact_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def exact_value(text: str) -> Fraction:
    return Fraction(text)


# --- Refunds --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    """A returned line as the till names it: by ``index`` or ``sku``, with ``quantity`` or
    ``amount_minor`` (exactly one of each; the request's validation says so)."""

    position: int
    """Its place in the request, which errors name (``lines[2]``)."""
    index: int | None = None
    sku: str | None = None
    quantity: int | None = None
    amount_minor: int | None = None


def check_returned_lines(lines: Sequence[ReturnedLine]) -> tuple[ReturnedLine, ...]:
    """``lines`` if each names one line (by index or sku) and one size (quantity or amount)
    within range; errors name the field (``lines[1].quantity``)."""
    if len(lines) > LINE_ITEMS_MAX:
        raise TooManyLineItems(
            f"at most {LINE_ITEMS_MAX} returned lines; got {len(lines)}", field="lines"
        )
    for line in lines:
        _check_line(line)
    return tuple(lines)


def _check_line(line: ReturnedLine) -> None:
    prefix = _field(line.position)
    if (line.index is None) == (line.sku is None):
        raise InvalidField(f"{prefix} names its line by index or by sku", field=f"{prefix}.index")
    if line.index is not None and not 0 <= line.index < LINE_ITEMS_MAX:
        raise InvalidField(
            f"{prefix}.index must be 0..{LINE_ITEMS_MAX - 1}", field=f"{prefix}.index"
        )
    if line.sku is not None:
        bounded_text(line.sku, field=f"{prefix}.sku", required=True)
    if (line.quantity is None) == (line.amount_minor is None):
        raise InvalidField(f"{prefix} returns a quantity or an amount", field=f"{prefix}.quantity")
    if line.quantity is not None and not 1 <= line.quantity <= LINE_ITEM_QUANTITY_MAX:
        raise InvalidField(
            f"{prefix}.quantity must be 1..{LINE_ITEM_QUANTITY_MAX}", field=f"{prefix}.quantity"
        )
    if line.amount_minor is not None and line.amount_minor < 1:
        raise InvalidAmount(
            f"{prefix}.amount_minor must be positive", field=f"{prefix}.amount_minor"
        )


def _field(position: int) -> str:
    return f"lines[{position}]"


def _matching(items: Sequence[ItemPoints], line: ReturnedLine) -> list[ItemPoints]:
    if line.index is not None:
        return [item for item in items if item.index == line.index]
    return [item for item in items if item.sku == line.sku]


def _named(line: ReturnedLine) -> str:
    return f"line {line.index}" if line.index is not None else f"sku {line.sku!r}"


def returned_shares(
    items: Sequence[ItemPoints], lines: Sequence[ReturnedLine], before: Shares
) -> dict[int, Fraction]:
    """The share of each line this refund returns, or ``RefundExceedsOriginal`` naming the
    first line not on the original or beyond what was bought. A sku on several lines is
    charged against them in receipt order."""
    returned: dict[int, Fraction] = {}
    for line in lines:
        matching = _matching(items, line)
        if not matching:
            raise RefundExceedsOriginal(
                f"{_named(line)} is not on the original receipt", field=_field(line.position)
            )
        wanted = Fraction(line.quantity if line.quantity is not None else line.amount_minor or 0)
        for item in matching:
            free = _WHOLE - before.get(item.index, _NONE) - returned.get(item.index, _NONE)
            taken = min(free, wanted / _size(line, item))
            if taken > 0:
                returned[item.index] = returned.get(item.index, _NONE) + taken
                wanted -= taken * _size(line, item)
        if wanted > 0:
            raise RefundExceedsOriginal(
                f"{_named(line)}: more than was bought, or than is left to refund",
                field=_field(line.position),
            )
    return returned


def _size(line: ReturnedLine, item: ItemPoints) -> int:
    return item.quantity if line.quantity is not None else item.amount_minor


def amount_shares(
    items: Sequence[ItemPoints], amount_minor: int, before: Shares
) -> dict[int, Fraction]:
    """An amount refunded without lines, charged against the lines that earned most per unit
    of money first (the eligible ones before the excluded ones: the books' favour)."""
    order = sorted(items, key=lambda item: (-_rate(item), item.index))
    returned: dict[int, Fraction] = {}
    wanted = Fraction(amount_minor)
    for item in order:
        free_minor = (_WHOLE - before.get(item.index, _NONE)) * item.amount_minor
        taken_minor = min(free_minor, wanted)
        if taken_minor > 0:
            returned[item.index] = taken_minor / item.amount_minor
            wanted -= taken_minor
    if wanted > 0:
        raise RefundExceedsOriginal(
            f"refunds would exceed the purchase by {math.ceil(wanted)} minor units",
            field="amount.amount_minor",
        )
    return returned


def _rate(item: ItemPoints) -> Fraction:
    return exact_value(item.exact_points) / item.amount_minor


def whole_receipt_shares(items: Sequence[ItemPoints], before: Shares) -> dict[int, Fraction]:
    """What is left of every line, or ``RefundExceedsOriginal`` if nothing is."""
    returned = {
        item.index: _WHOLE - before.get(item.index, _NONE)
        for item in items
        if before.get(item.index, _NONE) < _WHOLE
    }
    if not returned:
        raise RefundExceedsOriginal(
            "the receipt was refunded in full already", field="whole_receipt"
        )
    return returned


def added(before: Shares, returned: Shares) -> dict[int, Fraction]:
    """The cumulative state after ``returned``."""
    after = dict(before)
    for index, share in returned.items():
        after[index] = after.get(index, _NONE) + share
    return after


def fully_returned(items: Iterable[ItemPoints], state: Shares) -> bool:
    return all(state.get(item.index, _NONE) >= _WHOLE for item in items)


def reversed_points(items: Sequence[ItemPoints], earn_points: int, state: Shares) -> int:
    """Points reversed once ``state`` is returned: every point of the earn when every line is
    back (the transaction-level bonuses go with the whole receipt); else the larger of the
    lines' own points (rounded up) and the exact share rounded up.

    Why the larger: whole points per line are rounded, so a member returning exactly the lines
    that were rounded down would keep the fractions; charging at least the exact share of what
    was returned means no order or split of refunds leaves the member ahead of the books.
    """
    if fully_returned(items, state):
        return earn_points
    by_lines = sum(math.ceil(item.points * state.get(item.index, _NONE)) for item in items)
    exact = sum(exact_value(item.exact_points) * state.get(item.index, _NONE) for item in items)
    return max(by_lines, math.ceil(exact))


def refunded_minor(items: Sequence[ItemPoints], purchase_minor: int, state: Shares) -> int:
    """Money refunded once ``state`` is returned: the whole purchase when every line is back,
    else the returned shares of the lines' amounts, rounded down."""
    if fully_returned(items, state):
        return purchase_minor
    return math.floor(sum(item.amount_minor * state.get(item.index, _NONE) for item in items))
