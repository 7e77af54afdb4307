"""The fraud tuning preview's reads: a partner's past earns and holds with their context, and
the flags the hub recorded for them, in two set-based statements over what the ledger holds.

``past_operations`` reads the partner's newest operations in the period (at most
``operations_max``), every earn and hold of their members and every operation of the partner
from the longest window before the period on, each with window functions that rebuild its
history: the member's earns at the partner, and the terminal's (cashier's) earns, before it
are the running counters (``fraud_member_partners``, ``fraud_till_rates``) less the earns from
it on. Nothing is written on the till path for it. The rows are capped (``rows_max``, newest
first); the rest of the replay is ``fraud.replay``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fraud.facts import Location, Operation
from fraud.replay import PastOperation, PastOperations
from hub.adapters.repositories.fraud_counters import CASHIER, TERMINAL
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    fraud_flag_rules,
    fraud_flags,
    fraud_member_partners,
    fraud_till_rates,
    transactions,
)
from hub.adapters.types import UtcDateTime
from hub.domain.ledger import TransactionKind

_T = transactions.alias("t")
_t = _T.c
# Two comparisons, not IN (...): a literal IN list is expanded when the statement is run,
# which the PostgreSQL path's compile-once cache cannot do.
_COUNTED = sa.or_(_t.kind == TransactionKind.EARN.value, _t.kind == TransactionKind.HOLD.value)
_OPERATION = {
    TransactionKind.EARN.value: Operation.EARN,
    TransactionKind.HOLD.value: Operation.AUTHORIZE,
}


def _at(name: str) -> sa.BindParameter[datetime]:
    return sa.bindparam(name, type_=UtcDateTime())


_examined = (
    sa.select(_t.id, _t.member_id)
    .where(
        _t.partner_id == sa.bindparam("partner_id"),
        _COUNTED,
        _t.created_at >= _at("since"),
        _t.created_at <= _at("until"),
    )
    .order_by(_t.created_at.desc(), _t.id.desc())
    .limit(sa.bindparam("operations_limit", type_=sa.Integer()))
    .cte("examined")
)


def _from_here(*partition: Any) -> dict[str, Any]:
    # From this row on, newest first: the earns after it, and it.
    return {"partition_by": partition, "order_by": (_t.created_at.desc(), _t.id.desc())}


def _after(partition: tuple[Any, ...], label: str) -> list[sa.Label[Any]]:
    window = _from_here(*partition)
    return [
        sa.func.count().over(**window).label(f"{label}_earns_on"),
        sa.func.sum(_t.points).over(**window).label(f"{label}_points_on"),
    ]


_mp = fraud_member_partners.alias("mp")


def _tills(name: str) -> sa.Subquery:
    """The partner's tills' earns and points ever: their shards added up."""
    r = fraud_till_rates.c
    return (
        sa.select(
            r.partner_id,
            r.till_kind,
            r.till_id,
            sa.func.sum(r.earns).label("earns"),
            sa.func.sum(r.earned_points).label("earned_points"),
        )
        .where(r.partner_id == sa.bindparam("partner_id"))
        .group_by(r.partner_id, r.till_kind, r.till_id)
        .subquery(name)
    )


_tr, _cr = _tills("tr"), _tills("cr")


def _till_join(alias: Any, kind: str, till: Any) -> sa.ColumnElement[bool]:
    return sa.and_(
        alias.c.partner_id == _t.partner_id, alias.c.till_kind == kind, alias.c.till_id == till
    )


_PAST = (
    sa.select(
        _t.id,
        _t.kind,
        _t.partner_id,
        _t.member_id,
        _t.points,
        _t.created_at,
        _t.store_id,
        _t.terminal_id,
        _t.cashier_id,
        _t.latitude,
        _t.longitude,
        _t.id.in_(sa.select(_examined.c.id)).label("examined"),
        *_after((_t.member_id, _t.partner_id, _t.kind), "member"),
        *_after((_t.partner_id, _t.kind, _t.terminal_id), "terminal"),
        *_after((_t.partner_id, _t.kind, _t.cashier_id), "cashier"),
        _mp.c.earns.label("member_earns"),
        _mp.c.earned_points.label("member_points"),
        _tr.c.earns.label("terminal_earns"),
        _tr.c.earned_points.label("terminal_points"),
        _cr.c.earns.label("cashier_earns"),
        _cr.c.earned_points.label("cashier_points"),
    )
    .select_from(
        _T.outerjoin(
            _mp, sa.and_(_mp.c.member_id == _t.member_id, _mp.c.partner_id == _t.partner_id)
        )
        .outerjoin(_tr, _till_join(_tr, TERMINAL, _t.terminal_id))
        .outerjoin(_cr, _till_join(_cr, CASHIER, _t.cashier_id))
    )
    .where(
        _COUNTED,
        _t.created_at >= _at("read_since"),
        _t.created_at <= _at("until"),
        sa.or_(
            _t.partner_id == sa.bindparam("partner_id"),
            _t.member_id.in_(sa.select(_examined.c.member_id)),
        ),
    )
    .order_by(_t.created_at.desc(), _t.id.desc())
    .limit(sa.bindparam("rows_limit", type_=sa.Integer()))
)
_f, _fr = fraud_flags.c, fraud_flag_rules.c
_RAISED = (
    sa.select(_fr.rule, sa.func.count().label("flags"))
    .select_from(fraud_flag_rules.join(fraud_flags, _f.id == _fr.flag_id))
    .where(_f.partner_id == sa.bindparam("partner_id"), _f.raised_at >= _at("since"))
    .group_by(_fr.rule)
)


def _before(total: Any, from_here: Any) -> int:
    # Earns from before the counters existed are not in them: never below none.
    return max(0, int(total or 0) - int(from_here or 0))


def _basket(row: Row) -> tuple[int, int]:
    for kind in ("terminal", "cashier"):
        if row[f"{kind}_earns"] is not None:
            return (
                _before(row[f"{kind}_earns"], row[f"{kind}_earns_on"]),
                _before(row[f"{kind}_points"], row[f"{kind}_points_on"]),
            )
    return 0, 0


def _location(row: Row) -> Location | None:
    if row["latitude"] is None or row["longitude"] is None:
        return None
    return Location(Decimal(row["latitude"]), Decimal(row["longitude"]))


def _past(row: Row) -> PastOperation:
    basket_earns, basket_points = _basket(row) if row["kind"] == "earn" else (0, 0)
    return PastOperation(
        transaction_id=row["id"],
        operation=_OPERATION[row["kind"]],
        partner_id=row["partner_id"],
        member_id=row["member_id"],
        points=int(row["points"]),
        at=row["created_at"],
        store_id=row["store_id"] or "",
        terminal_id=row["terminal_id"] or "",
        cashier_id=row["cashier_id"] or "",
        location=_location(row),
        examined=bool(row["examined"]),
        history_earns=_before(row["member_earns"], row["member_earns_on"]),
        history_points=_before(row["member_points"], row["member_points_on"]),
        basket_earns=basket_earns,
        basket_points=basket_points,
    )


def past_operations(
    sql: Sql,
    partner_id: str,
    *,
    since: datetime,
    read_since: datetime,
    until: datetime,
    operations_max: int,
    rows_max: int,
) -> PastOperations:
    """The partner's newest earns and holds from ``since`` (at most ``operations_max``) and
    their context from ``read_since``, newest first, at most ``rows_max`` rows."""
    rows = sql.rows(
        _PAST,
        {
            "partner_id": partner_id,
            "since": since,
            "read_since": read_since,
            "until": until,
            "operations_limit": operations_max + 1,
            "rows_limit": rows_max + 1,
        },
    )
    operations = [_past(row) for row in rows[:rows_max]]
    examined = sum(past.examined for past in operations)
    cut = examined > operations_max or len(rows) > rows_max
    if examined > operations_max:
        # The one beyond the cap only told that there were more: it stays as context only.
        oldest = min((p for p in operations if p.examined), key=lambda p: (p.at, p.transaction_id))
        operations[operations.index(oldest)] = replace(oldest, examined=False)
        examined -= 1
    return PastOperations(tuple(operations), examined, cut)


def raised_flags(sql: Sql, partner_id: str, since: datetime) -> dict[str, int]:
    """Flags recorded per rule at ``partner_id`` since ``since``."""
    rows = sql.rows(_RAISED, {"partner_id": partner_id, "since": since})
    return {row["rule"]: int(row["flags"]) for row in rows}
