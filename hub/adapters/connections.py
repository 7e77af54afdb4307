"""The units of work's PostgreSQL connections: autocommit at the driver, pipeline mode for life.

A psycopg connection leaves pipeline mode with a Sync, and starts each transaction with a
``BEGIN`` it syncs at once: two round trips per unit of work that carry nothing. These
connections enter pipeline mode once, when they are opened, and stay in it; a unit of work
sends its own ``BEGIN`` ahead of its first statement and its ``COMMIT`` with its writes, so a
till call is one round trip to read and one to write (``hub.adapters.sql``).

SQLAlchemy's pool cannot hold them: it resets a connection on return with the driver's
rollback and isolation calls, each a Sync in pipeline mode. This small pool hands out whole
connections, most recently used first, and drops the ones a fault broke.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.pool import QueuePool

from hub.domain.errors import ServerBusy

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER_S = 0.2
"""What a caller is told to wait when every connection is in use."""
CONNECTION_AGE_MAX_S = 1800.0
"""Connections are replaced after this long, as a proxy or failover may have moved the server."""
CONNECT_TIMEOUT_S = 5

_BY_ENGINE: weakref.WeakKeyDictionary[sa.Engine, PgConnections] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


@dataclass
class PipelinedConnection:
    """A psycopg connection in pipeline mode; ``pipeline`` stays open until it is closed."""

    connection: psycopg.Connection[Any]
    pipeline: psycopg.Pipeline
    mode: AbstractContextManager[psycopg.Pipeline]
    opened_at_s: float = field(default_factory=time.monotonic)

    @property
    def usable(self) -> bool:
        """Not broken, idle, and young enough to go back to the pool."""
        return (
            not self.connection.closed
            and self.connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
            and time.monotonic() - self.opened_at_s < CONNECTION_AGE_MAX_S
        )

    def close(self) -> None:
        try:
            # Left explicitly (a Sync when the connection still works), or collecting the
            # context manager would try it later and log the failure.
            self.mode.__exit__(None, None, None)
        except psycopg.Error:
            log.debug("leaving pipeline mode on a broken connection", exc_info=True)
        finally:
            self.connection.close()


def for_engine(engine: sa.Engine) -> PgConnections:
    """The pipelined connections of a PostgreSQL engine, sized and timed like its pool; opened
    on first use and closed when the engine is disposed."""
    with _BY_ENGINE_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            pool = engine.pool
            size = pool.size() if isinstance(pool, QueuePool) else 1
            timeout_s = pool.timeout() if isinstance(pool, QueuePool) else 30.0
            found = _BY_ENGINE[engine] = PgConnections(engine.url, size=size, timeout_s=timeout_s)
            event.listen(engine, "engine_disposed", lambda _engine: found.close())
        return found


def conninfo(url: URL) -> str:
    """libpq's connection string for a SQLAlchemy URL (any ``+driver`` suffix dropped)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgConnections:
    """At most ``size`` open connections; waiting longer than ``timeout_s`` is ``ServerBusy``."""

    def __init__(self, url: URL, *, size: int, timeout_s: float) -> None:
        self._conninfo = conninfo(url)
        self._timeout_s = timeout_s
        self._idle: queue.LifoQueue[PipelinedConnection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._taken = itertools.count(1)
        self._in_use_lock = threading.Lock()
        self.size = size
        self.in_use = 0
        """Connections held by units of work now (the ops port's ``hub_db_connections_in_use``)."""
        self.checkouts = 0
        """How many units of work have taken a connection (a figure for metrics and tests)."""

    @contextmanager
    def connection(self) -> Iterator[PipelinedConnection]:
        """A connection for one unit of work; it must end idle (committed or rolled back)."""
        if not self._slots.acquire(timeout=self._timeout_s):
            raise ServerBusy(
                "every database connection is busy; retry shortly",
                retry_after_s=str(BUSY_RETRY_AFTER_S),
            )
        self.checkouts = next(self._taken)  # atomic, unlike += from several threads
        self._count_in_use(+1)
        taken: PipelinedConnection | None = None
        try:
            taken = self._idle_or_new()
            yield taken
        finally:
            if taken is not None:
                self._give_back(taken)
            self._count_in_use(-1)
            self._slots.release()

    def _count_in_use(self, change: int) -> None:
        with self._in_use_lock:
            self.in_use += change

    def discard_idle(self) -> None:
        """Close the idle connections: one broke, so the server restarted or moved, and the
        others would each fail one attempt before the hub noticed."""
        self.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def _idle_or_new(self) -> PipelinedConnection:
        while True:
            try:
                idle = self._idle.get_nowait()
            except queue.Empty:
                return self._open()
            if idle.usable:
                return idle
            idle.close()

    def _give_back(self, taken: PipelinedConnection) -> None:
        if taken.usable:
            self._idle.put(taken)
        else:
            taken.close()

    def _open(self) -> PipelinedConnection:
        connection = psycopg.Connection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            # Timestamps come back in UTC whichever path reads them.
            options="-c timezone=UTC",
        )

        # Entered and never left: leaving costs a Sync; closing the connection ends it. The
        # context manager is kept, as collecting it would leave pipeline mode.
        mode = connection.pipeline()
        return PipelinedConnection(connection, mode.__enter__(), mode)
