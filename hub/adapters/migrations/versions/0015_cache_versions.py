"""Cache versions: one counter every change to who may call (credentials, partners, rates,
rules) raises in its own transaction, with a PostgreSQL ``NOTIFY`` on ``hub_cache``.

Hub processes keep admission (and may keep rates and rules) in memory; a refresher per
process listens on the channel and reads the counter at least once per second, so a lost
notification or a dropped listening connection is caught within a second. Triggers, not the
application, raise it: no write path (the CLI, a migration, a hand-made fix) can forget to.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

# ruff: noqa: S608 -- the SQL here is assembled from this module's constants only

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CHANNEL = "hub_cache"
"""Mirrored in ``hub.adapters.cache_refresher``."""
WATCHED_TABLES = ("credentials", "partners", "partner_rates", "rule_versions", "rules_head")
_OPERATIONS = ("insert", "update", "delete")


def upgrade() -> None:
    head = op.create_table(
        "cache_versions",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cache_versions"),
    )
    op.bulk_insert(head, [{"id": 1, "version": 0}])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _postgres_triggers() -> None:
    # The NOTIFY is delivered at COMMIT and not at all on ROLLBACK: listeners never see a
    # change that did not happen; identical payloads in one transaction are folded into one.
    op.execute(
        f"""
        CREATE FUNCTION hub_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE cache_versions SET version = version + 1 WHERE id = 1;
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE TRIGGER hub_cache_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hub_cache_changed()"
        )


def _sqlite_triggers() -> None:
    for table in WATCHED_TABLES:
        for operation in _OPERATIONS:
            op.execute(
                f"CREATE TRIGGER hub_cache_{table}_{operation} AFTER {operation.upper()} "
                f"ON {table} BEGIN "
                "UPDATE cache_versions SET version = version + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED_TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER hub_cache_{table} ON {table}")
        else:
            for operation in _OPERATIONS:
                op.execute(f"DROP TRIGGER hub_cache_{table}_{operation}")
    if postgres:
        op.execute("DROP FUNCTION hub_cache_changed()")
    op.drop_table("cache_versions")
