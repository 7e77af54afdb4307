"""Validation of rule definitions and rule changes, with errors that name the field at fault."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.domain.rules import Definition, RuleVersion


def check_definition(definition: Definition) -> Definition:
    """``definition`` if each of its fields is valid on its own, else ``InvalidRule`` naming the
    field (e.g. ``campaign.multiplier``)."""
    raise NotImplementedError


def rule_id_for(rule_id: str, definition: Definition) -> str:
    """The id the version is stored under: derived for tiers and per-partner singletons (a given
    id must then equal it), validated for the rest; ``InvalidRule`` on ``rule_id``."""
    raise NotImplementedError


def check_change(
    rule_id: str,
    definition: Definition | None,
    effective_from: datetime,
    now: datetime,
    history: Sequence[RuleVersion],
    others: Sequence[RuleVersion],
) -> None:
    """Whether a new version (``definition`` ``None``: the end) may be added to ``history``.

    ``others`` are every other rule's versions, for checks across rules (overlapping exclusive
    campaigns; tier benefits and campaigns naming tiers the scheme lacks).
    """
    raise NotImplementedError
