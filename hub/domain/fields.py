"""Validation of free-text fields from callers."""

from __future__ import annotations

import unicodedata

from hub.domain.errors import InvalidField
from hub.domain.limits import TEXT_FIELD_LENGTH_MAX


def bounded_text(
    value: str, *, field: str, required: bool = False, length_max: int = TEXT_FIELD_LENGTH_MAX
) -> str:
    """``value`` if it is printable and short enough (and present when ``required``)."""
    if required and not value:
        raise InvalidField(f"{field} is required", field=field)
    if len(value) > length_max:
        raise InvalidField(f"{field} is longer than {length_max} characters", field=field)
    if not value.isprintable():
        raise InvalidField(f"{field} contains control characters", field=field)
    return value


def storable_text(value: str, *, field: str) -> str:
    """``value`` if a database text column can hold it: PostgreSQL refuses NUL characters, and
    a caller's text that reached it would fail as a bug instead of as bad input."""
    if "\x00" in value:
        raise InvalidField(f"{field} cannot contain NUL characters", field=field)
    return value


def ascii_digits(text: str) -> str:
    """``text`` under NFKC with every decimal digit, of any script, as its ASCII digit.

    NFKC alone folds full-width digits ("４０００") but not Arabic-Indic or Devanagari ones,
    which are digits of their own; a card typed in any of them is the same card.
    """
    if text.isascii():  # NFKC leaves ASCII as it is: the till's usual case costs nothing
        return text
    return "".join(_ascii_digit(char) for char in unicodedata.normalize("NFKC", text))


def _ascii_digit(char: str) -> str:
    digit = unicodedata.decimal(char, None)
    return char if digit is None else str(digit)
