"""The operations port's figures: each an index-only read (the first due row of each sweep
queue, the flags of the last day, the latest run) or a range of the outbox's primary key past
each destination's progress, so a scrape every few seconds costs the database next to nothing
while the relay keeps up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    fraud_flag_rules,
    fraud_flags,
    holds,
    lots,
    outbox_events,
    partner_event_settings,
    relay_progress,
    settlement_runs,
    webhook_dead_letters,
)
from hub.adapters.types import UtcDateTime
from hub.domain.holds import OPEN_HOLD_STATUSES
from hub.domain.lots import LotStatus
from hub.services.ports.ops import UNDELIVERED_COUNTED_MAX, OpsFigures, SinkBacklog

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
_LATEST_TIMED_RUN = (
    sa.select(settlement_runs.c.started_at, settlement_runs.c.finished_at)
    .where(settlement_runs.c.finished_at.is_not(None))
    .order_by(settlement_runs.c.finished_at.desc())
    .limit(1)
)

# The relay's destinations as ``hub.relay.store`` names their progress rows: NATS once a relay
# has published there; each partner whose webhook the relay delivers to (URL and secret set),
# from where the relay will start it (``webhook_start_after``, a start not applied yet), else
# from its progress, else from the first event, as the relay itself would.
_NATS, _WEBHOOK = "nats", "webhook"
_progress, _hooks, _events = relay_progress.c, partner_event_settings.c, outbox_events.c
_hook_progress = relay_progress.alias("hook_progress")
_DESTINATIONS = sa.union_all(
    sa.select(
        sa.literal(_NATS).label("sink"),
        sa.literal("").label("partner_id"),
        _progress.last_event_id.label("last_id"),
    ).where(_progress.destination == _NATS),
    sa.select(
        sa.literal(_WEBHOOK),
        _hooks.partner_id,
        sa.func.coalesce(_hooks.webhook_start_after, _hook_progress.c.last_event_id, 0),
    )
    .select_from(
        partner_event_settings.outerjoin(
            _hook_progress,
            _hook_progress.c.destination == sa.literal(f"{_WEBHOOK}:") + _hooks.partner_id,
        )
    )
    .where(_hooks.webhook_url.is_not(None), _hooks.webhook_secret.is_not(None)),
).cte("destinations")
_behind = sa.and_(
    _events.id > _DESTINATIONS.c.last_id,
    sa.or_(_DESTINATIONS.c.sink == _NATS, _events.partner_id == _DESTINATIONS.c.partner_id),
)
_waiting = (
    sa.select(_events.id)
    .where(_behind)
    .order_by(_events.id)
    .limit(UNDELIVERED_COUNTED_MAX)
    .correlate(_DESTINATIONS)
    .subquery("waiting")
)
# The next event the destination takes (the relay goes in id order): its age is the lag.
_next_created_at = (
    sa.select(_events.created_at)
    .where(_behind)
    .order_by(_events.id)
    .limit(1)
    .correlate(_DESTINATIONS)
    .scalar_subquery()
)
_BACKLOG = sa.select(
    _DESTINATIONS.c.sink,
    _DESTINATIONS.c.partner_id,
    sa.select(sa.func.count()).select_from(_waiting).scalar_subquery().label("undelivered"),
    _next_created_at.label("oldest"),
).order_by(_DESTINATIONS.c.sink, _DESTINATIONS.c.partner_id)
_DEAD_LETTERS = (
    sa.select(webhook_dead_letters.c.partner_id, sa.func.count().label("letters"))
    .where(webhook_dead_letters.c.replayed_at.is_(None))
    .group_by(webhook_dead_letters.c.partner_id)
)


class SqlOpsQueries:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def figures(self, now: datetime, flags_since: datetime) -> OpsFigures:
        due = [self._sql.later(statement, {"now": now}) for statement in _DUE]
        flags = self._sql.later(_FLAGS_BY_RULE, {"since": flags_since})
        latest = self._sql.later(_LATEST_RUN)
        timed = self._sql.later(_LATEST_TIMED_RUN)
        backlog = self._sql.later(_BACKLOG)
        letters = self._sql.later(_DEAD_LETTERS)
        due_at = [value for answer in due for row in answer() if (value := _first(row))]
        return OpsFigures(
            oldest_due_at=min(due_at, default=None),
            flags_by_rule={(row["rule"], row["decision"]): int(row["flags"]) for row in flags()},
            latest_settled_day=_first(latest()[0]),
            outbox=[_backlog(row) for row in backlog()],
            dead_letters_by_partner={row["partner_id"]: int(row["letters"]) for row in letters()},
            latest_run_duration_s=next((_duration_s(row) for row in timed()), None),
        )


def _first(row: Row) -> Any:
    return next(iter(row.values()))


def _backlog(row: Row) -> SinkBacklog:
    oldest = row["oldest"]
    return SinkBacklog(
        sink=row["sink"],
        partner_id=row["partner_id"],
        undelivered=int(row["undelivered"]),
        oldest_created_at=None if oldest is None else _utc(oldest),
    )


def _duration_s(row: Row) -> float:
    return (_utc(row["finished_at"]) - _utc(row["started_at"])).total_seconds()


def _utc(value: datetime | str) -> datetime:
    # An aggregate over a join may come back from SQLite as text, without the column's type.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
