"""The analysts' queue in SQL: flags with their hold and purchase, groups of open flags,
the open flags a bulk resolution locks, masked identifiers and id prefixes.

Reads of several members or groups are sent one statement each with ``Sql.later``: on
PostgreSQL they travel in one round trip, and each statement stays fixed (no IN list whose
length changes the SQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.repositories.review_rows import flag_from_row
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    fraud_flag_rules,
    fraud_flags,
    holds,
    member_identifiers,
    members,
    transactions,
)
from hub.adapters.types import UtcDateTime
from hub.domain.currencies import currency
from hub.domain.errors import FlagNotFound
from hub.domain.flags import FlagStatus
from hub.domain.holds import OPEN_HOLD_STATUSES, HoldStatus
from hub.domain.members import IdentifierKind
from hub.domain.money import Money
from hub.domain.short_ids import IdKind
from hub.services.ports.reviews import (
    FlagCursor,
    FlagGroup,
    FlagSelection,
    GroupBy,
    MaskedIdentifier,
    QueuedFlag,
)

FINGERPRINT_DIGITS = 4
"""Hex digits of an identifier's digest a mask shows: enough to tell a member's cards apart."""

_f, _h, _t, _r = fraud_flags.c, holds.c, transactions.c, fraud_flag_rules.c
_OPEN = _f.status == FlagStatus.OPEN.value
_HOLD_OPEN = sa.or_(*(_h.status == status.value for status in OPEN_HOLD_STATUSES))

_QUEUE_BASE = (
    sa.select(
        fraud_flags,
        _h.status.label("hold_status"),
        _h.expires_at.label("hold_expires_at"),
        _t.purchase_amount_minor,
        _t.purchase_currency,
    )
    .select_from(fraud_flags)
    .outerjoin(holds, _h.id == _f.hold_id)
    .outerjoin(transactions, _t.id == _f.transaction_id)
)


def flag_page_statement(
    base: sa.Select[tuple[object]], *, by_status: bool, by_member: bool, after: bool
) -> sa.Select[tuple[object]]:
    """``base`` (a select over ``fraud_flags``) filtered as asked, in queue order (highest
    score, then oldest), after a cursor, limited; the queue and an account's flags share it."""
    statement = base
    if by_status:
        statement = statement.where(_f.status == sa.bindparam("status"))
    if by_member:
        statement = statement.where(_f.member_id == sa.bindparam("member_id"))
    if after:
        score = sa.bindparam("cursor_score", type_=sa.Integer())
        at = sa.bindparam("cursor_at", type_=UtcDateTime())
        flag_id = sa.bindparam("cursor_id", type_=sa.Uuid())
        statement = statement.where(
            sa.or_(
                _f.score < score,
                sa.and_(
                    _f.score == score,
                    sa.or_(_f.raised_at > at, sa.and_(_f.raised_at == at, _f.id > flag_id)),
                ),
            )
        )
    return statement.order_by(_f.score.desc(), _f.raised_at, _f.id).limit(sa.bindparam("limit"))


# Built once per combination of filters: each statement object is compiled once.
_QUEUE_PAGES = {
    (s, m, a): flag_page_statement(_QUEUE_BASE, by_status=s, by_member=m, after=a)
    for s in (False, True)
    for m in (False, True)
    for a in (False, True)
}
_QUEUED = _QUEUE_BASE.where(_f.id == sa.bindparam("flag_id"))


def _expiring_statement(*, by_member: bool) -> sa.Select[tuple[object]]:
    statement = _QUEUE_BASE.where(
        _OPEN,
        _HOLD_OPEN,
        _h.expires_at > sa.bindparam("now", type_=UtcDateTime()),
        _h.expires_at <= sa.bindparam("until", type_=UtcDateTime()),
    )
    if by_member:
        statement = statement.where(_f.member_id == sa.bindparam("member_id"))
    return statement.order_by(_h.expires_at, _f.id).limit(sa.bindparam("limit"))


_EXPIRING = {m: _expiring_statement(by_member=m) for m in (False, True)}


def expiring(
    sql: Sql, member_id: uuid.UUID | None, now: datetime, until: datetime, limit: int
) -> list[QueuedFlag]:
    params: dict[str, object] = {"now": now, "until": until, "limit": limit}
    if member_id is not None:
        params["member_id"] = member_id
    return [_queued(row) for row in sql.rows(_EXPIRING[member_id is not None], params)]


def queue(
    sql: Sql,
    status: FlagStatus | None,
    member_id: uuid.UUID | None,
    after: FlagCursor | None,
    limit: int,
) -> list[QueuedFlag]:
    statement = _QUEUE_PAGES[(status is not None, member_id is not None, after is not None)]
    params: dict[str, object] = {"limit": limit}
    if status is not None:
        params["status"] = status.value
    if member_id is not None:
        params["member_id"] = member_id
    if after is not None:
        params |= {
            "cursor_score": after.score,
            "cursor_at": after.raised_at,
            "cursor_id": after.flag_id,
        }
    return [_queued(row) for row in sql.rows(statement, params)]


def queued(sql: Sql, flag_id: uuid.UUID) -> QueuedFlag:
    row = sql.first(_QUEUED, {"flag_id": flag_id})
    if row is None:
        raise FlagNotFound(f"no flag {flag_id}", field="flag_id")
    return _queued(row)


def _queued(row: Row) -> QueuedFlag:
    purchase = None
    if row["purchase_amount_minor"] is not None:
        purchase = Money(row["purchase_amount_minor"], currency(row["purchase_currency"]))
    hold_status = HoldStatus(row["hold_status"]) if row["hold_status"] else None
    return QueuedFlag(
        flag_from_row(row),
        hold_status,
        row["hold_expires_at"],
        purchase,
    )


