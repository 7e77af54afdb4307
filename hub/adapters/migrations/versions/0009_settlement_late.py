"""Settlement: operations committed after their day was settled.

Each transaction and lot records which database transaction wrote it (``xid``), and each
settlement run the snapshot it read under (``snapshot_xmin``, ``snapshot_xmax``,
``snapshot_running``), so the next run finds the rows its predecessor could not see, whatever
their clock stamp says. On PostgreSQL ``xid`` is the top-level transaction id
(``pg_current_xact_id()``, a column default); on SQLite, whose writers are serialised, a
trigger numbers rows in commit order. Rows written before this revision keep ``xid`` NULL and
are settled by their stamp, as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PG_XID = "(pg_current_xact_id()::text::bigint)"
_SQLITE_TRIGGERS = (
    # Writers are serialised (BEGIN IMMEDIATE), so the next number is the commit order.
    "CREATE TRIGGER transactions_xid AFTER INSERT ON transactions BEGIN"
    " UPDATE transactions SET xid = (SELECT coalesce(max(xid), 0) + 1 FROM transactions)"
    " WHERE rowid = NEW.rowid; END",
    # A lot is written in its earn's transaction, after it.
    "CREATE TRIGGER lots_xid AFTER INSERT ON lots BEGIN"
    " UPDATE lots SET xid = (SELECT xid FROM transactions WHERE id = NEW.earn_transaction_id)"
    " WHERE rowid = NEW.rowid; END",
)


def upgrade() -> None:
    # Added without a default, then given one: existing rows stay NULL (a volatile default
    # in ADD COLUMN would stamp them all with this migration's transaction).
    op.add_column("transactions", sa.Column("xid", sa.BigInteger(), nullable=True))
    op.add_column("lots", sa.Column("xid", sa.BigInteger(), nullable=True))
    op.create_index("ix_transactions_xid", "transactions", ["xid"])
    for column in ("snapshot_xmin", "snapshot_xmax"):
        op.add_column(
            "settlement_runs",
            sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"),
        )
    op.add_column(
        "settlement_runs",
        sa.Column("snapshot_running", sa.Text(), nullable=False, server_default=""),
    )
    if op.get_context().dialect.name == "postgresql":
        for table in ("transactions", "lots"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN xid SET DEFAULT {_PG_XID}")
    else:
        _let_sqlite_stamp_xid()
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def _let_sqlite_stamp_xid() -> None:
    """The ledger stays append-only, except for the trigger's stamping of a new row's xid: an
    update of any other column is refused, and so is one of xid once set."""
    columns = [
        row[1]
        for row in op.get_bind().exec_driver_sql("PRAGMA table_info(transactions)")
        if row[1] != "xid"
    ]
    refuse = (
        "BEGIN SELECT RAISE(ABORT,"
        " 'the ledger is append-only: UPDATE on transactions is refused'); END"
    )
    op.execute("DROP TRIGGER transactions_no_update")
    op.execute(
        "CREATE TRIGGER transactions_no_update BEFORE UPDATE ON transactions"
        f" WHEN OLD.xid IS NOT NULL OR NEW.xid IS NULL {refuse}"
    )
    op.execute(
        f"CREATE TRIGGER transactions_no_update_but_xid BEFORE UPDATE OF {', '.join(columns)}"
        f" ON transactions {refuse}"
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS lots_xid")
        op.execute("DROP TRIGGER IF EXISTS transactions_xid")
        op.execute("DROP TRIGGER IF EXISTS transactions_no_update_but_xid")
        op.execute("DROP TRIGGER IF EXISTS transactions_no_update")
        op.execute(
            "CREATE TRIGGER transactions_no_update BEFORE UPDATE ON transactions BEGIN SELECT"
            " RAISE(ABORT, 'the ledger is append-only: UPDATE on transactions is refused'); END"
        )
    op.drop_index("ix_transactions_xid", "transactions")
    # Plain DROP COLUMN (SQLite 3.35+): a batch would copy the tables and lose their triggers.
    drops = (
        ("settlement_runs", "snapshot_running"),
        ("settlement_runs", "snapshot_xmax"),
        ("settlement_runs", "snapshot_xmin"),
        ("lots", "xid"),
        ("transactions", "xid"),
    )
    for table, column in drops:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
