"""The event outbox's rows, queued with the unit of work and written with its COMMIT."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.adapters.repositories.lots import lot_from_row
from hub.adapters.sql import Sql
from hub.adapters.tables import (
    expiry_notices,
    lots,
    outbox_events,
    partner_event_settings,
    partners,
    relay_progress,
)
from hub.domain.limits import EXPIRY_NOTICE_DAYS_DEFAULT
from hub.domain.lots import Lot, LotStatus
from hub.services.outbox import Event
from hub.services.ports.outbox import EventSettings

_INSERT_EVENT = outbox_events.insert()
_INSERT_NOTICE = expiry_notices.insert()
_NOTICE_DAYS = sa.select(
    partners.c.id,
    sa.func.coalesce(partner_event_settings.c.expiry_notice_days, EXPIRY_NOTICE_DAYS_DEFAULT).label(
        "days"
    ),
).select_from(partners.outerjoin(partner_event_settings))
_EXPIRING = (
    sa.select(lots)
    .where(
        lots.c.partner_id == sa.bindparam("partner_id"),
        lots.c.status == LotStatus.AVAILABLE.value,
        lots.c.expires_at > sa.bindparam("now"),
        lots.c.expires_at <= sa.bindparam("until"),
        lots.c.remaining_points > lots.c.reserved_points,
        ~sa.exists().where(expiry_notices.c.lot_id == lots.c.id),
    )
    .order_by(lots.c.member_id, lots.c.id)
    .limit(sa.bindparam("limit"))
)
# The sweeper's last complete pass over expiring lots, kept beside the relay's progress.
_EXPIRY_PASS = "sweeper:expiry-notices"  # noqa: S105 -- a row's name, not a secret
_EXPIRY_PASS_AT = sa.select(relay_progress.c.updated_at).where(
    relay_progress.c.destination == _EXPIRY_PASS
)
_DELETE_EXPIRY_PASS = relay_progress.delete().where(relay_progress.c.destination == _EXPIRY_PASS)
_INSERT_EXPIRY_PASS = relay_progress.insert()
_SETTINGS = sa.select(partner_event_settings).where(
    partner_event_settings.c.partner_id == sa.bindparam("partner_id")
)
_DELETE_SETTINGS = partner_event_settings.delete().where(
    partner_event_settings.c.partner_id == sa.bindparam("b_partner_id")
)
_INSERT_SETTINGS = partner_event_settings.insert()
_LAST_EVENT = sa.select(sa.func.coalesce(sa.func.max(outbox_events.c.id), 0).label("id"))
_FIRST_EVENT_FROM = sa.select(sa.func.min(outbox_events.c.id).label("id")).where(
    outbox_events.c.created_at >= sa.bindparam("at")
)


def event_row(event: Event) -> dict[str, object]:
    return {
        "ordering_key": event.ordering_key,
        "partner_id": event.partner_id,
        "kind": event.kind.value,
        "payload": json.dumps(event.payload, separators=(",", ":"), sort_keys=True),
        "created_at": event.created_at,
    }


class SqlOutboxRepository:
    """Collects the unit of work's events; ``write()`` queues them as one INSERT, last of the
    unit of work's writes (its transaction id is taken by then: ``hub.relay.store``)."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._rows: list[dict[str, object]] = []

    def add(self, event: Event) -> None:
        self._rows.append(event_row(event))

    def write(self) -> None:
        """Queue the collected events (called by the unit of work just before its COMMIT)."""
        rows, self._rows = self._rows, []
        self._sql.defer(_INSERT_EVENT, rows)

    def expiring_unnoticed(self, now: datetime, limit: int) -> Sequence[tuple[Lot, int]]:
        found: list[tuple[Lot, int]] = []
        for partner in self._sql.rows(_NOTICE_DAYS):
            days = int(partner["days"])
            params = {
                "partner_id": partner["id"],
                "now": now,
                "until": now + timedelta(days=days),
                "limit": limit - len(found),
            }
            found += [(lot_from_row(row), days) for row in self._sql.rows(_EXPIRING, params)]
            if len(found) >= limit:
                break
        return found

    def expiry_pass_at(self) -> datetime | None:
        row = self._sql.first(_EXPIRY_PASS_AT)
        return None if row is None else row["updated_at"]

    def expiry_pass_done(self, now: datetime) -> None:
        self._sql.defer(_DELETE_EXPIRY_PASS, [{}])
        self._sql.defer(
            _INSERT_EXPIRY_PASS,
            [{"destination": _EXPIRY_PASS, "last_event_id": 0, "updated_at": now}],
        )

    def mark_noticed(self, lot_ids: Sequence[uuid.UUID], now: datetime) -> None:
        self._sql.defer(_INSERT_NOTICE, [{"lot_id": i, "noticed_at": now} for i in lot_ids])

    def settings(self, partner_id: str) -> EventSettings:
        row = self._sql.first(_SETTINGS, {"partner_id": partner_id})
        if row is None:
            return EventSettings(partner_id, None, None, EXPIRY_NOTICE_DAYS_DEFAULT)
        return EventSettings(
            partner_id,
            row["webhook_url"],
            row["webhook_secret"],
            row["expiry_notice_days"],
            row["webhook_start_after"],
        )

    def save_settings(self, settings: EventSettings, now: datetime) -> None:
        self._sql.defer(_DELETE_SETTINGS, [{"b_partner_id": settings.partner_id}])
        self._sql.defer(
            _INSERT_SETTINGS,
            [
                {
                    "partner_id": settings.partner_id,
                    "webhook_url": settings.webhook_url,
                    "webhook_secret": settings.webhook_secret,
                    "expiry_notice_days": settings.expiry_notice_days,
                    "webhook_start_after": settings.webhook_start_after,
                    "updated_at": now,
                }
            ],
        )

    def last_event_before(self, at: datetime | None) -> int:
        if at is not None:
            first = self._sql.first(_FIRST_EVENT_FROM, {"at": at})
            if first is not None and first["id"] is not None:
                return int(first["id"]) - 1
        row = self._sql.first(_LAST_EVENT)
        return 0 if row is None else int(row["id"])
