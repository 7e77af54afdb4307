"""Partners' settlement reports and the exceptions matching them against the ledger finds.

Matching is one ``INSERT ... SELECT``, the same on SQLite and PostgreSQL, over one set: the
report's lines and the hub's items, each marked with its side.

1. The hub's items of the partner that the run settled (stamped in its window, or late; not
   those committed after it read, which the next day settles: see ``settled``): its
   transactions of the reported kinds (``capture`` is reported as ``redemption``) with more
   than zero points. A refund of a few cents can reverse zero points; a partner cannot report
   it (its points must be positive), so the hub leaves it out too. A refund carries its
   original's order id (the earn's, or the hold's), as the partner knows it; one stored before
   refunds did takes it from the original.
2. A line with a transaction id pairs with the item of that id and kind (window: same id).
3. Lines without one pair with the items left that have an order id, by kind and order id;
   several on either side pair in order of points, then line (report) or time and id (hub)
   (window: ``ROW_NUMBER()``, then same kind, order id and rank).
4. Pairs whose points differ are ``amount_mismatch``, lines left ``missing_at_hub``, items left
   ``missing_at_partner``; all are recorded as open exceptions. A line is matched when paired
   with equal points, so the matched count is the lines less the exceptions naming a line.

Window functions rather than joins: their sorts cost the same whatever the planner estimates,
and its estimates are poor for lines inserted moments ago (a join plan chose nested loops and
took 30 s for 200,000 lines; this takes 6).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from hub.adapters.repositories.settled import (
    PREVIOUS,
    SAW_EVERYTHING,
    THIS_RUN,
    seen,
    settled_here,
    snapshot_params,
)
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    settlement_exceptions,
    settlement_report_items,
    settlement_reports,
    transactions,
)
from hub.adapters.types import UtcDateTime
from hub.domain.errors import ExceptionNotFound
from hub.domain.ledger import TransactionKind
from hub.services.ports.reconciliation import (
    AcceptanceRecord,
    ExceptionCounts,
    ExceptionCursor,
    ExceptionKind,
    ExceptionStatus,
    ExceptionTally,
    ReconciliationExceptionView,
    ReportRecord,
)
from settlement.model import BusinessDay, Snapshot
from settlement.reconciliation import ItemKind, ReportLine

LOAD_BATCH_LINES = 5000
"""Report lines sent to the database at once: memory stays bounded however long the report."""

_Column = sa.ColumnElement[Any]

# Not named after columns: an UPDATE reserves those names for its SET clause.
_DATE = sa.bindparam("key_date", type_=sa.Date())
_PARTNER = sa.bindparam("key_partner", type_=sa.String())
_WINDOW_START = sa.bindparam("start", type_=UtcDateTime())
_WINDOW_END = sa.bindparam("end", type_=UtcDateTime())
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
"""The window start of a first run, which settled everything before its end."""

_e = settlement_exceptions.c
_i = settlement_report_items.c
_r = settlement_reports.c
_t = transactions.c

_OPEN_EXCEPTIONS = sa.select(sa.func.count().label("open")).where(
    _e.business_date == _DATE, _e.status == ExceptionStatus.OPEN.value
)
_OF_REPORT = {
    table: (table.c.business_date == _DATE, table.c.partner_id == _PARTNER)
    for table in (settlement_exceptions, settlement_report_items, settlement_reports)
}
# Children first: the lines and exceptions refer to their report.
_DELETE_REPORT = tuple(
    sa.delete(table).where(*_OF_REPORT[table])
    for table in (settlement_exceptions, settlement_report_items, settlement_reports)
)
_INSERT_REPORT = settlement_reports.insert()
_INSERT_LINE = settlement_report_items.insert()
# PostgreSQL takes a batch as one statement of arrays: a row-by-row insert cost 6 s of a
# 200,000-line report's 10.
_BATCH = (
    sa.func.unnest(
        sa.cast(sa.bindparam("lines"), postgresql.ARRAY(sa.Integer)),
        sa.cast(sa.bindparam("kinds"), postgresql.ARRAY(sa.Text)),
        sa.cast(sa.bindparam("transaction_ids"), postgresql.ARRAY(sa.Uuid)),
        sa.cast(sa.bindparam("order_ids"), postgresql.ARRAY(sa.Text)),
        sa.cast(sa.bindparam("points"), postgresql.ARRAY(sa.BigInteger)),
    )
    .table_valued("line", "kind", "transaction_id", "order_id", "points")
    .render_derived(name="batch")
)
_INSERT_LINES_PG = settlement_report_items.insert().from_select(
    ["business_date", "partner_id", "line", "kind", "transaction_id", "order_id", "points"],
    sa.select(
        sa.bindparam("business_date", type_=sa.Date()),
        sa.bindparam("partner_id", type_=sa.String()),
        *(_BATCH.c[name] for name in ("line", "kind", "transaction_id", "order_id", "points")),
    ),
)
_SET_LINE_COUNT = (
    sa.update(settlement_reports)
    .where(*_OF_REPORT[settlement_reports])
    .values(line_count=sa.bindparam("b_line_count"))
)
_SET_MATCHED = (
    sa.update(settlement_reports)
    .where(*_OF_REPORT[settlement_reports])
    .values(
        matched=_r.line_count
        - sa.select(sa.func.count())
        .where(*_OF_REPORT[settlement_exceptions], _e.report_line.is_not(None))
        .scalar_subquery()
    )
    .returning(_r.matched)
)
_REPORTED = sa.select(_r.partner_id).where(_r.business_date == _DATE).order_by(_r.partner_id)
_OLDEST = sa.bindparam("oldest", type_=_r.business_date.type)
_NEWEST = sa.bindparam("newest", type_=_r.business_date.type)
_REPORTS = (
    sa.select(
        _r.business_date, _r.partner_id, _r.submitted_at, _r.submitted_by, _r.line_count, _r.matched
    )
    .where(_r.business_date.between(_OLDEST, _NEWEST))
    .order_by(_r.business_date, _r.partner_id)
)
_OPEN_COUNT = sa.func.count().filter(_e.status == ExceptionStatus.OPEN.value)
_ACCEPTED_COUNT = sa.func.count().filter(_e.status == ExceptionStatus.ACCEPTED.value)
_TALLIES = (
    sa.select(
        _e.business_date,
        _e.partner_id,
        _OPEN_COUNT.label("open"),
        _ACCEPTED_COUNT.label("accepted"),
    )
    .where(_e.business_date.between(_OLDEST, _NEWEST))
    .group_by(_e.business_date, _e.partner_id)
)
_ACCEPTANCES = (
    sa.select(
        _e.business_date,
        _e.accepted_by,
        sa.func.count().label("exceptions"),
        sa.func.max(_e.accepted_at).label("last_accepted_at"),
    )
    .where(
        _e.business_date.between(_OLDEST, _NEWEST),
        _e.status == ExceptionStatus.ACCEPTED.value,
    )
    .group_by(_e.business_date, _e.accepted_by)
    .order_by(_e.business_date, sa.func.count().desc(), _e.accepted_by)
)


# -- matching -------------------------------------------------------------------------------

_ITEM_KINDS = {
    TransactionKind.EARN: ItemKind.EARN,
    TransactionKind.CAPTURE: ItemKind.REDEMPTION,
    TransactionKind.REFUND_EARN: ItemKind.REFUND_EARN,
    TransactionKind.REFUND_REDEMPTION: ItemKind.REFUND_REDEMPTION,
    TransactionKind.BONUS: ItemKind.BONUS,
}
_related = transactions.alias("related")
_PARTNER_SIDE, _HUB_SIDE = "partner", "hub"


def _items() -> sa.Subquery:
    """The report's lines and the hub's items together, each marked with its side."""
    lines = sa.select(
        sa.literal(_PARTNER_SIDE).label("side"),
        _i.line,
        _i.kind,
        _i.transaction_id,
        _i.order_id,
        _i.points,
        sa.cast(sa.null(), UtcDateTime()).label("created_at"),
    ).where(*_OF_REPORT[settlement_report_items])
    settled = (
        settled_here(_t.created_at, _t.xid, _WINDOW_START, _WINDOW_END),
        seen(_t.xid, THIS_RUN),
    )
    hub_items = (
        sa.select(
            sa.literal(_HUB_SIDE).label("side"),
            sa.cast(sa.null(), sa.Integer).label("line"),
            sa.case(*((_t.kind == t.value, i.value) for t, i in _ITEM_KINDS.items())).label("kind"),
            _t.id.label("transaction_id"),
            sa.func.coalesce(_t.order_id, _related.c.order_id).label("order_id"),
            _t.points,
            _t.created_at,
        )
        .select_from(transactions.outerjoin(_related, _related.c.id == _t.related_id))
        .where(
            _t.partner_id == _PARTNER,
            *settled,
            sa.or_(*(_t.kind == kind.value for kind in _ITEM_KINDS)),
            _t.points > 0,
        )
    )
    return sa.union_all(lines, hub_items).subquery("items")


def _partner_points(items: sa.Subquery) -> sa.Function[Any]:
    return sa.func.max(sa.case((items.c.side == _PARTNER_SIDE, items.c.points)))


def _by_id(items: sa.Subquery) -> sa.Subquery:
    """``by_id`` 2: the line and the item of one transaction id and kind (ids are unique on
    each side), with the line's number and points on both rows."""
    same = (items.c.transaction_id, items.c.kind)
    by_id = sa.case(
        (items.c.transaction_id.is_(None), 0), else_=sa.func.count().over(partition_by=same)
    )
    return sa.select(
        *items.c,
        by_id.label("by_id"),
        _partner_points(items).over(partition_by=same).label("id_partner_points"),
        sa.func.max(items.c.line).over(partition_by=same).label("id_line"),
    ).subquery("by_id")


