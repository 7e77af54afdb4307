"""Holds: one open hold per partner and order.

A partial unique index on the open holds of (partner_id, order_id): a till re-authorizing an
order with a fresh key gets DUPLICATE_ORDER instead of holding the points twice, even when the
two authorizations race. A second index finds an order's holds, open or not, for get_hold by
order id.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_OPEN_HOLD = "status IN ('pending', 'in_review')"


def upgrade() -> None:
    _refuse_duplicate_open_holds()
    op.create_index(
        "uq_holds_open_order",
        "holds",
        ["partner_id", "order_id"],
        unique=True,
        postgresql_where=sa.text(_OPEN_HOLD),
        sqlite_where=sa.text(_OPEN_HOLD),
    )
    op.create_index(
        "ix_holds_partner_id_order_id", "holds", ["partner_id", "order_id", "created_at"]
    )


def _refuse_duplicate_open_holds() -> None:
    """Stop with the orders to settle by hand: which of two open holds for one order is the
    real one is the till's to say (void the other), not a migration's to guess."""
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT partner_id, order_id, count(*) AS holds FROM holds"
                " WHERE status IN ('pending', 'in_review')"
                " GROUP BY partner_id, order_id HAVING count(*) > 1 ORDER BY partner_id, order_id"
            )
        )
        .all()
    )
    if duplicates:
        listed = ", ".join(f"{row.partner_id}/{row.order_id} ({row.holds})" for row in duplicates)
        raise RuntimeError(
            "orders with more than one open hold must be settled first (void all but one, or "
            f"let them expire and run `hub sweep`), then migrate again: {listed}"
        )


def downgrade() -> None:
    op.drop_index("ix_holds_partner_id_order_id", table_name="holds")
    op.drop_index("uq_holds_open_order", table_name="holds")
