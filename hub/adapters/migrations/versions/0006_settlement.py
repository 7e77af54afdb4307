"""Settlement: runs, signed statements, outstanding points, partners' reports, exceptions,
the earn's issue price on each lot, and two indexes settlement reads by.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_RUN = "settlement_runs.business_date"
_REPORT = ["settlement_reports.business_date", "settlement_reports.partner_id"]


_HAS_RELATED = sa.text("related_id IS NOT NULL")
_PRICED_ELSEWHERE = sa.text("kind IN ('bonus', 'refund_earn', 'refund_redemption')")


def upgrade() -> None:
    op.add_column("lots", sa.Column("issue_price", ExactDecimal(), nullable=True))
    op.execute(
        "UPDATE lots SET issue_price = (SELECT t.issue_price FROM transactions t"
        " WHERE t.id = lots.earn_transaction_id)"
    )
    op.create_index(
        "ix_transactions_priced_elsewhere",
        "transactions",
        ["created_at"],
        postgresql_where=_PRICED_ELSEWHERE,
        sqlite_where=_PRICED_ELSEWHERE,
    )
    op.create_index(
        "ix_transactions_related_id",
        "transactions",
        ["related_id"],
        postgresql_where=_HAS_RELATED,
        sqlite_where=_HAS_RELATED,
    )
    op.create_table(
        "settlement_runs",
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("window_start", UtcDateTime(), nullable=True),
        sa.Column("window_end", UtcDateTime(), nullable=False, unique=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_at", UtcDateTime(), nullable=False),
        sa.Column("run_by", sa.String(160), nullable=False),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(160), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_signature", sa.LargeBinary(64), nullable=False),
        sa.Column("signing_key_id", sa.String(16), nullable=False),
    )
    op.create_table(
        "settlement_statements",
        sa.Column("business_date", sa.Date(), sa.ForeignKey(_RUN), primary_key=True),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("json_signature", sa.LargeBinary(64), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.Column("csv_signature", sa.LargeBinary(64), nullable=False),
    )
    op.create_table(
        "settlement_outstanding",
        sa.Column("business_date", sa.Date(), sa.ForeignKey(_RUN), primary_key=True),
        sa.Column("issuer_id", sa.String(32), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("issue_price", ExactDecimal(), primary_key=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "settlement_reports",
        sa.Column("business_date", sa.Date(), sa.ForeignKey(_RUN), primary_key=True),
        sa.Column("partner_id", sa.String(32), sa.ForeignKey("partners.id"), primary_key=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(160), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
    )
    op.create_table(
        "settlement_report_items",
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("partner_id", sa.String(32), primary_key=True),
        sa.Column("line", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["business_date", "partner_id"], _REPORT),
    )
    op.create_table(
        "settlement_exceptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("item_kind", sa.String(24), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("hub_points", sa.BigInteger(), nullable=True),
        sa.Column("partner_points", sa.BigInteger(), nullable=True),
        sa.Column("report_line", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(160), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["business_date", "partner_id"], _REPORT),
    )
    op.create_index(
        "ix_settlement_exceptions_business_date_status",
        "settlement_exceptions",
        ["business_date", "status"],
    )


def downgrade() -> None:
    op.drop_table("settlement_exceptions")
    op.drop_table("settlement_report_items")
    op.drop_table("settlement_reports")
    op.drop_table("settlement_outstanding")
    op.drop_table("settlement_statements")
    op.drop_table("settlement_runs")
    op.drop_index("ix_transactions_related_id", table_name="transactions")
    op.drop_index("ix_transactions_priced_elsewhere", table_name="transactions")
    op.drop_column("lots", "issue_price")