def _by_order(by_id: sa.Subquery) -> sa.Subquery:
    """Among the lines without an id and the items left by ``_by_id`` (with an order id), the
    n-th of a kind and order id on one side pairs with the n-th on the other, fewest points
    first: ``by_order`` 2, with the line's number and points on both rows."""
    c = by_id.c
    eligible = sa.case(
        (sa.and_(c.side == _HUB_SIDE, c.by_id == 1, c.order_id.is_not(None)), 1),
        (sa.and_(c.side == _PARTNER_SIDE, c.transaction_id.is_(None)), 1),
        else_=0,
    )
    rank = sa.func.row_number().over(
        partition_by=(eligible, c.side, c.kind, c.order_id),
        # Within a side, either line or (time, id) are all NULL.
        order_by=(c.points, c.line, c.created_at, c.transaction_id),
    )
    ranked = sa.select(*c, eligible.label("eligible"), rank.label("rank")).subquery("ranked")
    same = (ranked.c.eligible, ranked.c.kind, ranked.c.order_id, ranked.c.rank)
    return sa.select(
        *ranked.c,
        sa.func.count().over(partition_by=same).label("by_order"),
        _partner_points(ranked).over(partition_by=same).label("order_partner_points"),
        sa.func.max(ranked.c.line).over(partition_by=same).label("order_line"),
    ).subquery("by_order")


