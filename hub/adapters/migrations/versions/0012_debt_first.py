"""Debt first: every credit to a member's available points pays debt.

No schema change: a debt paid out of a lot is a lot movement of the new kind ``debt_payment``,
which the existing ``lot_movements.kind`` column (a string of up to 16 characters) holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
