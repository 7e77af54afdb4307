"""The hash-chained audit log: records appended under the lock of the chain's head row.

An append locks the head (``FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
``BEGIN IMMEDIATE`` already), reads the last record's MAC, inserts the sealed record and moves
the head, all in the caller's transaction: the change and its trace commit together, and two
appenders can never take the same seq or chain to the same record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import audit_head as head
from hub.adapters.tables import audit_log as log
from hub.config import ConfigError
from hub.domain.audit import (
    GENESIS_MAC,
    AuditEvent,
    AuditHead,
    AuditRecord,
    details_json,
    head_after,
    seal,
    stored_event,
)
from hub.domain.invariants import InvariantViolation

HEAD_ROW_ID = 1

_HEAD = sa.select(head.c.seq, head.c.mac).where(head.c.id == HEAD_ROW_ID)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
# A statement of its own, after the lock is held: on PostgreSQL it then sees the record the
# previous holder of the lock committed (a join with the locked row would not).
_MAC_OF = sa.select(log.c.mac).where(log.c.seq == sa.bindparam("seq"))
_INSERT = log.insert()
_MOVE_HEAD = (
    sa.update(head)
    .where(head.c.id == HEAD_ROW_ID)
    .values(seq=sa.bindparam("b_seq"), mac=sa.bindparam("b_mac"))
)
_AFTER = (
    sa.select(log)
    .where(log.c.seq > sa.bindparam("after_seq"))
    .order_by(log.c.seq)
    .limit(sa.bindparam("limit"))
)


def _recent(*, by_actor: bool, by_action: bool) -> sa.Select[Any]:
    statement = sa.select(log).order_by(log.c.seq.desc()).limit(sa.bindparam("limit"))
    if by_actor:
        statement = statement.where(log.c.actor == sa.bindparam("actor"))
    if by_action:
        statement = statement.where(log.c.action == sa.bindparam("action"))
    return statement


# One statement per combination of filters, built once (hub.adapters.sql compiles each once).
_RECENT = {
    (by_actor, by_action): _recent(by_actor=by_actor, by_action=by_action)
    for by_actor in (False, True)
    for by_action in (False, True)
}


class SqlAuditLog:
    def __init__(self, sql: Sql, keys: tuple[bytes, ...]) -> None:
        self._sql = sql
        self._keys = keys
        """The current key first; records are sealed with it."""

    def append(self, event: AuditEvent, now: datetime) -> AuditRecord:
        key = self._current_key()
        last = self._locked_head()
        prev_mac = self._mac_of(last.seq)
        record = seal(event, seq=last.seq + 1, recorded_at=now, prev_mac=prev_mac, key=key)
        moved = head_after(record, key)
        self._sql.defer(_INSERT, [_row(record)])
        self._sql.defer(_MOVE_HEAD, [{"b_seq": moved.seq, "b_mac": moved.mac}])
        return record

    def records(self, after_seq: int, limit: int) -> Sequence[AuditRecord]:
        rows = self._sql.rows(_AFTER, {"after_seq": after_seq, "limit": limit})
        return [_record(row) for row in rows]

    def head(self) -> AuditHead | None:
        row = self._sql.first(_HEAD)
        return AuditHead(row["seq"], bytes(row["mac"])) if row else None

    def recent(
        self, limit: int, *, actor: str | None = None, action: str | None = None
    ) -> Sequence[AuditRecord]:
        params = {"limit": limit, "actor": actor, "action": action}
        statement = _RECENT[(actor is not None, action is not None)]
        rows = self._sql.rows(statement, {k: v for k, v in params.items() if v is not None})
        return [_record(row) for row in rows]

    def _current_key(self) -> bytes:
        if not self._keys:
            raise ConfigError(
                "HUB_AUDIT_KEY is not set, so staff actions and configuration changes cannot "
                "be recorded in the audit log; create keys with `hub keygen`"
            )
        return self._keys[0]

    def _locked_head(self) -> AuditHead:
        row = self._sql.first(_HEAD_FOR_UPDATE)
        if row is None:
            raise InvariantViolation("the audit log's head row is missing: run `hub audit verify`")
        return AuditHead(row["seq"], bytes(row["mac"]))

    def _mac_of(self, seq: int) -> bytes:
        if seq == 0:
            return GENESIS_MAC
        row = self._sql.first(_MAC_OF, {"seq": seq})
        # A last record deleted behind the head's back: chain on from the start's MAC rather
        # than refuse every staff action; `hub audit verify` reports both the hole and this.
        return bytes(row["mac"]) if row else GENESIS_MAC


def _row(record: AuditRecord) -> dict[str, object]:
    event = record.event
    return {
        "seq": record.seq,
        "recorded_at": record.recorded_at,
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "details": details_json(event.details),
        "reason": event.reason,
        "key_id": record.key_id,
        "prev_mac": record.prev_mac,
        "mac": record.mac,
    }


def _record(row: Row) -> AuditRecord:
    event = stored_event(row["actor"], row["action"], row["target"], row["reason"], row["details"])
    prev_mac, mac = bytes(row["prev_mac"]), bytes(row["mac"])
    return AuditRecord(row["seq"], row["recorded_at"], event, row["key_id"], prev_mac, mac)