def _outcomes(paired: sa.Subquery) -> sa.Subquery:
    """Every row with what became of it; a pair's exception is told on its hub row."""
    c = paired.c
    is_hub, by_id, by_order = (
        c.side == _HUB_SIDE,
        c.by_id == 2,
        sa.and_(c.eligible == 1, c.by_order == 2),
    )
    outcome = sa.case(
        (
            sa.and_(is_hub, by_id, c.points != c.id_partner_points),
            ExceptionKind.AMOUNT_MISMATCH.value,
        ),
        (
            sa.and_(is_hub, by_order, c.points != c.order_partner_points),
            ExceptionKind.AMOUNT_MISMATCH.value,
        ),
        (sa.or_(by_id, by_order), sa.null()),
        (c.side == _PARTNER_SIDE, ExceptionKind.MISSING_AT_HUB.value),
        else_=ExceptionKind.MISSING_AT_PARTNER.value,
    )
    partner = sa.case(
        (~is_hub, c.points), (by_id, c.id_partner_points), (by_order, c.order_partner_points)
    )
    line = sa.case((~is_hub, c.line), (by_id, c.id_line), (by_order, c.order_line))
    return sa.select(
        outcome.label("outcome"),
        c.kind,
        c.transaction_id,
        c.order_id,
        sa.case((is_hub, c.points)).label("hub_points"),
        partner.label("partner_points"),
        line.label("report_line"),
    ).subquery("outcomes")


