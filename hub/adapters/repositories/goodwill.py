"""Goodwill credits staff requested, with their decisions (``hub.domain.goodwill``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import goodwill_credits
from hub.adapters.types import UtcDateTime
from hub.domain.errors import GoodwillCreditNotFound
from hub.domain.goodwill import GoodwillCredit, GoodwillRequest, GoodwillStatus
from hub.domain.rules import Funder

_g = goodwill_credits.c
_INSERT = goodwill_credits.insert()
_GET = sa.select(goodwill_credits).where(_g.id == sa.bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_DECIDE = (
    sa.update(goodwill_credits)
    .where(_g.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        decided_by=sa.bindparam("b_decided_by"),
        decided_at=sa.bindparam("b_decided_at", type_=UtcDateTime()),
        decision_note=sa.bindparam("b_decision_note"),
        transaction_id=sa.bindparam("b_transaction_id", type_=sa.Uuid()),
    )
)


def _listing(*, by_status: bool, by_member: bool) -> sa.Select[tuple[object, ...]]:
    statement = sa.select(goodwill_credits)
    if by_status:
        statement = statement.where(_g.status == sa.bindparam("status"))
    if by_member:
        statement = statement.where(_g.member_id == sa.bindparam("member_id"))
    return statement.order_by(_g.requested_at.desc(), _g.id.desc()).limit(sa.bindparam("limit"))


_LISTINGS = {
    (s, m): _listing(by_status=s, by_member=m) for s in (False, True) for m in (False, True)
}


def _credit(row: Row) -> GoodwillCredit:
    request = GoodwillRequest(
        row["member_id"], row["points"], Funder(row["funder"]), row["partner_id"], row["reason"]
    )
    return GoodwillCredit(
        id=row["id"],
        request=request,
        status=GoodwillStatus(row["status"]),
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_note=row["decision_note"],
        transaction_id=row["transaction_id"],
    )


def _row(credit: GoodwillCredit) -> dict[str, object]:
    request = credit.request
    return {
        "id": credit.id,
        "member_id": request.member_id,
        "points": request.points,
        "funder": request.funder.value,
        "partner_id": request.partner_id,
        "reason": request.reason,
        "status": credit.status.value,
        "requested_by": credit.requested_by,
        "requested_at": credit.requested_at,
        "decided_by": credit.decided_by,
        "decided_at": credit.decided_at,
        "decision_note": credit.decision_note,
        "transaction_id": credit.transaction_id,
    }


class SqlGoodwillRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, credit: GoodwillCredit) -> None:
        self._sql.defer(_INSERT, [_row(credit)])

    def get(self, credit_id: uuid.UUID, *, for_update: bool = False) -> GoodwillCredit:
        row = self._sql.first(_GET_FOR_UPDATE if for_update else _GET, {"id": credit_id})
        if row is None:
            raise GoodwillCreditNotFound(f"no goodwill credit {credit_id}", field="credit_id")
        return _credit(row)

    def save(self, credit: GoodwillCredit) -> None:
        self._sql.defer(
            _DECIDE,
            [
                {
                    "b_id": credit.id,
                    "b_status": credit.status.value,
                    "b_decided_by": credit.decided_by,
                    "b_decided_at": credit.decided_at,
                    "b_decision_note": credit.decision_note,
                    "b_transaction_id": credit.transaction_id,
                }
            ],
        )

    def list(
        self, status: GoodwillStatus | None, member_id: uuid.UUID | None, limit: int
    ) -> Sequence[GoodwillCredit]:
        params: dict[str, object] = {"limit": limit}
        if status is not None:
            params["status"] = status.value
        if member_id is not None:
            params["member_id"] = member_id
        statement = _LISTINGS[(status is not None, member_id is not None)]
        return [_credit(row) for row in self._sql.rows(statement, params)]
