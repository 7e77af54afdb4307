"""Fraud baselines kept by the write of each earn: a member's earns at each partner (their
usual basket there), and each terminal's and cashier's hourly rate, busiest hours and usual
basket (``hub.adapters.repositories.fraud_counters``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The hour and week of the tills' filled rows: long closed, with no earns in them."""
_transactions = sa.table(
    "transactions",
    sa.column("kind"),
    sa.column("member_id"),
    sa.column("partner_id"),
    sa.column("points"),
    sa.column("terminal_id"),
    sa.column("cashier_id"),
)
_t = _transactions.c
_EARN = _t.kind == "earn"


def upgrade() -> None:
    op.create_table(
        "fraud_member_partners",
        sa.Column("member_id", sa.Uuid(as_uuid=True), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("earns", sa.BigInteger(), nullable=False),
        sa.Column("earned_points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "partner_id", name="pk_fraud_member_partners"),
    )
    op.create_table(
        "fraud_till_rates",
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("till_kind", sa.String(8), nullable=False),
        sa.Column("till_id", sa.String(64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("hour_start", UtcDateTime(), nullable=False),
        sa.Column("hour_earns", sa.BigInteger(), nullable=False),
        sa.Column("previous_hour_start", UtcDateTime(), nullable=False),
        sa.Column("previous_hour_earns", sa.BigInteger(), nullable=False),
        sa.Column("week_start", UtcDateTime(), nullable=False),
        sa.Column("peak_earns", sa.BigInteger(), nullable=False),
        sa.Column("previous_peak_earns", sa.BigInteger(), nullable=False),
        sa.Column("earns", sa.BigInteger(), nullable=False),
        sa.Column("earned_points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partner_id", "till_kind", "till_id", "shard", name="pk_fraud_till_rates"
        ),
    )
    _fill_member_partners()
    for kind, till in (("terminal", _t.terminal_id), ("cashier", _t.cashier_id)):
        _fill_tills(kind, till)


def _fill_member_partners() -> None:
    target = sa.table(
        "fraud_member_partners",
        *(sa.column(name) for name in ("member_id", "partner_id", "earns", "earned_points")),
    )
    earns = (
        sa.select(_t.member_id, _t.partner_id, sa.func.count(), sa.func.sum(_t.points))
        .where(_EARN, _t.member_id.is_not(None), _t.partner_id.is_not(None))
        .group_by(_t.member_id, _t.partner_id)
    )
    op.execute(target.insert().from_select(list(target.c.keys()), earns))


def _fill_tills(kind: str, till: sa.ColumnClause[str]) -> None:
    names = (
        "partner_id",
        "till_kind",
        "till_id",
        "shard",
        "hour_start",
        "hour_earns",
        "previous_hour_start",
        "previous_hour_earns",
        "week_start",
        "peak_earns",
        "previous_peak_earns",
        "earns",
        "earned_points",
    )
    target = sa.table("fraud_till_rates", *(sa.column(name) for name in names))
    epoch = sa.literal(EPOCH, UtcDateTime())
    none = sa.literal(0, sa.BigInteger())
    earns = (
        sa.select(
            _t.partner_id,
            sa.literal(kind, sa.String(8)),
            till,
            sa.literal(0, sa.SmallInteger()),
            epoch,
            none,
            epoch,
            none,
            epoch,
            none,
            none,
            sa.func.count(),
            sa.func.sum(_t.points),
        )
        .where(_EARN, _t.partner_id.is_not(None), till.is_not(None), till != "")
        .group_by(_t.partner_id, till)
    )
    op.execute(target.insert().from_select(list(names), earns))


def downgrade() -> None:
    op.drop_table("fraud_till_rates")
    op.drop_table("fraud_member_partners")