_EXCEPTION_COLUMNS = (
    "id",
    "business_date",
    "partner_id",
    "kind",
    "item_kind",
    "transaction_id",
    "order_id",
    "hub_points",
    "partner_points",
    "report_line",
    "status",
)
# A fresh random (version 4) UUID per row, computed by each store: on SQLite, where UUIDs are
# stored as 32 hex digits, from random bytes with the version and variant digits set.
_NEW_ID = {
    "postgresql": sa.func.gen_random_uuid(),
    "sqlite": sa.literal_column(
        "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2)"
        " || hex(randomblob(6)))"
    ),
}


def _match(new_id: _Column) -> sa.Insert:
    outcomes = _outcomes(_by_order(_by_id(_items())))
    o = outcomes.c
    exceptions = sa.select(
        new_id,
        _DATE,
        _PARTNER,
        o.outcome,
        o.kind,
        o.transaction_id,
        o.order_id,
        o.hub_points,
        o.partner_points,
        o.report_line,
        sa.literal(ExceptionStatus.OPEN.value),
    ).where(o.outcome.is_not(None))
    return settlement_exceptions.insert().from_select(_EXCEPTION_COLUMNS, exceptions)


# Built once per store.
_MATCH = {dialect: _match(new_id) for dialect, new_id in _NEW_ID.items()}


# -- reading --------------------------------------------------------------------------------


_LINE_KEY = sa.func.coalesce(_e.report_line, 0)
_ORDER_KEY = sa.func.coalesce(_e.order_id, "")
# The listing's order, unique thanks to the id: a page starts after its cursor's row.
_LISTING_ORDER = (_e.partner_id, _e.kind, _LINE_KEY, _e.item_kind, _ORDER_KEY, _e.id)
_AFTER = sa.tuple_(*_LISTING_ORDER) > sa.tuple_(
    sa.bindparam("after_partner", type_=sa.String()),
    sa.bindparam("after_kind", type_=sa.String()),
    sa.bindparam("after_line", type_=sa.Integer()),
    sa.bindparam("after_item", type_=sa.String()),
    sa.bindparam("after_order", type_=sa.String()),
    sa.bindparam("after_id", type_=settlement_exceptions.c.id.type),
)


def _filtered(statement: Any, *, by_partner: bool, open_only: bool, by_kind: bool = False) -> Any:
    statement = statement.where(_e.business_date == _DATE)
    if by_partner:
        statement = statement.where(_e.partner_id == _PARTNER)
    if open_only:
        statement = statement.where(_e.status == ExceptionStatus.OPEN.value)
    if by_kind:
        statement = statement.where(_e.kind == sa.bindparam("key_kind", type_=sa.String()))
    return statement


_FILTERS = [(p, o, k) for p in (False, True) for o in (False, True) for k in (False, True)]


def _exceptions_statement(
    *, by_partner: bool, open_only: bool, by_kind: bool, after: bool
) -> sa.Select[tuple[object]]:
    statement = _filtered(
        sa.select(settlement_exceptions),
        by_partner=by_partner,
        open_only=open_only,
        by_kind=by_kind,
    )
    if after:
        statement = statement.where(_AFTER)
    return statement.order_by(*_LISTING_ORDER).limit(sa.bindparam("limit"))  # type: ignore[no-any-return]


_EXCEPTIONS = {
    (p, o, k, a): _exceptions_statement(by_partner=p, open_only=o, by_kind=k, after=a)
    for p, o, k in _FILTERS
    for a in (False, True)
}
_COUNTS = {
    (p, o, k): _filtered(
        sa.select(_e.kind, sa.func.count().label("exceptions")).group_by(_e.kind),
        by_partner=p,
        open_only=o,
        by_kind=k,
    )
    for p, o, k in _FILTERS
}


def _accept_all(*, by_partner: bool, by_kind: bool) -> sa.Update:
    statement = _filtered(
        sa.update(settlement_exceptions), by_partner=by_partner, open_only=True, by_kind=by_kind
    )
    return statement.values(  # type: ignore[no-any-return]
        status=ExceptionStatus.ACCEPTED.value,
        accepted_at=sa.bindparam("b_at", type_=UtcDateTime()),
        accepted_by=sa.bindparam("b_by"),
        note=sa.bindparam("b_note"),
    )


