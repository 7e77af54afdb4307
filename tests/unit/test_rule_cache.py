"""The process's rule cache reads the rules only when their generation moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hub.domain.rules import RuleKind, RuleVersion, WelcomeBonus
from hub.services.ports.unit_of_work import UnitOfWork
from hub.services.rule_cache import RuleCache

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
WELCOME = RuleVersion("welcome", 1, RuleKind.WELCOME, NOW, WelcomeBonus(50), NOW, "test")


class CountingRules:
    def __init__(self, versions: list[RuleVersion]) -> None:
        self.stored, self.reads = versions, 0

    def versions(self) -> list[RuleVersion]:
        self.reads += 1
        return list(self.stored)


class FakeUnitOfWork:
    def __init__(self, rules: CountingRules) -> None:
        self.rules = rules


def _uow(rules: CountingRules) -> UnitOfWork:
    return cast(UnitOfWork, cast(Any, FakeUnitOfWork(rules)))


def test_a_hub_without_rules_never_reads_them():
    rules = CountingRules([WELCOME])
    assert RuleCache().ruleset(_uow(rules), 0, NOW).empty
    assert rules.reads == 0


def test_rules_are_read_once_per_generation():
    rules, cache = CountingRules([WELCOME]), RuleCache()
    for _ in range(3):
        assert cache.ruleset(_uow(rules), 1, NOW).welcome_bonuses("coffee")
    assert rules.reads == 1
    rules.stored = []
    assert cache.ruleset(_uow(rules), 2, NOW).empty
    assert rules.reads == 2


def test_the_cached_versions_answer_for_any_instant():
    scheduled = RuleVersion(
        "later", 1, RuleKind.WELCOME, NOW + timedelta(days=1), WelcomeBonus(5), NOW, "test"
    )
    rules, cache = CountingRules([scheduled]), RuleCache()
    assert cache.ruleset(_uow(rules), 1, NOW).empty
    assert cache.ruleset(_uow(rules), 1, NOW + timedelta(days=1)).welcome_bonuses("coffee")
    assert rules.reads == 1
