"""Member merges: which member absorbed which, the lots and identifiers it moved, and the
correcting unmerge (``hub.services.merge``).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_merges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("survivor_id", sa.Uuid(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("absorbed_id", sa.Uuid(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("merged_at", UtcDateTime(), nullable=False),
        sa.Column("merged_by", sa.String(160), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("debt_points", sa.BigInteger(), nullable=False),
        sa.Column("unmerged_at", UtcDateTime(), nullable=True),
        sa.Column("unmerged_by", sa.String(160), nullable=True),
        sa.Column("unmerge_reason", sa.Text(), nullable=True),
        sa.Column("unmerge_transaction_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_member_merges_absorbed_id", "member_merges", ["absorbed_id"])
    op.create_index("ix_member_merges_survivor_id", "member_merges", ["survivor_id"])
    op.create_table(
        "member_merge_lots",
        sa.Column("merge_id", sa.Uuid(), sa.ForeignKey("member_merges.id"), primary_key=True),
        sa.Column("lot_id", sa.Uuid(), sa.ForeignKey("lots.id"), primary_key=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "member_merge_identifiers",
        sa.Column("merge_id", sa.Uuid(), sa.ForeignKey("member_merges.id"), primary_key=True),
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("member_merge_identifiers")
    op.drop_table("member_merge_lots")
    op.drop_index("ix_member_merges_survivor_id", "member_merges")
    op.drop_index("ix_member_merges_absorbed_id", "member_merges")
    op.drop_table("member_merges")
