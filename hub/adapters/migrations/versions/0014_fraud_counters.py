"""Fraud counters: the hot path's fraud facts from running counters, not a scan of the ledger.

``fraud_member_minutes`` holds a member's earns and holds per minute (and partner and
cashier), ``fraud_till_members`` each member's latest earn at a terminal or through a cashier.
Both are kept by the write of each earn and hold, and start empty: for the first hour (the
default windows) after the upgrade the rules see less activity than there was.
``ix_transactions_member_earns`` gives the member's latest earns (history, the latest earn at
another partner) newest first, ``ix_transactions_member_sightings`` its last till with a
location.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fraud_member_minutes",
        sa.Column("member_id", sa.Uuid(as_uuid=True), nullable=False),
        sa.Column("minute_start", UtcDateTime(), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("cashier_id", sa.String(64), nullable=False),
        sa.Column("earns", sa.BigInteger(), nullable=False),
        sa.Column("earned_points", sa.BigInteger(), nullable=False),
        sa.Column("holds", sa.BigInteger(), nullable=False),
        sa.Column("held_points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "member_id",
            "minute_start",
            "partner_id",
            "cashier_id",
            name="pk_fraud_member_minutes",
        ),
    )
    op.create_index(
        "ix_fraud_member_minutes_minute_start", "fraud_member_minutes", ["minute_start"]
    )
    op.create_table(
        "fraud_till_members",
        sa.Column("member_id", sa.Uuid(as_uuid=True), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("till_kind", sa.String(8), nullable=False),
        sa.Column("till_id", sa.String(64), nullable=False),
        sa.Column("last_earn_at", UtcDateTime(), nullable=False),
        # The member leads: a till's members are found only through ix_fraud_till_members_till.
        sa.PrimaryKeyConstraint(
            "member_id", "partner_id", "till_kind", "till_id", name="pk_fraud_till_members"
        ),
    )
    op.create_index(
        "ix_fraud_till_members_till",
        "fraud_till_members",
        ["partner_id", "till_kind", "till_id", "last_earn_at"],
    )
    op.create_index("ix_fraud_till_members_last_earn_at", "fraud_till_members", ["last_earn_at"])
    op.create_index(
        "ix_transactions_member_earns",
        "transactions",
        ["member_id", "created_at"],
        postgresql_where=sa.text("kind = 'earn'"),
        sqlite_where=sa.text("kind = 'earn'"),
    )
    op.create_index(
        "ix_transactions_member_sightings",
        "transactions",
        ["member_id", "created_at"],
        postgresql_where=sa.text("latitude IS NOT NULL"),
        sqlite_where=sa.text("latitude IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_transactions_member_sightings", table_name="transactions")
    op.drop_index("ix_transactions_member_earns", table_name="transactions")
    op.drop_table("fraud_till_members")
    op.drop_table("fraud_member_minutes")