_ACCEPT_ALL = {
    (p, k): _accept_all(by_partner=p, by_kind=k) for p in (False, True) for k in (False, True)
}
_GET_EXCEPTION = sa.select(settlement_exceptions).where(_e.id == sa.bindparam("exception_id"))
_ACCEPT = (
    sa.update(settlement_exceptions)
    .where(_e.id == sa.bindparam("b_id"))
    .values(
        status=ExceptionStatus.ACCEPTED.value,
        accepted_at=sa.bindparam("b_at", type_=UtcDateTime()),
        accepted_by=sa.bindparam("b_by"),
        note=sa.bindparam("b_note"),
    )
)


def _exception_from_row(row: Row) -> ReconciliationExceptionView:
    return ReconciliationExceptionView(
        id=row["id"],
        business_date=row["business_date"],
        partner_id=row["partner_id"],
        kind=ExceptionKind(row["kind"]),
        item_kind=row["item_kind"],
        transaction_id=row["transaction_id"],
        order_id=row["order_id"],
        hub_points=row["hub_points"],
        partner_points=row["partner_points"],
        report_line=row["report_line"],
        status=ExceptionStatus(row["status"]),
        accepted_at=row["accepted_at"],
        accepted_by=row["accepted_by"],
        note=row["note"],
    )


def _line_rows(
    business_date: date, partner_id: str, lines: Iterable[ReportLine]
) -> Iterator[dict[str, object]]:
    for line in lines:
        yield {
            "business_date": business_date,
            "partner_id": partner_id,
            "line": line.line,
            "kind": line.kind.value,
            "transaction_id": line.transaction_id,
            "order_id": line.order_id,
            "points": line.points,
        }


def _line_arrays(
    business_date: date, partner_id: str, lines: Sequence[ReportLine]
) -> dict[str, object]:
    return {
        "business_date": business_date,
        "partner_id": partner_id,
        "lines": [line.line for line in lines],
        "kinds": [line.kind.value for line in lines],
        "transaction_ids": [line.transaction_id for line in lines],
        "order_ids": [line.order_id for line in lines],
        "points": [line.points for line in lines],
    }


def _filter_params(
    business_date: date, partner_id: str | None, kind: ExceptionKind | None
) -> dict[str, object]:
    params: dict[str, object] = {"key_date": business_date}
    if partner_id is not None:
        params["key_partner"] = partner_id
    if kind is not None:
        params["key_kind"] = kind.value
    return params


