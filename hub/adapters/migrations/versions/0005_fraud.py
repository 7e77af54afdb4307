"""Fraud checks: flags, analysts' actions, member links, store locations, till indexes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NOT_NULL_TERMINAL = sa.text("terminal_id IS NOT NULL")
_NOT_NULL_CASHIER = sa.text("cashier_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("transactions", sa.Column("latitude", ExactDecimal(), nullable=True))
    op.add_column("transactions", sa.Column("longitude", ExactDecimal(), nullable=True))
    op.create_index(
        "ix_transactions_terminal",
        "transactions",
        ["partner_id", "terminal_id", "created_at"],
        postgresql_where=_NOT_NULL_TERMINAL,
        sqlite_where=_NOT_NULL_TERMINAL,
    )
    op.create_index(
        "ix_transactions_cashier",
        "transactions",
        ["partner_id", "cashier_id", "created_at"],
        postgresql_where=_NOT_NULL_CASHIER,
        sqlite_where=_NOT_NULL_CASHIER,
    )
    op.create_table(
        "member_links",
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_links_member_id_members"
        ),
        sa.PrimaryKeyConstraint("digest", "member_id", "kind", name="pk_member_links"),
    )
    op.create_index("ix_member_links_member_id", "member_links", ["member_id"])
    op.create_table(
        "fraud_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("verdicts", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(160), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(160), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_fraud_flags_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_fraud_flags_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_fraud_flags_transaction_id_transactions",
        ),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name="fk_fraud_flags_hold_id_holds"),
        sa.PrimaryKeyConstraint("id", name="pk_fraud_flags"),
        sa.UniqueConstraint("dedupe_key", name="uq_fraud_flags_dedupe_key"),
    )
    op.create_index("ix_fraud_flags_status_score", "fraud_flags", ["status", "score", "raised_at"])
    op.create_index("ix_fraud_flags_member_id_raised_at", "fraud_flags", ["member_id", "raised_at"])
    op.create_index("ix_fraud_flags_raised_at", "fraud_flags", ["raised_at"])
    op.create_table(
        "fraud_flag_rules",
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["fraud_flags.id"], name="fk_fraud_flag_rules_flag_id_fraud_flags"
        ),
        sa.PrimaryKeyConstraint("flag_id", "rule", name="pk_fraud_flag_rules"),
    )
    op.create_table(
        "fraud_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=True),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_fraud_actions_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["fraud_flags.id"], name="fk_fraud_actions_flag_id_fraud_flags"
        ),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name="fk_fraud_actions_hold_id_holds"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name="fk_fraud_actions_transaction_id_transactions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fraud_actions"),
    )
    op.create_index("ix_fraud_actions_member_id_at", "fraud_actions", ["member_id", "at"])
    op.create_index("ix_fraud_actions_at", "fraud_actions", ["at"])


def downgrade() -> None:
    op.drop_table("fraud_actions")
    op.drop_table("fraud_flag_rules")
    op.drop_table("fraud_flags")
    op.drop_table("member_links")
    op.drop_index("ix_transactions_cashier", table_name="transactions")
    op.drop_index("ix_transactions_terminal", table_name="transactions")
    op.drop_column("transactions", "longitude")
    op.drop_column("transactions", "latitude")
