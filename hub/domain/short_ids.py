"""Short ids: staff may type a prefix of a flag's, member's or hold's id instead of all of it.

A prefix is at least ``SHORT_ID_LENGTH_MIN`` hex digits (dashes anywhere are ignored); it
names the ids in one range, [prefix 000..., prefix fff...], which one index range scan reads.
Ids are UUIDv7, time-ordered: their first 8 digits are the minute they were made in, so ids
of one burst share them. Tables therefore show ``short_form``: the first 8 digits, ``..``, and
the last 4 (random) ones, ``0193a5b2..3f9a``, which names one id in practice and is typed back
as it is. A short id that several ids match is refused (``AmbiguousId``), never guessed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import MalformedId

SHORT_ID_LENGTH_MIN = 8
"""Hex digits a prefix needs: fewer name too many ids to be worth a lookup."""
SUFFIX_LENGTH = 4
"""Random hex digits a short form ends with."""
_HEX_DIGITS = 32
_HEX = re.compile(r"[0-9a-f]+")
_ELISION = re.compile(r"\.\.|…")


class IdKind(StrEnum):
    """What a short id names; the value is the field's noun."""

    FLAG = "flag"
    MEMBER = "member"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class IdPrefix:
    """The first hex digits of an id, and the range of ids that start with them."""

    digits: str
    suffix: str = ""
    """The id's last hex digits, when the short form gave them."""

    def matches(self, found: uuid.UUID) -> bool:
        return found.hex.startswith(self.digits) and found.hex.endswith(self.suffix)

    @property
    def low(self) -> uuid.UUID:
        return uuid.UUID(self.digits.ljust(_HEX_DIGITS, "0"))

    @property
    def high(self) -> uuid.UUID:
        return uuid.UUID(self.digits.ljust(_HEX_DIGITS, "f"))


def parse_id_or_prefix(text: str, *, field: str) -> uuid.UUID | IdPrefix:
    """A whole id, or a prefix of at least ``SHORT_ID_LENGTH_MIN`` hex digits; else
    ``MalformedId`` naming ``field``."""
    digits, elided, suffix = (
        _ELISION.sub("..", text.strip().lower()).replace("-", "").partition("..")
    )
    if elided and not suffix:
        digits = ""  # "0193a5b2.." lost its end: refused below, never read as a prefix
    if not elided and len(digits) == _HEX_DIGITS and _HEX.fullmatch(digits):
        return uuid.UUID(digits)
    if (
        SHORT_ID_LENGTH_MIN <= len(digits) < _HEX_DIGITS
        and _HEX.fullmatch(digits)
        and (not suffix or (_HEX.fullmatch(suffix) and len(digits) + len(suffix) < _HEX_DIGITS))
    ):
        return IdPrefix(digits, suffix)
    raise MalformedId(
        f"{field} must be a UUID, at least {SHORT_ID_LENGTH_MIN} of its first hex digits, or "
        f"a short form like 0193a5b2..3f9a; got {text[:40]!r}",
        field=field,
    )


def short_form(full: uuid.UUID) -> str:
    """How a table shows an id: its first 8 hex digits (the minute), ``..``, its last 4."""
    return f"{full.hex[:SHORT_ID_LENGTH_MIN]}..{full.hex[-SUFFIX_LENGTH:]}"
