"""Partners: the earn rounding mode, per-category burn shares; earns record their rounding.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column works on SQLite as it is (no constraint changes, a constant default).
    op.add_column(
        "partners",
        sa.Column("earn_rounding", sa.String(16), server_default="down", nullable=False),
    )
    op.add_column(
        "partners",
        sa.Column("burn_category_shares", sa.Text(), server_default="{}", nullable=False),
    )
    # Earns before this revision were all rounded down; NULL is read as such.
    op.add_column("transactions", sa.Column("earn_rounding", sa.String(16), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later have it): a batch copy of `transactions` would
    # lose its append-only triggers.
    op.drop_column("transactions", "earn_rounding")
    op.drop_column("partners", "burn_category_shares")
    op.drop_column("partners", "earn_rounding")
