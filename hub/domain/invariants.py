"""Checks of what must hold, kept under ``python -O`` (unlike ``assert``)."""

from __future__ import annotations


class InvariantViolation(AssertionError):
    """A bug: the hub computed something that breaks one of its own rules."""


def require(condition: bool, message: str) -> None:
    """Raise ``InvariantViolation`` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise InvariantViolation(message)
