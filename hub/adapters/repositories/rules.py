"""Rule versions, the rules' change counter, and campaign budgets.

A definition is stored as JSON (``hub.services.codec``) of the dataclass its kind names; NULL
is the version that ends the rule. Every new version raises ``rules_head.generation`` in its
own transaction, which is how hub processes know their cached rules are stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import campaign_budgets as budgets
from hub.adapters.tables import rule_versions as versions
from hub.adapters.tables import rules_head as head
from hub.domain.rules import DEFINITION_OF, Campaign, RuleKind, RuleVersion
from hub.services import codec
from hub.services.ports.conflicts import TransientConflict

HEAD_ROW_ID = 1
BUDGET_IDS_MAX = 64
"""Campaign budgets read in one statement (one compiled statement per count up to this)."""

_INSERT_VERSION = versions.insert()
_ALL = sa.select(versions).order_by(versions.c.rule_id, versions.c.version)
_HISTORY = _ALL.where(versions.c.rule_id == sa.bindparam("rule_id"))
_GENERATION = sa.select(head.c.generation).where(head.c.id == HEAD_ROW_ID)
_BUMP = sa.update(head).where(head.c.id == HEAD_ROW_ID).values(generation=head.c.generation + 1)
# Bumped only if no other change committed since this unit of work read the counter: checks
# across rules (overlapping exclusive campaigns...) were made on what it read.
_BUMP_FROM = _BUMP.where(head.c.generation == sa.bindparam("b_read"))


def _open_budget(insert: Any) -> UpdateBase:
    return insert(budgets).on_conflict_do_nothing(  # type: ignore[no-any-return]
        index_elements=[budgets.c.rule_id]
    )


def _spend(insert: Any) -> UpdateBase:
    statement = insert(budgets)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[budgets.c.rule_id],
        set_={"spent_points": budgets.c.spent_points + statement.excluded.spent_points},
    )


# Both stores speak INSERT ... ON CONFLICT, but SQLAlchemy builds it per dialect.
_OPEN_BUDGET = {
    "postgresql": _open_budget(postgresql.insert),
    "sqlite": _open_budget(sqlite.insert),
}
_SPEND = {"postgresql": _spend(postgresql.insert), "sqlite": _spend(sqlite.insert)}


@lru_cache(maxsize=2 * BUDGET_IDS_MAX)
def _spent(count: int, *, lock: bool) -> sa.Select[tuple[Any, ...]]:
    """``count`` budgets by fixed parameter names, so each shape is compiled once; locked in
    rule id order, so that earns charging the same campaigns never deadlock."""
    ids: list[sa.BindParameter[str]] = [sa.bindparam(f"rule_id_{i}") for i in range(count)]
    statement = (
        sa.select(budgets.c.rule_id, budgets.c.spent_points)
        .where(budgets.c.rule_id.in_(ids))
        .order_by(budgets.c.rule_id)
    )
    return statement.with_for_update() if lock else statement


def _version(row: Row) -> RuleVersion:
    kind = RuleKind(row["kind"])
    text = row["definition"]
    return RuleVersion(
        rule_id=row["rule_id"],
        version=row["version"],
        kind=kind,
        effective_from=row["effective_from"],
        definition=None if text is None else codec.decode(text, DEFINITION_OF[kind]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def _row(version: RuleVersion) -> dict[str, object]:
    definition = version.definition
    return {
        "rule_id": version.rule_id,
        "version": version.version,
        "kind": version.kind.value,
        "partner_id": version.partner_id,
        "effective_from": version.effective_from,
        "definition": None if definition is None else codec.encode(definition),
        "created_at": version.created_at,
        "created_by": version.created_by,
    }


class SqlRuleRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._read_generation: int | None = None

    def generation(self) -> int:
        """The counter; the first read in a unit of work is what its ``add`` builds on."""
        row = self._sql.first(_GENERATION)
        generation = int(row["generation"]) if row is not None else 0
        if self._read_generation is None:
            self._read_generation = generation
        return generation

    def versions(self) -> Sequence[RuleVersion]:
        return [_version(row) for row in self._sql.rows(_ALL)]

    def history(self, rule_id: str) -> Sequence[RuleVersion]:
        return [_version(row) for row in self._sql.rows(_HISTORY, {"rule_id": rule_id})]

    def add(self, version: RuleVersion) -> None:
        """Record ``version``, open its campaign's budget, and raise the generation.

        When this unit of work read the generation first, a change committed meanwhile by
        another one makes this ``TransientConflict`` (the use case runs again on fresh reads);
        so does a concurrent version with the same number.
        """
        self._sql.defer(_INSERT_VERSION, [_row(version)])
        self._sql.mark_cache_stale()
        definition = version.definition
        if isinstance(definition, Campaign) and definition.budget_points is not None:
            # The row must exist before an earn locks it; an earlier version may have made it.
            opened = {"rule_id": version.rule_id, "spent_points": 0}
            self._sql.defer(_OPEN_BUDGET[self._sql.dialect], [opened])
        if self._read_generation is None:
            self._sql.defer(_BUMP, [{}])
            return
        if self._sql.execute(_BUMP_FROM, {"b_read": self._read_generation}) != 1:
            raise TransientConflict("the rules changed while this change was being checked")
        self._read_generation += 1

    def budget_spent(self, rule_ids: Sequence[str], *, lock: bool) -> dict[str, int]:
        spent = dict.fromkeys(rule_ids, 0)
        unique = sorted(spent)
        for start in range(0, len(unique), BUDGET_IDS_MAX):
            chunk = unique[start : start + BUDGET_IDS_MAX]
            params = {f"rule_id_{i}": rule_id for i, rule_id in enumerate(chunk)}
            for row in self._sql.rows(_spent(len(chunk), lock=lock), params):
                spent[row["rule_id"]] = int(row["spent_points"])
        return spent

    def spend_budget(self, spent_points: dict[str, int]) -> None:
        rows = [
            {"rule_id": rule_id, "spent_points": points}
            for rule_id, points in sorted(spent_points.items())
            if points
        ]
        self._sql.defer(_SPEND[self._sql.dialect], rows)
