"""Core ledger, partners, members, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.Uuid()
PARTNER_ID = sa.String(32)
TEXT = sa.String(64)
APPEND_ONLY_TABLES = ("transactions", "entries")

# Coalition accounts are fixed; their ids are UUIDv5 of their codes (hub.domain.accounts).
_NAMESPACE = uuid.UUID("6f1c7a0e-3b1d-4d36-9a57-1c0de5a1ed9e")
COALITION_ACCOUNTS = {
    "coalition_breakage": "coalition:breakage",
    "coalition_adjustments": "coalition:adjustments",
    "coalition_campaigns": "coalition:campaigns",
}


def upgrade() -> None:
    _partners()
    _members()
    _ledger()
    op.create_table(
        "idempotency_keys",
        sa.Column("partner_id", PARTNER_ID, nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "key", name="pk_idempotency_keys"),
    )
    _seed_coalition_accounts()
    for table in APPEND_ONLY_TABLES:
        _forbid_update_and_delete(table)


def _partners() -> None:
    op.create_table(
        "partners",
        sa.Column("id", PARTNER_ID, nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rounding", sa.String(16), nullable=False),
        sa.Column("pending_period_s", sa.Integer(), nullable=False),
        sa.Column("expiry", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
    )
    op.create_table(
        "partner_rates",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", PARTNER_ID, nullable=False),
        sa.Column("effective_from", UtcDateTime(), nullable=False),
        sa.Column("earn_rate", ExactDecimal(), nullable=False),
        sa.Column("burn_value", ExactDecimal(), nullable=False),
        sa.Column("issue_price", ExactDecimal(), nullable=False),
        sa.Column("redemption_price", ExactDecimal(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_partner_rates_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_partner_rates"),
        sa.UniqueConstraint(
            "partner_id", "effective_from", name="uq_partner_rates_partner_id_effective_from"
        ),
    )


def _members() -> None:
    op.create_table(
        "members",
        sa.Column("id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enrolled_at", UtcDateTime(), nullable=False),
        sa.Column("enrolled_by", PARTNER_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolled_by"], ["partners.id"], name="fk_members_enrolled_by_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
    )
    op.create_table(
        "member_identifiers",
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_identifiers_member_id_members"
        ),
        sa.PrimaryKeyConstraint("digest", name="pk_member_identifiers"),
    )
    op.create_index("ix_member_identifiers_member_id", "member_identifiers", ["member_id"])


def _ledger() -> None:
    _accounts()
    _transactions()
    _entries()
    _lots()


def _accounts() -> None:
    totals = [
        sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
        for name in ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
    ]
    op.create_table(
        "accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("partner_id", PARTNER_ID, nullable=True),
        *totals,
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_accounts_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_accounts_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("code", name="uq_accounts_code"),
    )
    op.create_index("ix_accounts_member_id", "accounts", ["member_id"])


def _transactions() -> None:
    op.create_table(
        "transactions",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", PARTNER_ID, nullable=True),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("related_id", ID, nullable=True),
        sa.Column("order_id", TEXT, nullable=True),
        sa.Column("purchase_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("purchase_currency", sa.String(3), nullable=True),
        sa.Column("rate_version_id", ID, nullable=True),
        sa.Column("earn_rate", ExactDecimal(), nullable=True),
        sa.Column("burn_value", ExactDecimal(), nullable=True),
        sa.Column("issue_price", ExactDecimal(), nullable=True),
        sa.Column("redemption_price", ExactDecimal(), nullable=True),
        sa.Column("rates_effective_from", UtcDateTime(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("store_id", TEXT, nullable=True),
        sa.Column("terminal_id", TEXT, nullable=True),
        sa.Column("cashier_id", TEXT, nullable=True),
        sa.Column("line_items", sa.Text(), nullable=True),
        sa.Column("available_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_transactions_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_transactions_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["rate_version_id"],
            ["partner_rates.id"],
            name="fk_transactions_rate_version_id_partner_rates",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"], ["transactions.id"], name="fk_transactions_related_id_transactions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
    )
    op.create_index("ix_transactions_created_at", "transactions", ["created_at"])
    op.create_index(
        "ix_transactions_member_id_created_at", "transactions", ["member_id", "created_at"]
    )
    op.create_index(
        "ix_transactions_partner_id_created_at_id",
        "transactions",
        ["partner_id", "created_at", "id"],
    )
    earn_only = sa.text("kind = 'earn'")
    op.create_index(
        "uq_transactions_earn_order",
        "transactions",
        ["partner_id", "order_id"],
        unique=True,
        postgresql_where=earn_only,
        sqlite_where=earn_only,
    )


def _entries() -> None:
    op.create_table(
        "entries",
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("line", sa.SmallInteger(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("amount_points", sa.BigInteger(), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_entries_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["transactions.id"], name="fk_entries_transaction_id_transactions"
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line", name="pk_entries"),
    )
    op.create_index("ix_entries_account_id", "entries", ["account_id"])


def _lots() -> None:
    op.create_table(
        "lots",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("partner_id", PARTNER_ID, nullable=False),
        sa.Column("earn_transaction_id", ID, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining_points", sa.BigInteger(), nullable=False),
        sa.Column("reserved_points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "0 <= reserved_points AND reserved_points <= remaining_points"
            " AND remaining_points <= points",
            name="ck_lots_amounts",
        ),
        sa.ForeignKeyConstraint(
            ["earn_transaction_id"],
            ["transactions.id"],
            name="fk_lots_earn_transaction_id_transactions",
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_lots_member_id_members"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_lots_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lots"),
    )
    op.create_index("ix_lots_member_id_expires_at", "lots", ["member_id", "expires_at"])


def _seed_coalition_accounts() -> None:
    accounts = sa.table(
        "accounts", sa.column("id", ID), sa.column("code", sa.String), sa.column("kind", sa.String)
    )
    op.bulk_insert(
        accounts,
        [
            {"id": uuid.uuid5(_NAMESPACE, code), "code": code, "kind": kind}
            for kind, code in COALITION_ACCOUNTS.items()
        ],
    )


def _forbid_update_and_delete(table: str) -> None:
    """Make ``table`` append-only in the database itself, not only by convention."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION hub_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % is refused', "
            "TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hub_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, "
            f"'the ledger is append-only: {action} on {table} is refused'); END"
        )


def downgrade() -> None:
    for table in ("lots", "entries", "transactions", "accounts", "member_identifiers", "members"):
        op.drop_table(table)
    for table in ("idempotency_keys", "partner_rates", "partners"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hub_append_only()")
