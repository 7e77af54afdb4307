"""Holds and their lot reservations, lot movements, burn rules, member debt accounts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.Uuid()
_NAMESPACE = uuid.UUID("6f1c7a0e-3b1d-4d36-9a57-1c0de5a1ed9e")  # as in hub.domain.accounts


def upgrade() -> None:
    _burn_rules()
    _holds()
    _lot_movements()
    op.create_index("ix_lots_status_available_at", "lots", ["status", "available_at"])
    op.create_index("ix_lots_status_expires_at", "lots", ["status", "expires_at"])
    _debt_accounts_for_existing_members()


def _burn_rules() -> None:
    columns = (
        sa.Column("hold_ttl_s", sa.Integer(), server_default="900", nullable=False),
        sa.Column("burn_min_points", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("burn_max_share", ExactDecimal(), server_default="1", nullable=False),
        sa.Column("burn_min_cash_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("burn_excluded_categories", sa.Text(), server_default="[]", nullable=False),
    )
    for column in columns:
        op.add_column("partners", column)


def _holds() -> None:
    op.create_table(
        "holds",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate_version_id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("captured_points", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("resolution_id", ID, nullable=True),
        sa.CheckConstraint(
            "0 <= captured_points AND captured_points <= points", name="ck_holds_captured"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_holds_member_id_members"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_holds_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["rate_version_id"],
            ["partner_rates.id"],
            name="fk_holds_rate_version_id_partner_rates",
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"], ["transactions.id"], name="fk_holds_resolution_id_transactions"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["transactions.id"], name="fk_holds_transaction_id_transactions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
    )
    op.create_index("ix_holds_member_id", "holds", ["member_id"])
    op.create_index("ix_holds_status_expires_at", "holds", ["status", "expires_at"])
    op.create_table(
        "hold_lots",
        sa.Column("hold_id", ID, nullable=False),
        sa.Column("lot_id", ID, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name="fk_hold_lots_hold_id_holds"),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name="fk_hold_lots_lot_id_lots"),
        sa.PrimaryKeyConstraint("hold_id", "lot_id", name="pk_hold_lots"),
    )


def _lot_movements() -> None:
    op.create_table(
        "lot_movements",
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("line", sa.SmallInteger(), nullable=False),
        sa.Column("lot_id", ID, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name="fk_lot_movements_lot_id_lots"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_lot_movements_transaction_id_transactions",
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line", name="pk_lot_movements"),
    )
    op.create_index("ix_lot_movements_lot_id", "lot_movements", ["lot_id"])
    # A lot's history is part of the ledger: append-only like the entries.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER lot_movements_append_only BEFORE UPDATE OR DELETE ON lot_movements "
            "FOR EACH ROW EXECUTE FUNCTION hub_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER lot_movements_no_{action.lower()} BEFORE {action} ON lot_movements "
            f"BEGIN SELECT RAISE(ABORT, "
            f"'the ledger is append-only: {action} on lot_movements is refused'); END"
        )


def _debt_accounts_for_existing_members() -> None:
    bind = op.get_bind()
    member_ids = bind.execute(sa.text("SELECT id FROM members")).scalars().all()
    accounts = sa.table(
        "accounts",
        sa.column("id", ID),
        sa.column("code", sa.String),
        sa.column("kind", sa.String),
        sa.column("member_id", ID),
    )
    rows = []
    for member_id in member_ids:
        member = member_id if isinstance(member_id, uuid.UUID) else uuid.UUID(str(member_id))
        code = f"member:{member}:debt"
        rows.append(
            {
                "id": uuid.uuid5(_NAMESPACE, code),
                "code": code,
                "kind": "member_debt",
                "member_id": member,
            }
        )
    if rows:
        op.bulk_insert(accounts, rows)


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE kind = 'member_debt'")
    op.drop_table("lot_movements")
    op.drop_table("hold_lots")
    op.drop_table("holds")
    op.drop_index("ix_lots_status_expires_at", "lots")
    op.drop_index("ix_lots_status_available_at", "lots")
    for column in (
        "burn_excluded_categories",
        "burn_min_cash_minor",
        "burn_max_share",
        "burn_min_points",
        "hold_ttl_s",
    ):
        op.drop_column("partners", column)
