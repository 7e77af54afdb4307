"""Refunds by receipt line: what each refund returned of each line, and tier drops.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column of nullable columns works on SQLite as it is. Refunds before this revision
    # returned no lines (their earns kept no per-line points): NULL.
    op.add_column("transactions", sa.Column("returned_lines", sa.Text(), nullable=True))
    op.add_column("transactions", sa.Column("tier_before", sa.String(32), nullable=True))
    op.add_column("transactions", sa.Column("tier_after", sa.String(32), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN: a batch copy of ``transactions`` would lose its append-only triggers.
    for column in ("tier_after", "tier_before", "returned_lines"):
        op.drop_column("transactions", column)
