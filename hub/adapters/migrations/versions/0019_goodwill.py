"""Goodwill credits: a staff member's credit of points to a member, with its reason and funder,
requested and (above the four-eyes threshold) approved or rejected by another person.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goodwill_credits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("funder", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(160), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(160), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("points > 0", name="ck_goodwill_credits_points"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_goodwill_credits_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_goodwill_credits_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_goodwill_credits_transaction_id_transactions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_goodwill_credits"),
    )
    op.create_index(
        "ix_goodwill_credits_status_requested_at", "goodwill_credits", ["status", "requested_at"]
    )
    op.create_index("ix_goodwill_credits_member_id", "goodwill_credits", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_goodwill_credits_member_id", table_name="goodwill_credits")
    op.drop_index("ix_goodwill_credits_status_requested_at", table_name="goodwill_credits")
    op.drop_table("goodwill_credits")
