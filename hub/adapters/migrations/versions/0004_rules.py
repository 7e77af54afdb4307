"""Earning rules: versioned rules, campaign budgets, member tiers, stored breakdowns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("tier", sa.String(32), nullable=True))
    op.add_column("members", sa.Column("tier_since", UtcDateTime(), nullable=True))
    op.create_index("ix_members_tier", "members", ["tier"])
    op.add_column("transactions", sa.Column("breakdown", sa.Text(), nullable=True))
    op.add_column(
        "transactions",
        sa.Column("coalition_funded_points", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column("transactions", sa.Column("event", sa.String(32), nullable=True))
    op.add_column("transactions", sa.Column("rule_id", sa.String(64), nullable=True))
    op.add_column("holds", sa.Column("burn_value", ExactDecimal(), nullable=True))
    op.create_table(
        "rule_versions",
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=True),
        sa.Column("effective_from", UtcDateTime(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(160), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_rule_versions_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("rule_id", "version", name="pk_rule_versions"),
    )
    head = op.create_table(
        "rules_head",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rules_head"),
    )
    op.bulk_insert(head, [{"id": 1, "generation": 0}])
    op.create_table(
        "campaign_budgets",
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("spent_points", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("rule_id", name="pk_campaign_budgets"),
    )


def downgrade() -> None:
    op.drop_table("campaign_budgets")
    op.drop_table("rules_head")
    op.drop_table("rule_versions")
    with op.batch_alter_table("holds") as batch:
        batch.drop_column("burn_value")
    with op.batch_alter_table("transactions") as batch:
        for column in ("rule_id", "event", "coalition_funded_points", "breakdown"):
            batch.drop_column(column)
    op.drop_index("ix_members_tier", "members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("tier_since")
        batch.drop_column("tier")
