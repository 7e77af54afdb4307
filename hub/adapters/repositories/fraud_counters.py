"""The fraud checks' running counters: kept by the write of each earn and hold, pruned by the
sweeper, read by ``SqlFraudRepository.activity`` instead of a scan of the ledger.

``fraud_member_minutes``: a member's earns and holds per minute, partner and cashier. A window
is the sum of the member's minutes from the minute its start falls in: it may count up to a
minute more than the exact window did, never less; the rows read are the member's own active
minutes, never the till's traffic.

``fraud_till_members``: each member's latest earn at a terminal, and through a cashier, of a
partner. The members of a till's window are the rows whose latest earn is in it, exactly;
they are counted up to ``ActivityWindows.till_members_max`` rows, so a busy till costs no more
than a quiet one. (Buckets cannot give distinct members: one member in several buckets would
be counted several times.)

Both are upserts (``INSERT ... ON CONFLICT DO UPDATE``) sent with the posting, in its
transaction: concurrent earns at one till serialise on the counter row, and stay exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.sql import Params, Sql
from hub.adapters.tables import fraud_member_minutes, fraud_till_members
from hub.adapters.types import UtcDateTime
from hub.domain.ledger import Transaction, TransactionKind

TERMINAL = "terminal"
CASHIER = "cashier"
_COUNTED = (TransactionKind.EARN, TransactionKind.HOLD)
_m, _t = fraud_member_minutes.c, fraud_till_members.c
_SUMS = ("earns", "earned_points", "holds", "held_points")


def minute_of(at: datetime) -> datetime:
    """The start of the minute ``at`` falls in: the bucket it is counted in."""
    return at.replace(second=0, microsecond=0)


def _add_minute(insert: Any) -> UpdateBase:
    statement = insert(fraud_member_minutes)
    added = {name: _m[name] + statement.excluded[name] for name in _SUMS}
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_m.member_id, _m.minute_start, _m.partner_id, _m.cashier_id], set_=added
    )


def _saw_member(insert: Any) -> UpdateBase:
    statement = insert(fraud_till_members)
    # Concurrent earns may commit out of their clocks' order: the latest stays.
    latest = sa.case(
        (statement.excluded.last_earn_at > _t.last_earn_at, statement.excluded.last_earn_at),
        else_=_t.last_earn_at,
    )
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_t.partner_id, _t.till_kind, _t.till_id, _t.member_id],
        set_={"last_earn_at": latest},
    )


# Both stores speak INSERT ... ON CONFLICT, but SQLAlchemy builds it per dialect.
_ADD_MINUTE = {"postgresql": _add_minute(postgresql.insert), "sqlite": _add_minute(sqlite.insert)}
_SAW_MEMBER = {"postgresql": _saw_member(postgresql.insert), "sqlite": _saw_member(sqlite.insert)}


def _minute_row(transaction: Transaction) -> Params:
    earning = transaction.kind is TransactionKind.EARN
    pos = transaction.point_of_sale
    return {
        "member_id": transaction.member_id,
        "minute_start": minute_of(transaction.created_at),
        "partner_id": transaction.partner_id or "",
        "cashier_id": (pos.cashier_id if pos else "") or "",
        "earns": 1 if earning else 0,
        "earned_points": transaction.points if earning else 0,
        "holds": 0 if earning else 1,
        "held_points": 0 if earning else transaction.points,
    }


def _till_rows(transaction: Transaction) -> list[Params]:
    pos = transaction.point_of_sale
    if transaction.kind is not TransactionKind.EARN or pos is None:
        return []
    tills = ((TERMINAL, pos.terminal_id), (CASHIER, pos.cashier_id))
    return [
        {
            "partner_id": transaction.partner_id,
            "till_kind": kind,
            "till_id": till_id,
            "member_id": transaction.member_id,
            "last_earn_at": transaction.created_at,
        }
        for kind, till_id in tills
        if till_id
    ]


def count(sql: Sql, transaction: Transaction) -> None:
    """Add ``transaction`` to the counters, if it is an earn or a hold of a member; written
    with the transaction's rows, at commit."""
    if transaction.kind not in _COUNTED or transaction.member_id is None:
        return
    sql.defer(_ADD_MINUTE[sql.dialect], [_minute_row(transaction)])
    sql.defer(_SAW_MEMBER[sql.dialect], _till_rows(transaction))


def _prune(table: sa.Table, at: sa.Column[datetime]) -> UpdateBase:
    keys = sa.tuple_(*table.primary_key.columns)
    oldest = (
        sa.select(*table.primary_key.columns)
        .where(at < sa.bindparam("before", type_=UtcDateTime()))
        .order_by(at)
        .limit(sa.bindparam("batch"))
    )
    return sa.delete(table).where(keys.in_(oldest))


_PRUNE = (
    _prune(fraud_member_minutes, _m.minute_start),
    _prune(fraud_till_members, _t.last_earn_at),
)


def prune(sql: Sql, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` rows of each counter table older than ``before``; how many."""
    params = {"before": before, "batch": batch}
    return sum(sql.execute(statement, params) for statement in _PRUNE)