# -- masked identifiers -----------------------------------------------------------------------

_IDENTIFIERS = (
    sa.select(member_identifiers.c.kind, member_identifiers.c.digest)
    .where(member_identifiers.c.member_id == sa.bindparam("member_id"))
    .order_by(
        sa.case((member_identifiers.c.kind == IdentifierKind.CARD.value, 0), else_=1),
        member_identifiers.c.created_at,
        member_identifiers.c.digest,
    )
)


def masked_identifiers(
    sql: Sql, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[MaskedIdentifier, ...]]:
    pending = {member: sql.later(_IDENTIFIERS, {"member_id": member}) for member in member_ids}
    return {
        member: tuple(
            MaskedIdentifier(
                IdentifierKind(row["kind"]), bytes(row["digest"]).hex()[-FINGERPRINT_DIGITS:]
            )
            for row in found()
        )
        for member, found in pending.items()
    }


# -- groups -----------------------------------------------------------------------------------


def _group_statement(
    key: sa.ColumnElement[object], source: sa.FromClause
) -> sa.Select[tuple[object, ...]]:
    score_max, newest = sa.func.max(_f.score), sa.func.max(_f.raised_at)
    return (
        sa.select(
            key.label("key"),
            sa.func.count().label("open_flags"),
            score_max.label("score_max"),
            newest.label("newest_raised_at"),
            sa.func.min(_f.raised_at).label("oldest_raised_at"),
            sa.func.coalesce(sa.func.sum(_f.points), 0).label("points"),
            sa.func.min(sa.case((_HOLD_OPEN, _h.expires_at))).label("hold_expires_at"),
        )
        .select_from(source.outerjoin(holds, _h.id == _f.hold_id))
        .where(_OPEN)
        .group_by(key)
        .order_by(score_max.desc(), newest.desc(), key)
        .limit(sa.bindparam("limit"))
    )


_BY_RULE_SOURCE = fraud_flag_rules.join(fraud_flags, _f.id == _r.flag_id)
_GROUPS = {
    GroupBy.MEMBER: _group_statement(_f.member_id, fraud_flags),
    GroupBy.RULE: _group_statement(_r.rule, _BY_RULE_SOURCE),
}
_GROUP_PARTNERS = {
    GroupBy.MEMBER: sa.select(_f.partner_id)
    .distinct()
    .where(_OPEN, _f.member_id == sa.bindparam("key", type_=sa.Uuid()))
    .order_by(_f.partner_id),
    GroupBy.RULE: sa.select(_f.partner_id)
    .distinct()
    .select_from(_BY_RULE_SOURCE)
    .where(_OPEN, _r.rule == sa.bindparam("key", type_=sa.String()))
    .order_by(_f.partner_id),
}


def flag_groups(sql: Sql, by: GroupBy, limit: int) -> list[FlagGroup]:
    rows = sql.rows(_GROUPS[by], {"limit": limit})
    partners = [sql.later(_GROUP_PARTNERS[by], {"key": row["key"]}) for row in rows]
    masked = masked_identifiers(sql, [row["key"] for row in rows]) if by is GroupBy.MEMBER else {}
    return [
        FlagGroup(
            key=str(row["key"]),
            open_flags=int(row["open_flags"]),
            score_max=int(row["score_max"]),
            newest_raised_at=row["newest_raised_at"],
            oldest_raised_at=row["oldest_raised_at"],
            points=int(row["points"]),
            hold_expires_at=row["hold_expires_at"],
            partner_ids=tuple(str(found["partner_id"]) for found in partners_of()),
            identifiers=masked.get(row["key"], ()),
        )
        for row, partners_of in zip(rows, partners, strict=True)
    ]


# -- bulk resolution --------------------------------------------------------------------------

_UNTIL = _f.raised_at <= sa.bindparam("until", type_=UtcDateTime())
_OPEN_OF = {
    "member": sa.select(fraud_flags).where(
        _OPEN, _UNTIL, _f.member_id == sa.bindparam("member_id")
    ),
    "rule": sa.select(fraud_flags).where(
        _OPEN,
        _UNTIL,
        sa.exists().where(_r.flag_id == _f.id, _r.rule == sa.bindparam("rule")),
    ),
}
_OPEN_OF_FOR_UPDATE = {
    name: statement.order_by(_f.raised_at, _f.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(of=fraud_flags)
    for name, statement in _OPEN_OF.items()
}


def open_flags_for_update(sql: Sql, selection: FlagSelection, limit: int) -> Sequence[Row]:
    params: dict[str, object] = {"until": selection.raised_until, "limit": limit}
    if selection.member_id is not None:
        return sql.rows(_OPEN_OF_FOR_UPDATE["member"], {**params, "member_id": selection.member_id})
    return sql.rows(_OPEN_OF_FOR_UPDATE["rule"], {**params, "rule": selection.rule})


# -- id prefixes ------------------------------------------------------------------------------


def _in_range(table: sa.Table) -> sa.Select[tuple[uuid.UUID]]:
    return (
        sa.select(table.c.id)
        .where(
            table.c.id >= sa.bindparam("low", type_=sa.Uuid()),
            table.c.id <= sa.bindparam("high", type_=sa.Uuid()),
        )
        .order_by(table.c.id)
        .limit(sa.bindparam("limit"))
    )


_PREFIXED = {
    IdKind.FLAG: _in_range(fraud_flags),
    IdKind.MEMBER: _in_range(members),
    IdKind.HOLD: _in_range(holds),
}


def ids_with_prefix(
    sql: Sql, kind: IdKind, low: uuid.UUID, high: uuid.UUID, limit: int
) -> list[uuid.UUID]:
    rows = sql.rows(_PREFIXED[kind], {"low": low, "high": high, "limit": limit})
    return [row["id"] for row in rows]
