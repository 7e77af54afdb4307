"""API keys: a partner's web shop may call the REST gateway with a key instead of a client
certificate. Only the key's SHA-256 is kept (the key is shown once, at creation); its short
``key_id`` names it in listings and revocation. Changes raise the cache version (as migration
0015 does for credentials), so a revoked key is refused within a second in every replica.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

# ruff: noqa: S608 -- the SQL here is assembled from this module's constants only

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TABLE = "api_keys"
_OPERATIONS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(160), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(160), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_api_keys_partner_id_partners"
        ),
        sa.UniqueConstraint("key_sha256", name="uq_api_keys_key_sha256"),
    )
    op.create_index("ix_api_keys_partner_id", _TABLE, ["partner_id"])
    if op.get_bind().dialect.name == "postgresql":
        # hub_cache_changed() is migration 0015's: raise the version, NOTIFY hub_cache.
        op.execute(
            f"CREATE TRIGGER hub_cache_{_TABLE} AFTER INSERT OR UPDATE OR DELETE ON {_TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hub_cache_changed()"
        )
        return
    for operation in _OPERATIONS:
        op.execute(
            f"CREATE TRIGGER hub_cache_{_TABLE}_{operation} AFTER {operation.upper()} "
            f"ON {_TABLE} BEGIN "
            "UPDATE cache_versions SET version = version + 1 WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER hub_cache_{_TABLE} ON {_TABLE}")
    else:
        for operation in _OPERATIONS:
            op.execute(f"DROP TRIGGER hub_cache_{_TABLE}_{operation}")
    op.drop_index("ix_api_keys_partner_id", table_name=_TABLE)
    op.drop_table(_TABLE)
