"""Settlement runs, statements and outstanding points, and the set-based sums a run reads.

A run reads its day with five grouped statements; the database does the work and returns
one row per partner, kind and price (a few dozen rows, whatever the day's volume). A day's rows
are those stamped in its window and those stamped before it that the previous run's snapshot
did not see (late; see ``settled``): the window through the ``created_at`` index, the late
ones through the ``xid`` index (rows since the previous run), combined by the planner in one
bitmap scan. Then:

- transactions: points earned (and credited for goodwill) per partner and issue price; points
  redeemed per partner (captures minus refunds of captures); a count;
- bonuses and refunds of earns, through a partial index, priced from elsewhere;
- lot movements: points leaving or returning to lots, per issuing partner (the lot's), issue
  price, kind and, for redemptions, redeeming partner and redemption price: the matrix,
  breakage, annulments and reversals; each movement carries these keys, its transaction's
  stamp and ``xid`` (written at posting), so the day's movements are read alone;
- lots created in the window, per issuer and issue price (the outstanding liability);
- refunds in the window of earns or captures from before it (the adjustments statements list);
- the late operations themselves, which statements list with their own stamps.

Prices come from the transactions themselves: an earn's own ``issue_price``, a capture's
``redemption_price`` (a refund of either uses its original's); a bonus, which stores no rate,
uses the partner's issue price in force when it was granted. Lots carry their earn's issue
price, and movements their lot's and, for redemptions, their hold's redemption price, so
tracing a redemption to its issuer reads the movement alone. Lots and movements are indexed by
stamp and ``xid`` (BRIN on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.selectable import NamedFromClause

from hub.adapters.repositories.settled import (
    PREVIOUS,
    SAW_EVERYTHING,
    running_from,
    running_text,
    seen,
    settled_here,
    snapshot_params,
    unseen,
)
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    lot_movements,
    lots,
    partner_rates,
    partners,
    settlement_outstanding,
    settlement_runs,
    settlement_statements,
    transactions,
)
from hub.domain.ledger import TransactionKind
from hub.domain.lots import MovementKind
from hub.domain.money import Rounding
from hub.domain.rates import canonical
from hub.domain.rules import Funder
from hub.services.ports.settlement import Progress, RunRecord, StoredRun, StoredStatement
from settlement.model import (
    AdjustmentLine,
    BusinessDay,
    IssueGroup,
    LateLine,
    LotFlow,
    LotFlowGroup,
    OutstandingGroup,
    RedemptionGroup,
    SettlementInputs,
    Snapshot,
)

BATCH_WORK_MEM = "64MB"
"""PostgreSQL memory per hash or sort of a run: bounded, whatever the day's volume."""
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
"""The window start of a first run, which settles everything before its end."""

_t = transactions.alias("t")
_original = transactions.alias("original")
_capture = transactions.alias("capture")


def _in_window(table: NamedFromClause) -> sa.ColumnElement[bool]:
    """Settled by this run: stamped in its window, or before it and late (see ``settled``)."""
    return settled_here(table.c.created_at, table.c.xid, sa.bindparam("start"), sa.bindparam("end"))


