"""Engines for the two supported stores: an embedded SQLite file and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

READ_ONLY = "hub_read_only"
"""Execution option: this connection's transaction only reads (SQLite then need not lock)."""

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str) -> URL:
    """The SQLAlchemy URL with the driver the hub uses (``postgresql://`` means psycopg 3)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}: use postgresql:// or sqlite:///"
    )


def create_engine(url: str, *, pool_size: int = 16, pool_timeout_s: float = 30.0) -> sa.Engine:
    """An engine for ``url``; no connection is made until first use."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size, pool_timeout_s)
    return sa.create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout_s,
        # No pre-ping: it would cost a round trip per unit of work. A connection found broken
        # is invalidated and the use case retried on a fresh one (hub.adapters.sql).
        pool_recycle=1800,
        # Timestamps come back in UTC whichever path reads them.
        connect_args={"options": "-c timezone=UTC"},
    )


def _sqlite_engine(url: URL, pool_size: int, pool_timeout_s: float) -> sa.Engine:
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout_s,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let the "begin" event issue BEGIN itself (pysqlite would defer it to the first write).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    # A writer takes the write lock at BEGIN, so two writers queue instead of deadlocking when
    # both try to upgrade a read lock; readers do not block anyone.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
