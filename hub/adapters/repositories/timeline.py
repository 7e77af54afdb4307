"""A member's timeline in SQL: one statement per kind of entry, each reading at most a page of
that kind past the cursor, newest first, from the member's index of that table.

The cursor is (at, kind, id), newest first; for one kind of entry the rows past it are those
before ``at``, or at ``at`` with an id below a bound: the cursor's own id for its kind, every
id for a kind ranked before it, none for a kind ranked after. So each statement has one
shape, whatever the cursor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from hub.adapters.repositories.holds import hold_from_row
from hub.adapters.repositories.lots import lot_from_row
from hub.adapters.repositories.partners import RATE_COLUMNS
from hub.adapters.repositories.review_rows import (
    account_transaction,
    action_from_row,
    flag_from_row,
)
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import fraud_actions, fraud_flags, holds, lots, partner_rates, transactions
from hub.adapters.types import UtcDateTime
from hub.services.ports.reviews import (
    TIMELINE_RANKS,
    TimelineCursor,
    TimelineEntry,
    TimelineItem,
    TimelineKind,
)

_FIRST_PAGE_AT = datetime(9999, 12, 31, tzinfo=UTC)
_EVERY_ID, _NO_ID = uuid.UUID(int=(1 << 128) - 1), uuid.UUID(int=0)


def _past_cursor(
    statement: sa.Select[tuple[object, ...]],
    at: sa.ColumnElement[datetime],
    entry_id: sa.ColumnElement[uuid.UUID],
    member_id: sa.ColumnElement[uuid.UUID],
) -> sa.Select[tuple[object, ...]]:
    before = sa.bindparam("before", type_=UtcDateTime())
    below = sa.bindparam("below", type_=sa.Uuid())
    return (
        statement.where(
            member_id == sa.bindparam("member_id"),
            sa.or_(at < before, sa.and_(at == before, entry_id < below)),
        )
        .order_by(at.desc(), entry_id.desc())
        .limit(sa.bindparam("limit"))
    )


_t, _l, _h, _f, _a = transactions.c, lots.c, holds.c, fraud_flags.c, fraud_actions.c
TRANSACTION_COLUMNS = (
    # What staff see of a member's transaction, in the account view and the timeline alike.
    _t.id,
    _t.kind,
    _t.created_at,
    _t.partner_id,
    _t.points,
    _t.order_id,
    _t.purchase_amount_minor,
    _t.purchase_currency,
    _t.channel,
    _t.store_id,
    _t.terminal_id,
    _t.cashier_id,
    _t.latitude,
    _t.longitude,
    _t.related_id,
)
_HOLDS = sa.select(
    *(column for column in holds.c if column.name != "burn_value"),
    _h.burn_value.label("hold_burn_value"),
    *RATE_COLUMNS,
).join(partner_rates, partner_rates.c.id == _h.rate_version_id)

_Reader = tuple[sa.Select[tuple[object, ...]], str, Callable[[Row], TimelineItem]]
_READERS: dict[TimelineKind, _Reader] = {
    TimelineKind.TRANSACTION: (
        _past_cursor(sa.select(*TRANSACTION_COLUMNS), _t.created_at, _t.id, _t.member_id),
        "created_at",
        account_transaction,
    ),
    TimelineKind.LOT: (
        _past_cursor(sa.select(lots), _l.created_at, _l.id, _l.member_id),
        "created_at",
        lot_from_row,
    ),
    TimelineKind.HOLD: (
        _past_cursor(_HOLDS, _h.created_at, _h.id, _h.member_id),
        "created_at",
        hold_from_row,
    ),
    TimelineKind.FLAG: (
        _past_cursor(sa.select(fraud_flags), _f.raised_at, _f.id, _f.member_id),
        "raised_at",
        flag_from_row,
    ),
    TimelineKind.ACTION: (
        _past_cursor(sa.select(fraud_actions), _a.at, _a.id, _a.member_id),
        "at",
        action_from_row,
    ),
}


def _bound(kind: TimelineKind, after: TimelineCursor) -> uuid.UUID:
    """The id below which entries of ``kind`` at the cursor's time come after it."""
    if kind is after.kind:
        return after.entry_id
    return _EVERY_ID if TIMELINE_RANKS[kind] < TIMELINE_RANKS[after.kind] else _NO_ID


def timeline(
    sql: Sql, member_id: uuid.UUID, after: TimelineCursor | None, limit: int
) -> list[TimelineEntry]:
    pending = {}
    for kind, (statement, _, _) in _READERS.items():
        params = {
            "member_id": member_id,
            "before": after.at if after else _FIRST_PAGE_AT,
            "below": _bound(kind, after) if after else _EVERY_ID,
            "limit": limit,
        }
        pending[kind] = sql.later(statement, params)
    return [
        TimelineEntry(row[at_column], kind, row["id"], to_item(row))
        for kind, (_, at_column, to_item) in _READERS.items()
        for row in pending[kind]()
    ]