def _issue_price_in_force(at: NamedFromClause) -> sa.ScalarSelect[Any]:
    """The issuing partner's issue price in force at ``at``'s time (bonuses store none)."""
    return (
        sa.select(partner_rates.c.issue_price)
        .where(
            partner_rates.c.partner_id == at.c.partner_id,
            partner_rates.c.effective_from <= at.c.created_at,
        )
        .order_by(partner_rates.c.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )


def _kind_in(table: NamedFromClause, *kinds: str) -> sa.ColumnElement[bool]:
    """``kind IN (...)`` with the kinds written into the SQL: a partial index on kinds is used
    only when the planner sees the values (they are our own constants, never input)."""
    return table.c.kind.in_([sa.literal_column(f"'{kind}'") for kind in kinds])


# Plain columns only, so that the database hashes the day into a few dozen groups.
_TRANSACTION_SUMS = (
    sa.select(
        _t.c.partner_id,
        _t.c.kind,
        _t.c.issue_price,
        sa.func.count().label("transactions"),
        sa.func.sum(_t.c.points).label("points"),
        sa.func.sum(_t.c.coalition_funded_points).label("coalition_points"),
    )
    .where(_in_window(_t))
    .group_by(_t.c.partner_id, _t.c.kind, _t.c.issue_price)
)

_PRICED_ELSEWHERE = (TransactionKind.BONUS.value, TransactionKind.REFUND_EARN.value)
_REFUNDED_EARN_PRICE = (
    sa.select(_original.c.issue_price).where(_original.c.id == _t.c.related_id).scalar_subquery()
)
_ELSEWHERE_PRICE = sa.case(
    (_t.c.kind == TransactionKind.REFUND_EARN.value, _REFUNDED_EARN_PRICE),
    else_=sa.func.coalesce(_t.c.issue_price, _issue_price_in_force(_t)),
)
# Bonuses and refunds of earns, through their partial index: a few rows, each priced by one
# lookup (the refunded earn's price, or the rate a bonus was granted under).
_PRICED_ELSEWHERE_SUMS = (
    sa.select(
        _t.c.partner_id,
        _t.c.kind,
        _ELSEWHERE_PRICE.label("issue_price"),
        sa.func.sum(_t.c.points).label("points"),
        sa.func.sum(_t.c.coalition_funded_points).label("coalition_points"),
    )
    .where(_in_window(_t), _kind_in(_t, *_PRICED_ELSEWHERE))
    .group_by(_t.c.partner_id, _t.c.kind, _ELSEWHERE_PRICE)
)

_m, _lot, _bonus_lot = lot_movements.alias("m"), lots.alias("lot"), lots.alias("bonus_lot")
# The day's movements alone: each carries its settlement keys, written when it was posted.
# The inner sums group by plain columns, so the database hashes them into a few dozen
# groups; a bonus's lot keeps its own group and is priced by the outer query, over those few.
_MOVEMENT_GROUPS = (
    sa.select(
        _m.c.issuer_id,
        _m.c.issue_price,
        sa.case((_m.c.issue_price.is_(None), _m.c.lot_id)).label("bonus_lot_id"),
        _m.c.kind,
        _m.c.redeemer_id,
        _m.c.redemption_price,
        sa.func.sum(_m.c.points).label("points"),
    )
    .where(settled_here(_m.c.posted_at, _m.c.xid, sa.bindparam("start"), sa.bindparam("end")))
    .group_by(*(sa.literal_column(str(n)) for n in range(1, 7)))
    .subquery("movement_groups")
)


def _bonus_lot_price(lot_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The issue price in force when a bonus's lot was created (bonuses store no rate)."""
    return (
        sa.select(partner_rates.c.issue_price)
        .select_from(_bonus_lot)
        .where(
            _bonus_lot.c.id == lot_id,
            partner_rates.c.partner_id == _bonus_lot.c.partner_id,
            partner_rates.c.effective_from <= _bonus_lot.c.created_at,
        )
        .order_by(partner_rates.c.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )


_g = _MOVEMENT_GROUPS.c
_GROUP_ISSUE_PRICE = sa.func.coalesce(_g.issue_price, _bonus_lot_price(_g.bonus_lot_id))
_MOVEMENT_SUMS = sa.select(
    _g.issuer_id,
    _GROUP_ISSUE_PRICE.label("issue_price"),
    _g.kind,
    _g.redeemer_id,
    _g.redemption_price,
    sa.func.sum(_g.points).label("points"),
).group_by(_g.issuer_id, _GROUP_ISSUE_PRICE, _g.kind, _g.redeemer_id, _g.redemption_price)

_NEW_LOT_GROUPS = (
    sa.select(
        _lot.c.partner_id.label("issuer_id"),
        _lot.c.issue_price,
        sa.case((_lot.c.issue_price.is_(None), _lot.c.id)).label("bonus_lot_id"),
        sa.func.sum(_lot.c.points).label("points"),
    )
    .where(_in_window(_lot))
    .group_by(sa.literal_column("1"), sa.literal_column("2"), sa.literal_column("3"))
    .subquery("new_lot_groups")
)
_n = _NEW_LOT_GROUPS.c
_NEW_LOT_PRICE = sa.func.coalesce(_n.issue_price, _bonus_lot_price(_n.bonus_lot_id))
_NEW_LOTS = sa.select(
    _n.issuer_id, _NEW_LOT_PRICE.label("issue_price"), sa.func.sum(_n.points).label("points")
).group_by(_n.issuer_id, _NEW_LOT_PRICE)

# Refunds of earns, and of captures, made before the window: adjustments to a settled day.
_REFUNDED_AT = sa.case(
    (_t.c.kind == TransactionKind.REFUND_EARN.value, _original.c.created_at),
    else_=_capture.c.created_at,
)
_REFUNDED_XID = sa.case(
    (_t.c.kind == TransactionKind.REFUND_EARN.value, _original.c.xid),
    else_=_capture.c.xid,
)
_REFUNDED_PRICE = sa.case(
    (_t.c.kind == TransactionKind.REFUND_EARN.value, _original.c.issue_price),
    else_=_capture.c.redemption_price,
)
_ADJUSTMENTS = (
    sa.select(
        _t.c.partner_id,
        _t.c.kind,
        _t.c.id.label("transaction_id"),
        _t.c.related_id,
        _t.c.points,
        _REFUNDED_AT.label("related_at"),
        _REFUNDED_PRICE.label("price"),
        sa.func.coalesce(_t.c.order_id, _original.c.order_id).label("order_id"),
    )
    .select_from(
        _t.join(_original, _original.c.id == _t.c.related_id).outerjoin(
            _capture,
            sa.and_(
                _capture.c.related_id == _t.c.related_id,
                _capture.c.kind == TransactionKind.CAPTURE.value,
                _t.c.kind == TransactionKind.REFUND_REDEMPTION.value,
            ),
        )
    )
    .where(
        _in_window(_t),
        _kind_in(_t, TransactionKind.REFUND_EARN.value, TransactionKind.REFUND_REDEMPTION.value),
        _REFUNDED_AT < sa.bindparam("start"),  # noqa: SIM300 (a column, not a constant)
        # Settled by an earlier run, not late in this one with its refund.
        seen(_REFUNDED_XID, PREVIOUS),
    )
    .order_by(_t.c.partner_id, _REFUNDED_AT, _t.c.id)
)


def _bigint(xid8: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    # xid8 has no cast to bigint, only through its text.
    return sa.cast(sa.cast(xid8, sa.Text), sa.BigInteger)


# Operations of the partners stamped before the window that the previous run did not see.
_LATE = (
    sa.select(
        _t.c.partner_id,
        _t.c.kind,
        _t.c.id.label("transaction_id"),
        sa.func.coalesce(_t.c.order_id, _original.c.order_id).label("order_id"),
        _t.c.created_at,
        _t.c.points,
    )
    .select_from(_t.outerjoin(_original, _original.c.id == _t.c.related_id))
    .where(
        _t.c.created_at < sa.bindparam("start"),
        unseen(_t.c.xid, PREVIOUS),
        _t.c.partner_id.is_not(None),
    )
    .order_by(_t.c.partner_id, _t.c.created_at, _t.c.id)
)
# The snapshot the run reads under, as transaction ids; on SQLite, whose writers are
# serialised and number their rows in commit order, every row yet to come is above the last.
_PG_SNAPSHOT = sa.func.pg_current_snapshot()  # one snapshot, however often a statement asks
_NEXT_ROW = sa.func.coalesce(sa.func.max(transactions.c.xid), 0) + 1
_SNAPSHOT = {
    "postgresql": sa.select(
        _bigint(sa.func.pg_snapshot_xmin(_PG_SNAPSHOT)).label("xmin"),
        _bigint(sa.func.pg_snapshot_xmax(_PG_SNAPSHOT)).label("xmax"),
        sa.func.array_to_string(
            sa.func.array(sa.select(sa.func.pg_snapshot_xip(_PG_SNAPSHOT)).scalar_subquery()),
            ",",
        ).label("running"),
    ),
    "sqlite": sa.select(
        _NEXT_ROW.label("xmin"), _NEXT_ROW.label("xmax"), sa.literal("").label("running")
    ),
}

# For this transaction only: JIT compilation cost more than the run's few hash aggregates
# (1 s of 1.3 s at 2 million entries), and hashing a day in memory beats spilling to disk.
_BATCH_SETTINGS = sa.select(
    sa.func.set_config("jit", "off", True),
    sa.func.set_config("work_mem", BATCH_WORK_MEM, True),
)
_ROUNDINGS = sa.select(partners.c.id, partners.c.rounding).order_by(partners.c.id)
_RUN = sa.select(settlement_runs).where(
    settlement_runs.c.business_date == sa.bindparam("business_date")
)
_RUN_FOR_UPDATE = _RUN.with_for_update()
_LATEST_RUN = sa.select(settlement_runs).order_by(settlement_runs.c.business_date.desc()).limit(1)
_OUTSTANDING = sa.select(settlement_outstanding).where(
    settlement_outstanding.c.business_date == sa.bindparam("business_date")
)
_STATEMENT = sa.select(settlement_statements).where(
    settlement_statements.c.business_date == sa.bindparam("business_date"),
    settlement_statements.c.partner_id == sa.bindparam("partner_id"),
)
_runs = settlement_runs.c
_IN_DAYS = (
    sa.bindparam("oldest", type_=_runs.business_date.type),
    sa.bindparam("newest", type_=_runs.business_date.type),
)
_FIRST_SETTLED = sa.select(sa.func.min(_runs.business_date).label("first"))
_RUN_RECORDS = (
    sa.select(
        _runs.business_date,
        _runs.status,
        _runs.run_at,
        _runs.run_by,
        _runs.approved_at,
        _runs.approved_by,
        _runs.approval_note,
        _runs.started_at,
        _runs.finished_at,
    )
    .where(_runs.business_date.between(*_IN_DAYS))
    .order_by(_runs.business_date.desc())
)
_SETTLED_PARTNERS = (
    sa.select(settlement_statements.c.business_date, settlement_statements.c.partner_id)
    .where(settlement_statements.c.business_date.between(*_IN_DAYS))
    .order_by(settlement_statements.c.business_date, settlement_statements.c.partner_id)
)
_INSERT_RUN = settlement_runs.insert()
_INSERT_STATEMENT = settlement_statements.insert()
_INSERT_OUTSTANDING = settlement_outstanding.insert()
_APPROVE = (
    settlement_runs.update()
    .where(settlement_runs.c.business_date == sa.bindparam("key_date"))
    .values(
        status="approved",
        approved_by=sa.bindparam("approved_by"),
        approved_at=sa.bindparam("approved_at"),
        approval_note=sa.bindparam("approval_note"),
    )
)

_FLOWS = {
    MovementKind.REDEMPTION.value: LotFlow.REDEEMED,
    MovementKind.EXPIRY.value: LotFlow.EXPIRED,
    MovementKind.REVERSAL.value: LotFlow.REVERSED,
    MovementKind.ANNULMENT.value: LotFlow.ANNULLED,
    # Paying a refund's debt out of a lot finishes that refund's reversal.
    MovementKind.DEBT_PAYMENT.value: LotFlow.REVERSED,
}


class SqlSettlementRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def run(self, business_date: date, *, for_update: bool = False) -> StoredRun | None:
        row = self._sql.first(
            _RUN_FOR_UPDATE if for_update else _RUN, {"business_date": business_date}
        )
        return _stored_run(row) if row else None

    def latest_run(self) -> StoredRun | None:
        row = self._sql.first(_LATEST_RUN)
        return _stored_run(row) if row else None

    def roundings(self) -> dict[str, Rounding]:
        return {row["id"]: Rounding(row["rounding"]) for row in self._sql.rows(_ROUNDINGS)}

    def snapshot(self) -> Snapshot:
        (row,) = self._sql.rows(_SNAPSHOT[self._sql.dialect])
        return Snapshot(int(row["xmin"]), int(row["xmax"]), running_from(row["running"]))

    def inputs(
        self, day: BusinessDay, previous: Sequence[OutstandingGroup], progress: Progress
    ) -> SettlementInputs:
        window = {
            "start": day.start or _BEGINNING,
            "end": day.end,
            **snapshot_params(PREVIOUS, day.seen_before if day.start else SAW_EVERYTHING),
        }
        if self._sql.dialect == "postgresql":
            self._sql.rows(_BATCH_SETTINGS)
        progress("summing the day's transactions")
        sums = self._sql.rows(_TRANSACTION_SUMS, window)
        priced_elsewhere = self._sql.rows(_PRICED_ELSEWHERE_SUMS, window)
        progress("tracing redeemed points to their issuers' lots")
        movements = self._sql.rows(_MOVEMENT_SUMS, window)
        progress("counting new lots")
        new_lots = self._sql.rows(_NEW_LOTS, window)
        progress("listing adjustments to settled days")
        adjustments = self._sql.rows(_ADJUSTMENTS, window) if day.start else []
        progress("listing operations settled late")
        late = self._sql.rows(_LATE, window) if day.start else []
        return SettlementInputs(
            day=day,
            issues=tuple(
                group for row in (*_issues(sums), *priced_elsewhere) for group in _issue_groups(row)
            ),
            redemptions=tuple(_redemption(row) for row in movements if row["redeemer_id"]),
            lot_flows=(
                *(_lot_flow(row) for row in movements),
                *(
                    LotFlowGroup(
                        row["issuer_id"],
                        _price(row["issue_price"]),
                        LotFlow.CREATED,
                        _int(row["points"]),
                    )
                    for row in new_lots
                ),
            ),
            redeemed_points=_redeemed_points(sums),
            previous_outstanding=tuple(previous),
            adjustments=tuple(_adjustment(row) for row in adjustments),
            transaction_count=sum(_int(row["transactions"]) for row in sums),
            late=tuple(_late(row) for row in late),
        )

    def outstanding(self, business_date: date) -> Sequence[OutstandingGroup]:
        rows = self._sql.rows(_OUTSTANDING, {"business_date": business_date})
        return [
            OutstandingGroup(row["issuer_id"], _price(row["issue_price"]), _int(row["points"]))
            for row in rows
        ]

    def add_run(
        self,
        run: StoredRun,
        statements: Sequence[StoredStatement],
        outstanding: Sequence[OutstandingGroup],
    ) -> None:
        self._sql.defer(_INSERT_RUN, [_run_row(run)])
        self._sql.defer(
            _INSERT_STATEMENT,
            [
                {
                    "business_date": run.business_date,
                    "partner_id": s.partner_id,
                    "json": s.json.decode(),
                    "json_signature": s.json_signature,
                    "csv": s.csv.decode(),
                    "csv_signature": s.csv_signature,
                }
                for s in statements
            ],
        )
        self._sql.defer(
            _INSERT_OUTSTANDING,
            [
                {
                    "business_date": run.business_date,
                    "issuer_id": g.issuer_id,
                    "issue_price": g.issue_price,
                    "points": g.points,
                }
                for g in outstanding
            ],
        )

    def statement(self, business_date: date, partner_id: str) -> StoredStatement | None:
        row = self._sql.first(
            _STATEMENT, {"business_date": business_date, "partner_id": partner_id}
        )
        if row is None:
            return None
        return StoredStatement(
            partner_id=row["partner_id"],
            json=row["json"].encode(),
            json_signature=bytes(row["json_signature"]),
            csv=row["csv"].encode(),
            csv_signature=bytes(row["csv_signature"]),
        )

    def first_settled_day(self) -> date | None:
        row = self._sql.first(_FIRST_SETTLED)
        return row["first"] if row else None

    def run_records(self, newest: date, oldest: date) -> Sequence[RunRecord]:
        rows = self._sql.rows(_RUN_RECORDS, {"newest": newest, "oldest": oldest})
        return [RunRecord(**row) for row in rows]

    def settled_partners(self, newest: date, oldest: date) -> Mapping[date, Sequence[str]]:
        settled: dict[date, list[str]] = {}
        for row in self._sql.rows(_SETTLED_PARTNERS, {"newest": newest, "oldest": oldest}):
            settled.setdefault(row["business_date"], []).append(row["partner_id"])
        return settled

    def approve(self, business_date: date, approved_by: str, at: datetime, note: str) -> None:
        self._sql.execute(
            _APPROVE,
            {
                "key_date": business_date,
                "approved_by": approved_by,
                "approved_at": at,
                "approval_note": note,
            },
        )


def _int(value: Any) -> int:
    # SUM comes back as Decimal from PostgreSQL's NUMERIC sum of BIGINTs.
    return int(value or 0)


def _price(value: Any) -> Decimal:
    return canonical(Decimal(value))


# Issues that store the rates they were priced at: earns, and goodwill credits (at the issuer's
# issue price in force when posted; the coalition-funded part is not billed to the partner).
_PRICED_ISSUES = (TransactionKind.EARN.value, TransactionKind.GOODWILL.value)


def _issues(sums: Sequence[Row]) -> list[Row]:
    return [row for row in sums if row["kind"] in _PRICED_ISSUES]


def _issue_groups(row: Row) -> list[IssueGroup]:
    kind = row["kind"]
    sign = -1 if kind == TransactionKind.REFUND_EARN.value else 1
    points, coalition = _int(row["points"]), _int(row["coalition_points"])
    price = _price(row["issue_price"])
    return [
        IssueGroup(row["partner_id"], Funder.PARTNER, price, sign * (points - coalition)),
        IssueGroup(row["partner_id"], Funder.COALITION, price, sign * coalition),
    ]


def _redeemed_points(sums: Sequence[Row]) -> dict[str, int]:
    redeemed: dict[str, int] = {}
    signs = {TransactionKind.CAPTURE.value: 1, TransactionKind.REFUND_REDEMPTION.value: -1}
    for row in sums:
        if sign := signs.get(row["kind"], 0):
            partner = row["partner_id"]
            redeemed[partner] = redeemed.get(partner, 0) + sign * _int(row["points"])
    return redeemed


def _redemption(row: Row) -> RedemptionGroup:
    # A capture takes points out of lots (negative movements): redeemed points are positive.
    return RedemptionGroup(
        issuer_id=row["issuer_id"],
        redeemer_id=row["redeemer_id"],
        issue_price=_price(row["issue_price"]),
        redemption_price=_price(row["redemption_price"]),
        points=-_int(row["points"]),
    )


def _lot_flow(row: Row) -> LotFlowGroup:
    return LotFlowGroup(
        row["issuer_id"], _price(row["issue_price"]), _FLOWS[row["kind"]], _int(row["points"])
    )


def _adjustment(row: Row) -> AdjustmentLine:
    return AdjustmentLine(
        partner_id=row["partner_id"],
        kind=row["kind"],
        transaction_id=row["transaction_id"],
        related_id=row["related_id"],
        related_at=_utc(row["related_at"]),
        points=-_int(row["points"]),
        price=_price(row["price"]),
        order_id=row["order_id"],
    )


def _late(row: Row) -> LateLine:
    return LateLine(
        partner_id=row["partner_id"],
        kind=row["kind"],
        transaction_id=row["transaction_id"],
        order_id=row["order_id"],
        created_at=_utc(row["created_at"]),
        points=_int(row["points"]),
    )


def _utc(value: datetime | str) -> datetime:
    # A CASE of two timestamp columns loses the column type's conversion on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored_run(row: Row) -> StoredRun:
    return StoredRun(
        business_date=row["business_date"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        currency=row["currency"],
        status=row["status"],
        run_at=row["run_at"],
        run_by=row["run_by"],
        approved_at=row["approved_at"],
        approved_by=row["approved_by"],
        summary=row["summary"].encode(),
        summary_signature=bytes(row["summary_signature"]),
        signing_key_id=row["signing_key_id"],
        snapshot=Snapshot(
            row["snapshot_xmin"], row["snapshot_xmax"], running_from(row["snapshot_running"])
        ),
        approval_note=row["approval_note"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _run_row(run: StoredRun) -> dict[str, Any]:
    return {
        "business_date": run.business_date,
        "window_start": run.window_start,
        "window_end": run.window_end,
        "currency": run.currency,
        "status": run.status,
        "run_at": run.run_at,
        "run_by": run.run_by,
        "approved_at": run.approved_at,
        "approved_by": run.approved_by,
        "approval_note": None,
        "summary": run.summary.decode(),
        "summary_signature": run.summary_signature,
        "signing_key_id": run.signing_key_id,
        "snapshot_xmin": run.snapshot.xmin,
        "snapshot_xmax": run.snapshot.xmax,
        "snapshot_running": running_text(run.snapshot.running),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
