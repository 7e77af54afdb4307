"""Drop the transactions' terminal and cashier indexes: no read uses them since the fraud
checks count a till's members in ``fraud_till_members`` (0014), and every earn paid to keep
them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_transactions_cashier", table_name="transactions")
    op.drop_index("ix_transactions_terminal", table_name="transactions")


def downgrade() -> None:
    for name, column in (
        ("ix_transactions_terminal", "terminal_id"),
        ("ix_transactions_cashier", "cashier_id"),
    ):
        op.create_index(
            name,
            "transactions",
            ["partner_id", column, "created_at"],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
        )
