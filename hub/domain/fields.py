"""Validation of free-text fields from callers."""

from __future__ import annotations

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
