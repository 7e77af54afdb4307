"""The operations port's figures: each an index-only read (the first due row of each sweep
queue, the flags of the last day, the latest run), so a scrape every few seconds costs the
database next to nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import fraud_flag_rules, fraud_flags, holds, lots, settlement_runs
from hub.adapters.types import UtcDateTime
from hub.domain.holds import OPEN_HOLD_STATUSES
from hub.domain.lots import LotStatus
from hub.services.ports.ops import OpsFigures

_NOW = sa.bindparam("now", type_=UtcDateTime())
_DUE = (
    sa.select(sa.func.min(holds.c.expires_at)).where(
        # OR, not IN: an IN list becomes an expanding parameter psycopg's path cannot prepare.
        sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES)),
        holds.c.expires_at <= _NOW,
    ),
    sa.select(sa.func.min(lots.c.available_at)).where(
        lots.c.status == LotStatus.PENDING.value, lots.c.available_at <= _NOW
    ),
    sa.select(sa.func.min(lots.c.expires_at)).where(
        lots.c.status == LotStatus.AVAILABLE.value, lots.c.expires_at <= _NOW
    ),
)
_FLAGS_BY_RULE = (
    sa.select(fraud_flag_rules.c.rule, fraud_flags.c.decision, sa.func.count().label("flags"))
    .join(fraud_flags, fraud_flags.c.id == fraud_flag_rules.c.flag_id)
    .where(fraud_flags.c.raised_at >= sa.bindparam("since", type_=UtcDateTime()))
    .group_by(fraud_flag_rules.c.rule, fraud_flags.c.decision)
)
_LATEST_RUN = sa.select(sa.func.max(settlement_runs.c.business_date))


class SqlOpsQueries:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def figures(self, now: datetime, flags_since: datetime) -> OpsFigures:
        due = [self._sql.later(statement, {"now": now}) for statement in _DUE]
        flags = self._sql.later(_FLAGS_BY_RULE, {"since": flags_since})
        latest = self._sql.later(_LATEST_RUN)
        due_at = [value for answer in due for row in answer() if (value := _first(row))]
        return OpsFigures(
            oldest_due_at=min(due_at, default=None),
            flags_by_rule={(row["rule"], row["decision"]): int(row["flags"]) for row in flags()},
            latest_settled_day=_first(latest()[0]),
        )


def _first(row: Row) -> Any:
    return next(iter(row.values()))
