"""Earns sent after the sale (tills' store-and-forward): the sale's time on the transaction,
and each partner's offline window, 72 h unless it sets its own (``hub.domain.offline``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OFFLINE_WINDOW_DEFAULT_S = 72 * 3600
"""Mirrored in ``hub.domain.limits``; a migration does not import the code it outlives."""


def upgrade() -> None:
    # Nullable, no default: adding it rewrites no row on PostgreSQL.
    op.add_column("transactions", sa.Column("purchased_at", UtcDateTime(), nullable=True))
    op.add_column(
        "partners",
        sa.Column(
            "offline_window_s",
            sa.Integer(),
            nullable=False,
            server_default=str(OFFLINE_WINDOW_DEFAULT_S),
        ),
    )


def downgrade() -> None:
    op.drop_column("partners", "offline_window_s")
    op.drop_column("transactions", "purchased_at")
