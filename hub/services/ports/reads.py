"""How reads sent together name what they read before its id is known, and ``Later``, a
read already sent whose answer is asked for later."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

T = TypeVar("T")
Later: TypeAlias = Callable[[], T]
"""A read already sent to the database: calling it waits for the answer. Every read sent
before the first answer is asked for travels in one round trip."""


@dataclass(frozen=True, slots=True)
class EarnKey:
    """An earn a refund names, by its transaction id or by the partner's order id (exactly
    one), with the partner that made it: the reads a refund sends together name the earn, its
    lot and its member (as a ``MemberKey``) this way, and the database finds them."""

    partner_id: str
    transaction_id: uuid.UUID | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class HoldKey:
    """A hold named by its id or by the partner's order id (the order's open hold, else its
    latest), with the partner that placed it; used like ``EarnKey``."""

    partner_id: str
    hold_id: uuid.UUID | None = None
    order_id: str | None = None


MemberKey: TypeAlias = uuid.UUID | tuple[bytes, ...] | EarnKey | HoldKey
"""A member by id, by the digests of one identifier (one per identifier key, current first), or
as the member of an earn or a hold: reads sent together name the member this way before anyone
knows its id."""
