"""The hash-chained audit log. (Being written: see issue 7.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.adapters.sql import Sql
from hub.domain.audit import AuditEvent, AuditRecord


class SqlAuditLog:
    def __init__(self, sql: Sql, keys: tuple[bytes, ...]) -> None:
        self._sql = sql
        self._keys = keys

    def append(self, event: AuditEvent, now: datetime) -> AuditRecord:
        raise NotImplementedError

    def records(self, after_seq: int, limit: int) -> Sequence[AuditRecord]:
        raise NotImplementedError
