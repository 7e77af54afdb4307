"""The port of earning rules: their versions, generation and campaign budgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.domain.rules import RuleVersion


class RuleRepository(Protocol):
    def generation(self) -> int:
        """The rules' change counter; every ``add`` raises it."""
        ...

    def versions(self) -> Sequence[RuleVersion]:
        """Every version of every rule, by rule id and version."""
        ...

    def history(self, rule_id: str) -> Sequence[RuleVersion]:
        """The rule's versions, oldest first; empty when there is no such rule."""
        ...

    def add(self, version: RuleVersion) -> None:
        """Record a new version and raise the generation; written at commit."""
        ...

    def budget_spent(self, rule_ids: Sequence[str], *, lock: bool) -> dict[str, int]:
        """Bonus points each campaign gave so far (0 if none); ``lock`` locks their rows, so
        concurrent earns charge each budget one after the other."""
        ...

    def spend_budget(self, spent_points: dict[str, int]) -> None:
        """Add to each campaign's spent points; written at commit."""
        ...
