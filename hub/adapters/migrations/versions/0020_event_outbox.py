"""The event outbox: a row per event written in the posting's own transaction, the relay's
progress per destination (NATS, each partner's webhook), webhook deliveries that exhausted
their retries, partners' webhook settings, and the lots already announced as expiring soon.

On PostgreSQL each outbox row remembers the transaction that wrote it (``xact_id``): the relay
reads only rows of transactions older than any still running, so a row with a lower id that
commits later is never skipped (``hub.relay.store``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

EXPIRY_NOTICE_DAYS_DEFAULT = 14
"""Mirrored in ``hub.domain.limits``; a migration does not import the code it outlives."""
# SQLite gives an INTEGER PRIMARY KEY its rowid: increasing, never reused with AUTOINCREMENT.
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
        sa.Column("ordering_key", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("xact_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox_events ALTER COLUMN xact_id "
            "SET DEFAULT (pg_current_xact_id()::text::bigint)"
        )
    op.create_table(
        "relay_progress",
        sa.Column("destination", sa.String(80), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("destination", name="pk_relay_progress"),
    )
    op.create_table(
        "webhook_dead_letters",
        sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
        sa.Column("replayed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_dead_letters"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "partner_event_settings",
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column(
            "expiry_notice_days",
            sa.Integer(),
            nullable=False,
            server_default=str(EXPIRY_NOTICE_DAYS_DEFAULT),
        ),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name="pk_partner_event_settings"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_partner_event_settings_partner_id_partners"
        ),
    )
    op.create_table(
        "expiry_notices",
        sa.Column("lot_id", sa.Uuid(as_uuid=True), nullable=False),
        sa.Column("noticed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", name="pk_expiry_notices"),
    )


def downgrade() -> None:
    op.drop_table("expiry_notices")
    op.drop_table("partner_event_settings")
    op.drop_table("webhook_dead_letters")
    op.drop_table("relay_progress")
    op.drop_table("outbox_events")