class SqlReconciliationRepository:
    """See ``hub.services.ports.reconciliation.ReconciliationRepository``."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def open_exceptions(self, business_date: date) -> int:
        row = self._sql.first(_OPEN_EXCEPTIONS, {"key_date": business_date})
        return int(row["open"]) if row else 0

    def replace_report(
        self,
        business_date: date,
        partner_id: str,
        lines: Iterable[ReportLine],
        *,
        submitted_by: str,
        submitted_at: datetime,
        sha256: bytes,
    ) -> int:
        key = {"key_date": business_date, "key_partner": partner_id}
        for delete in _DELETE_REPORT:
            self._sql.execute(delete, key)
        report = {
            "business_date": business_date,
            "partner_id": partner_id,
            "submitted_at": submitted_at,
            "submitted_by": submitted_by,
            "sha256": sha256,
        }
        self._sql.execute(_INSERT_REPORT, {**report, "line_count": 0, "matched": 0})
        pending, count = iter(lines), 0
        while batch := list(islice(pending, LOAD_BATCH_LINES)):
            self._load(business_date, partner_id, batch)
            count += len(batch)
        self._sql.execute(_SET_LINE_COUNT, {**key, "b_line_count": count})
        return count

    def _load(self, business_date: date, partner_id: str, batch: Sequence[ReportLine]) -> None:
        if self._sql.dialect == "postgresql":
            self._sql.execute(_INSERT_LINES_PG, _line_arrays(business_date, partner_id, batch))
        else:
            self._sql.defer(_INSERT_LINE, list(_line_rows(business_date, partner_id, batch)))
            self._sql.flush()

    def match(self, partner_id: str, day: BusinessDay, seen_by_run: Snapshot) -> int:
        params: dict[str, object] = {
            "key_date": day.business_date,
            "key_partner": partner_id,
            "start": day.start or _BEGINNING,
            "end": day.end,
            **snapshot_params(PREVIOUS, day.seen_before if day.start else SAW_EVERYTHING),
            **snapshot_params(THIS_RUN, seen_by_run),
        }
        self._sql.execute(_MATCH[self._sql.dialect], params)
        key = {"key_date": day.business_date, "key_partner": partner_id}
        row = self._sql.first(_SET_MATCHED, key)
        return int(row["matched"]) if row else 0

    def exceptions(
        self,
        business_date: date,
        partner_id: str | None,
        *,
        include_accepted: bool,
        limit: int,
        after: ExceptionCursor | None = None,
        kind: ExceptionKind | None = None,
    ) -> Sequence[ReconciliationExceptionView]:
        key = (partner_id is not None, not include_accepted, kind is not None, after is not None)
        statement = _EXCEPTIONS[key]
        params = {**_filter_params(business_date, partner_id, kind), "limit": limit}
        if after is not None:
            params.update(
                after_partner=after.partner_id,
                after_kind=after.kind,
                after_line=after.report_line,
                after_item=after.item_kind,
                after_order=after.order_id,
                after_id=after.exception_id,
            )
        return [_exception_from_row(row) for row in self._sql.rows(statement, params)]

    def counts(
        self,
        business_date: date,
        partner_id: str | None,
        *,
        include_accepted: bool,
        kind: ExceptionKind | None = None,
    ) -> ExceptionCounts:
        statement = _COUNTS[partner_id is not None, not include_accepted, kind is not None]
        params = _filter_params(business_date, partner_id, kind)
        found = {row["kind"]: int(row["exceptions"]) for row in self._sql.rows(statement, params)}
        return ExceptionCounts(**{kind.value: found.get(kind.value, 0) for kind in ExceptionKind})

    def accept_all(
        self,
        business_date: date,
        partner_id: str | None,
        kind: ExceptionKind | None,
        *,
        accepted_by: str,
        at: datetime,
        note: str,
    ) -> int:
        statement = _ACCEPT_ALL[partner_id is not None, kind is not None]
        params = _filter_params(business_date, partner_id, kind)
        params.update(b_at=at, b_by=accepted_by, b_note=note)
        return self._sql.execute(statement, params)

    def exception(self, exception_id: uuid.UUID) -> ReconciliationExceptionView:
        row = self._sql.first(_GET_EXCEPTION, {"exception_id": exception_id})
        if row is None:
            raise ExceptionNotFound(f"no reconciliation exception {exception_id}")
        return _exception_from_row(row)

    def accept(self, exception_id: uuid.UUID, accepted_by: str, at: datetime, note: str) -> None:
        params = {"b_id": exception_id, "b_at": at, "b_by": accepted_by, "b_note": note}
        self._sql.execute(_ACCEPT, params)

    def reported_partners(self, business_date: date) -> Sequence[str]:
        return [row["partner_id"] for row in self._sql.rows(_REPORTED, {"key_date": business_date})]

    def reports(self, newest: date, oldest: date) -> Sequence[ReportRecord]:
        rows = self._sql.rows(_REPORTS, {"newest": newest, "oldest": oldest})
        return [ReportRecord(**row) for row in rows]

    def tallies(self, newest: date, oldest: date) -> Sequence[ExceptionTally]:
        rows = self._sql.rows(_TALLIES, {"newest": newest, "oldest": oldest})
        return [
            ExceptionTally(
                row["business_date"], row["partner_id"], int(row["open"]), int(row["accepted"])
            )
            for row in rows
        ]

    def acceptances(self, newest: date, oldest: date) -> Sequence[AcceptanceRecord]:
        rows = self._sql.rows(_ACCEPTANCES, {"newest": newest, "oldest": oldest})
        return [
            AcceptanceRecord(
                row["business_date"],
                row["accepted_by"],
                int(row["exceptions"]),
                row["last_accepted_at"],
            )
            for row in rows
        ]
