"""Managing rules: new versions, ends, history and what is in force (admin, audited)."""

from __future__ import annotations

from hub.domain.clock import Clock
from hub.domain.rules import RuleVersion
from hub.services.commands import EndRule, ListRules, PutRule
from hub.services.results import RuleHistory, RulesListed
from hub.services.unit_of_work import UnitOfWorkFactory


def put_rule(cmd: PutRule, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RuleVersion:
    """Add a version of a rule (validated, audited) in force from ``cmd.effective_from``."""
    raise NotImplementedError


def end_rule(cmd: EndRule, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RuleVersion:
    """End a rule from ``cmd.effective_from`` on (audited)."""
    raise NotImplementedError


def rule_history(rule_id: str, *, uow_factory: UnitOfWorkFactory) -> RuleHistory:
    """A rule's versions, oldest first, or ``RuleNotFound``."""
    raise NotImplementedError


def list_rules(cmd: ListRules, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RulesListed:
    """The rules in force at ``cmd.at`` (default now) and the versions scheduled after."""
    raise NotImplementedError
