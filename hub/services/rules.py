"""Managing rules: new versions, ends, history and what is in force (admin, audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.domain.audit import AuditEvent
from hub.domain.clock import Clock
from hub.domain.errors import RuleNotFound
from hub.domain.rule_checks import check_change, check_definition, rule_id_for
from hub.domain.rules import KIND_OF, Definition, RuleKind, Ruleset, RuleVersion, partner_of
from hub.services import audit
from hub.services.commands import Attribution, EndRule, ListRules, PutRule
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import RuleHistory, RulesListed
from hub.services.transactions import run


def put_rule(cmd: PutRule, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RuleVersion:
    """Add a version of a rule (validated, audited) in force from ``cmd.effective_from``."""
    definition = check_definition(cmd.definition)
    rule_id = rule_id_for(cmd.rule_id, definition)
    return run(
        lambda uow: _add_version(
            uow, rule_id, definition, cmd.effective_from, cmd.changed_by, clock
        ),
        uow_factory=uow_factory,
    )


def end_rule(cmd: EndRule, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RuleVersion:
    """End a rule from ``cmd.effective_from`` on (audited)."""
    return run(
        lambda uow: _add_version(uow, cmd.rule_id, None, cmd.effective_from, cmd.changed_by, clock),
        uow_factory=uow_factory,
    )


def _add_version(
    uow: UnitOfWork,
    rule_id: str,
    definition: Definition | None,
    effective_from: datetime | None,
    by: Attribution,
    clock: Clock,
) -> RuleVersion:
    """One attempt: a concurrent change of the rules makes it ``TransientConflict``."""
    now = clock.now()
    starts = effective_from or now
    # Read first: ``add`` then refuses to build on it if another change committed since,
    # so the checks across rules below stay true (hub.adapters.repositories.rules).
    uow.rules.generation()
    if definition is not None and (partner_id := partner_of(definition)) is not None:
        uow.partners.get(partner_id)
    every = uow.rules.versions()
    history = [v for v in every if v.rule_id == rule_id]
    others = [v for v in every if v.rule_id != rule_id]
    check_change(rule_id, definition, starts, now, history, others)
    kind = KIND_OF[type(definition)] if definition is not None else history[-1].kind
    version = RuleVersion(rule_id, len(history) + 1, kind, starts, definition, now, by.actor)
    uow.rules.add(version)
    audit.record(uow, _event(by, version, history), now)
    return version


def _event(by: Attribution, version: RuleVersion, history: Sequence[RuleVersion]) -> AuditEvent:
    partner = version.partner_id if not version.ended else _partner_before(history)
    return by.event(
        "rule.end" if version.ended else "rule.put",
        f"rule:{version.rule_id}",
        kind=version.kind.value,
        version=version.version,
        effective_from=version.effective_from.isoformat(),
        partner=partner,
    )


def _partner_before(history: Sequence[RuleVersion]) -> str | None:
    """The partner of the last version that had a definition (an end has none of its own)."""
    defined = [v for v in history if v.definition is not None]
    return defined[-1].partner_id if defined else None


def rule_history(rule_id: str, *, uow_factory: UnitOfWorkFactory) -> RuleHistory:
    """A rule's versions, oldest first, or ``RuleNotFound``."""
    with uow_factory(read_only=True) as uow:
        versions = tuple(uow.rules.history(rule_id))
        if not versions:
            raise RuleNotFound(f"no rule {rule_id!r}", rule_id=rule_id)
        spent = 0
        if versions[-1].kind is RuleKind.CAMPAIGN:
            spent = uow.rules.budget_spent([rule_id], lock=False)[rule_id]
    return RuleHistory(rule_id, versions, spent)


def list_rules(cmd: ListRules, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RulesListed:
    """The rules in force at ``cmd.at`` (default now) and the versions scheduled after; with
    ``cmd.partner_id``, only that partner's rules and the coalition-wide ones."""
    at = cmd.at or clock.now()
    with uow_factory(read_only=True) as uow:
        if cmd.partner_id:
            uow.partners.get(cmd.partner_id)
        every = tuple(uow.rules.versions())
    scheduled = sorted(
        (v for v in every if v.effective_from > at),
        key=lambda v: (v.effective_from, v.rule_id, v.version),
    )
    in_force = Ruleset.in_force(every, at).versions
    if cmd.partner_id:
        partners = _partner_by_version(every)
        wanted = (None, cmd.partner_id)
        in_force = tuple(v for v in in_force if v.partner_id in wanted)
        scheduled = [v for v in scheduled if partners[(v.rule_id, v.version)] in wanted]
    return RulesListed(at, in_force, tuple(scheduled))


def _partner_by_version(every: Sequence[RuleVersion]) -> dict[tuple[str, int], str | None]:
    """Each version's partner; an end belongs to the partner of the version before it."""
    partners: dict[tuple[str, int], str | None] = {}
    last: dict[str, str | None] = {}
    for version in every:  # by rule id and version
        if version.definition is not None:
            last[version.rule_id] = version.partner_id
        partners[(version.rule_id, version.version)] = last.get(version.rule_id)
    return partners
