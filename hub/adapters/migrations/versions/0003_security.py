"""Credentials, the hash-chained audit log, encrypted member contacts, erasure, rate limits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.Uuid()
GENESIS_MAC = bytes(32)


def upgrade() -> None:
    op.add_column("partners", sa.Column("rate_limit_per_s", sa.Integer(), nullable=True))
    op.add_column("members", sa.Column("erased_at", UtcDateTime(), nullable=True))
    _member_contacts()
    _credentials()
    _audit_log()


def _member_contacts() -> None:
    op.create_table(
        "member_contacts",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("nonce", sa.LargeBinary(12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_contacts_member_id_members"
        ),
        sa.PrimaryKeyConstraint("member_id", name="pk_member_contacts"),
    )


def _credentials() -> None:
    op.create_table(
        "credentials",
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("principal", sa.String(160), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(64), nullable=False),
        sa.Column("not_before", UtcDateTime(), nullable=False),
        sa.Column("not_after", UtcDateTime(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(160), nullable=False),
        sa.Column("renews", sa.String(40), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(160), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("serial", name="pk_credentials"),
    )
    op.create_index("ix_credentials_principal", "credentials", ["principal"])


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(160), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("prev_mac", sa.LargeBinary(32), nullable=False),
        sa.Column("mac", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("mac", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "mac": GENESIS_MAC}])
    _append_only("audit_log")


def _append_only(table: str) -> None:
    # hub_append_only() comes from 0001; the message names the ledger, which the audit log is
    # part of in spirit: what happened is never rewritten.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hub_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, "
            f"'the audit log is append-only: {action} on {table} is refused'); END"
        )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("audit_log")
    op.drop_index("ix_credentials_principal", "credentials")
    op.drop_table("credentials")
    op.drop_table("member_contacts")
    op.drop_column("members", "erased_at")
    op.drop_column("partners", "rate_limit_per_s")
