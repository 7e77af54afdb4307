"""Settlement keys written at posting: a night's run sums the day's lot movements alone.

Each lot movement now carries what settlement groups it by: its transaction's stamp
(``posted_at``) and database transaction (``xid``), the lot's issuer and issue price, and for
a redemption the redeeming partner and its hold's redemption price. The run no longer joins
the day's transactions and every lot to its movements. Lots and movements are indexed by
their stamp and ``xid`` (BRIN on PostgreSQL, where both are written in about that order;
b-trees on SQLite), so a run reads only its day's rows and those written since the previous
run (the late ones).

Existing movements are filled in from their lots and transactions (a refunded capture's
redemption price from its hold's transaction, as settlement read it). ``xid`` on PostgreSQL
is a column default, as on ``transactions``; on SQLite a trigger copies the transaction's, and
the append-only triggers let it (and only it) set a new row's ``xid``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import ExactDecimal, UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_PG_XID = "(pg_current_xact_id()::text::bigint)"


def _keys() -> list[sa.Column[Any]]:
    """The new columns, added nullable; ``_REQUIRED`` become NOT NULL once filled in."""
    return [
        sa.Column("posted_at", UtcDateTime(), nullable=True),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.Column("issuer_id", sa.String(32), nullable=True),
        sa.Column("issue_price", ExactDecimal(), nullable=True),
        sa.Column("redeemer_id", sa.String(32), nullable=True),
        sa.Column("redemption_price", ExactDecimal(), nullable=True),
    ]


_REQUIRED = (("posted_at", UtcDateTime()), ("issuer_id", sa.String(32)))
_INDEXES = (
    ("ix_lots_created_at", "lots", "created_at"),
    ("ix_lots_xid", "lots", "xid"),
    ("ix_lot_movements_posted_at", "lot_movements", "posted_at"),
    ("ix_lot_movements_xid", "lot_movements", "xid"),
)
# One statement for both stores (SQLite 3.33+ has UPDATE ... FROM). Redemptions only get a
# redeemer: the capture's partner and price, or for a refunded capture its hold's price.
_BACKFILL = """UPDATE lot_movements SET
    posted_at = t.created_at,
    xid = t.xid,
    issuer_id = l.partner_id,
    issue_price = l.issue_price,
    redeemer_id = CASE WHEN lot_movements.kind = 'redemption' THEN t.partner_id END,
    redemption_price = CASE WHEN lot_movements.kind = 'redemption'
        THEN coalesce(t.redemption_price, h.redemption_price) END
  FROM transactions t LEFT JOIN transactions h ON h.id = t.related_id, lots l
  WHERE t.id = lot_movements.transaction_id AND l.id = lot_movements.lot_id"""
_REFUSE = (
    "BEGIN SELECT RAISE(ABORT,"
    " 'the ledger is append-only: {action} on lot_movements is refused'); END"
)
_SQLITE_APPEND_ONLY = (
    f"CREATE TRIGGER lot_movements_no_delete BEFORE DELETE ON lot_movements"
    f" {_REFUSE.format(action='DELETE')}",
)
_SQLITE_XID = (
    # A movement is written in its transaction's database transaction, after it.
    "CREATE TRIGGER lot_movements_xid AFTER INSERT ON lot_movements WHEN NEW.xid IS NULL BEGIN"
    " UPDATE lot_movements SET xid = (SELECT xid FROM transactions"
    " WHERE id = NEW.transaction_id) WHERE rowid = NEW.rowid; END",
    # Append-only but for the trigger's stamping of a new row's xid (as on transactions).
    "CREATE TRIGGER lot_movements_no_update BEFORE UPDATE ON lot_movements"
    " WHEN OLD.xid IS NOT NULL OR NEW.xid IS NULL " + _REFUSE.format(action="UPDATE"),
    "CREATE TRIGGER lot_movements_no_update_but_xid BEFORE UPDATE OF transaction_id, line,"
    " lot_id, points, kind, posted_at, issuer_id, issue_price, redeemer_id, redemption_price"
    " ON lot_movements " + _REFUSE.format(action="UPDATE"),
)
# PostgreSQL's planner cannot tell that a bonus's lot id, grouped by only for bonus lots (the
# few with no issue price), makes few groups: it expects one per row and then neither
# aggregates in parallel workers nor hashes early. Statistics on the grouping say otherwise.
_PG_STATISTICS = (
    "CREATE STATISTICS st_lots_settlement_groups (ndistinct) ON partner_id, issue_price,"
    " (CASE WHEN issue_price IS NULL THEN id END) FROM lots",
    "CREATE STATISTICS st_lot_movements_settlement_groups (ndistinct) ON issuer_id,"
    " issue_price, (CASE WHEN issue_price IS NULL THEN lot_id END), kind, redeemer_id,"
    " redemption_price FROM lot_movements",
)
_SQLITE_OLD_TRIGGERS = ("lot_movements_no_update", "lot_movements_no_delete")


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    for column in _keys():
        op.add_column("lot_movements", column)
    if postgres:
        op.execute("ALTER TABLE lot_movements DISABLE TRIGGER lot_movements_append_only")
        op.execute(_BACKFILL)
        op.execute("ALTER TABLE lot_movements ENABLE TRIGGER lot_movements_append_only")
        for name, type_ in _REQUIRED:
            op.alter_column("lot_movements", name, existing_type=type_, nullable=False)
        # Set after the backfill, as on transactions: a volatile default in ADD COLUMN would
        # stamp every existing row with this migration's transaction.
        op.execute(f"ALTER TABLE lot_movements ALTER COLUMN xid SET DEFAULT {_PG_XID}")
        for statistics in _PG_STATISTICS:
            op.execute(statistics)
    else:
        for trigger in _SQLITE_OLD_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute(_BACKFILL)
        # NOT NULL on SQLite means a copy of the table, which drops its triggers (recreated).
        with op.batch_alter_table("lot_movements") as batch:
            for name, type_ in _REQUIRED:
                batch.alter_column(name, existing_type=type_, nullable=False)
        for trigger in (*_SQLITE_APPEND_ONLY, *_SQLITE_XID):
            op.execute(trigger)
    for name, table, indexed in _INDEXES:
        op.create_index(name, table, [indexed], postgresql_using="brin")


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    for name, table, _ in _INDEXES:
        op.drop_index(name, table)
    if postgres:
        op.execute("DROP STATISTICS st_lots_settlement_groups, st_lot_movements_settlement_groups")
    if not postgres:
        for trigger in ("lot_movements_xid", "lot_movements_no_update_but_xid"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TRIGGER lot_movements_no_update")
        op.execute(
            "CREATE TRIGGER lot_movements_no_update BEFORE UPDATE ON lot_movements "
            + _REFUSE.format(action="UPDATE")
        )
    # Plain DROP COLUMN (SQLite 3.35+): a batch would copy the table and lose its triggers.
    for column in reversed(_keys()):
        op.execute(f"ALTER TABLE lot_movements DROP COLUMN {column.name}")
