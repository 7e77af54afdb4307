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

``fraud_member_partners``: a member's earns and points at each partner, ever: their usual
basket there, one row read.

``fraud_till_rates``: ``TILL_SHARDS`` rows a terminal or cashier (the shard is the member's),
each with its earns in the current clock hour and the one before it (a sliding hour's
estimate), its busiest closed hour this week and last week (the till's own norm), and its earns
and points ever (the partner's usual basket there). When an earn opens a new hour, the closed
hour is folded into the week's busiest; when it opens a new week, that week's busiest becomes
last week's. The read adds the shards up: the earns exactly, the busiest hours as the sum of
each shard's (at least the till's busiest hour, a little more when the shards' busiest hours
differ: the norm errs towards quiet). Shards keep 32 concurrent earns at one till from queueing
on one row (``hub bench --fraud-history``).

All are upserts (``INSERT ... ON CONFLICT DO UPDATE``) sent with the posting, in its
transaction: concurrent earns of one member or at one till serialise on the counter row, and
stay exact.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.sql import Params, Sql
from hub.adapters.tables import (
    fraud_member_minutes,
    fraud_member_partners,
    fraud_till_members,
    fraud_till_rates,
)
from hub.adapters.types import UtcDateTime
from hub.domain.ledger import Transaction, TransactionKind

TERMINAL = "terminal"
CASHIER = "cashier"
TILL_SHARDS = 8
"""Rows a till's rate is spread over, by member: few enough to read at once, enough that the
concurrent earns of a busy till rarely wait for each other."""
_COUNTED = (TransactionKind.EARN, TransactionKind.HOLD)
_m, _t = fraud_member_minutes.c, fraud_till_members.c
_p, _r = fraud_member_partners.c, fraud_till_rates.c
_SUMS = ("earns", "earned_points", "holds", "held_points")


def minute_of(at: datetime) -> datetime:
    """The start of the minute ``at`` falls in: the bucket it is counted in."""
    return at.replace(second=0, microsecond=0)


def shard_of(member_id: uuid.UUID) -> int:
    """The till rate row a member's earns are counted in."""
    return member_id.int % TILL_SHARDS


def hour_of(at: datetime) -> datetime:
    """The start of the clock hour ``at`` falls in: a till rate's bucket."""
    return at.replace(minute=0, second=0, microsecond=0)


def week_of(at: datetime) -> datetime:
    """The start (Monday 00:00 UTC) of the week ``at`` falls in: a till's busiest-hour bucket."""
    return hour_of(at).replace(hour=0) - timedelta(days=at.weekday())


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


def _add_partner_earn(insert: Any) -> UpdateBase:
    statement = insert(fraud_member_partners)
    added = {name: _p[name] + statement.excluded[name] for name in ("earns", "earned_points")}
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_p.member_id, _p.partner_id], set_=added
    )


def _larger(a: sa.ColumnElement[int], b: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    # CASE, not GREATEST: SQLite has none.
    return sa.case((a > b, a), else_=b)


def _add_till_earn(insert: Any) -> UpdateBase:
    statement = insert(fraud_till_rates)
    new = statement.excluded
    # An earn that commits after a later one (clocks, slow commits) counts in the later hour.
    new_hour, new_week = new.hour_start > _r.hour_start, new.week_start > _r.week_start
    closed = sa.case((new_hour, _r.hour_earns), else_=0)
    busiest = _larger(_r.peak_earns, closed)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_r.partner_id, _r.till_kind, _r.till_id, _r.shard],
        set_={
            "hour_start": sa.case((new_hour, new.hour_start), else_=_r.hour_start),
            "hour_earns": sa.case((new_hour, new.hour_earns), else_=_r.hour_earns + 1),
            "previous_hour_start": sa.case((new_hour, _r.hour_start), else_=_r.previous_hour_start),
            "previous_hour_earns": sa.case((new_hour, closed), else_=_r.previous_hour_earns),
            "week_start": sa.case((new_week, new.week_start), else_=_r.week_start),
            "peak_earns": sa.case((new_week, 0), else_=busiest),
            "previous_peak_earns": sa.case((new_week, busiest), else_=_r.previous_peak_earns),
            "earns": _r.earns + 1,
            "earned_points": _r.earned_points + new.earned_points,
        },
    )


# Every store speaks INSERT ... ON CONFLICT, but SQLAlchemy builds it per dialect.
_ADD_MINUTE = {"postgresql": _add_minute(postgresql.insert), "sqlite": _add_minute(sqlite.insert)}
_SAW_MEMBER = {"postgresql": _saw_member(postgresql.insert), "sqlite": _saw_member(sqlite.insert)}
_ADD_PARTNER_EARN = {
    "postgresql": _add_partner_earn(postgresql.insert),
    "sqlite": _add_partner_earn(sqlite.insert),
}
_ADD_TILL_EARN = {
    "postgresql": _add_till_earn(postgresql.insert),
    "sqlite": _add_till_earn(sqlite.insert),
}


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


def _partner_row(transaction: Transaction) -> list[Params]:
    if transaction.kind is not TransactionKind.EARN:
        return []
    return [
        {
            "member_id": transaction.member_id,
            "partner_id": transaction.partner_id,
            "earns": 1,
            "earned_points": transaction.points,
        }
    ]


def _rate_rows(transaction: Transaction) -> list[Params]:
    at = transaction.created_at
    return [
        {
            "partner_id": row["partner_id"],
            "till_kind": row["till_kind"],
            "till_id": row["till_id"],
            "shard": shard_of(row["member_id"]),
            "hour_start": hour_of(at),
            "hour_earns": 1,
            "previous_hour_start": hour_of(at),
            "previous_hour_earns": 0,
            "week_start": week_of(at),
            "peak_earns": 0,
            "previous_peak_earns": 0,
            "earns": 1,
            "earned_points": transaction.points,
        }
        for row in _till_rows(transaction)
    ]


def count(sql: Sql, transaction: Transaction) -> None:
    """Add ``transaction`` to the counters, if it is an earn or a hold of a member; written
    with the transaction's rows, at commit."""
    if transaction.kind not in _COUNTED or transaction.member_id is None:
        return
    sql.defer(_ADD_MINUTE[sql.dialect], [_minute_row(transaction)])
    sql.defer(_SAW_MEMBER[sql.dialect], _till_rows(transaction))
    sql.defer(_ADD_PARTNER_EARN[sql.dialect], _partner_row(transaction))
    sql.defer(_ADD_TILL_EARN[sql.dialect], _rate_rows(transaction))


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
