"""When each settlement run started and finished, so operators see how long a night's run
took (``hub_settlement_run_duration_seconds`` on the ops port). Runs settled before this
migration have neither: their duration is unknown, not zero.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column works on SQLite as it is (nullable, no default): no table rebuild.
    op.add_column("settlement_runs", sa.Column("started_at", UtcDateTime(), nullable=True))
    op.add_column("settlement_runs", sa.Column("finished_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    # Not a batch: rebuilding the table on SQLite would drop it under its statements' keys.
    # SQLite drops a plain column in place since 3.35.
    for column in ("finished_at", "started_at"):
        op.execute(f"ALTER TABLE settlement_runs DROP COLUMN {column}")
