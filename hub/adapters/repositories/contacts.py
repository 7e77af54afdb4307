"""Members' encrypted contact data. (Being written: see issue 7.)"""

from __future__ import annotations

import uuid

from hub.adapters.sql import Sql
from hub.services.unit_of_work import SealedContact


class SqlContactRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def put(self, member_id: uuid.UUID, sealed: SealedContact) -> None:
        raise NotImplementedError

    def get(self, member_id: uuid.UUID) -> SealedContact | None:
        raise NotImplementedError

    def delete(self, member_id: uuid.UUID) -> None:
        raise NotImplementedError
