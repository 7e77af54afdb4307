"""Keeps a process's in-memory caches current: one background thread per hub process.

On PostgreSQL it ``LISTEN``s on a dedicated connection (never one of the pool's) to the
``NOTIFY`` that database triggers send in the transaction of every change to credentials,
partners, rates and rules (migration 0015), and invalidates at once. Whatever the store, it
also reads the ``cache_versions`` counter those triggers raise every
``VERSION_CHECK_INTERVAL_S`` and vouches for the cache with it: a lost notification, a change
made by another process on SQLite, or a dropped connection is caught within a second, and a
refresher that cannot read at all stops vouching, so the cache falls back to the database.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import psycopg
import sqlalchemy as sa

from hub.adapters.database import READ_ONLY
from hub.adapters.tables import cache_versions

log = logging.getLogger("hub.cache")

CHANNEL = "hub_cache"
"""The channel migration 0015's triggers notify."""
VERSION_CHECK_INTERVAL_S = 0.25
"""Well inside the cache's one-second freshness, so one slow read does not expire it."""
RECONNECT_PAUSE_S = 0.5
APPLICATION_NAME = "hub-cache-refresher"
"""How the listening connection shows in ``pg_stat_activity``."""
CONNECT_TIMEOUT_S = 3

_VERSION = sa.select(cache_versions.c.version).where(cache_versions.c.id == 1)
_VERSION_SQL = "SELECT version FROM cache_versions WHERE id = 1"


class Vouched(Protocol):
    def invalidate(self) -> None: ...
    def vouch(self, version: int, read_started_at: float) -> None: ...


class CacheRefresher:
    """Start once with ``start``; ``stop`` ends the thread and closes its connection."""

    def __init__(
        self,
        engine: sa.Engine,
        cache: Vouched,
        *,
        interval_s: float = VERSION_CHECK_INTERVAL_S,
    ) -> None:
        self._engine = engine
        self._cache = cache
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._started = False
        self._start_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="hub-cache-refresher", daemon=True)

    def start(self) -> None:
        """Start refreshing; calling it again does nothing."""
        with self._start_lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._started:
            self._thread.join(timeout=self._interval_s + CONNECT_TIMEOUT_S + 1)

    def _run(self) -> None:
        healthy = True
        while not self._stopping.is_set():
            try:
                if self._engine.dialect.name == "postgresql":
                    self._listen()
                else:
                    self._poll()
            except Exception:
                # Logged once per outage; the cache stops being vouched for meanwhile.
                if healthy:
                    log.warning("cannot refresh the cache; retrying", exc_info=True)
                healthy = False
                self._stopping.wait(RECONNECT_PAUSE_S)
            else:
                healthy = True

    def _listen(self) -> None:
        conninfo = self._engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        with psycopg.connect(
            conninfo,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name=APPLICATION_NAME,
        ) as pg:
            # LISTEN before the first read: a change committed between them is then both
            # notified and counted, never neither.
            pg.execute(f"LISTEN {CHANNEL}")
            while not self._stopping.is_set():
                started = time.monotonic()
                row = pg.execute(_VERSION_SQL).fetchone()
                if row is None:
                    raise LookupError("cache_versions has no row 1: is the database migrated?")
                self._cache.vouch(int(row[0]), started)
                wait_s = max(0.0, started + self._interval_s - time.monotonic())
                # Notifications that arrived during the version read are queued (psycopg >=
                # 3.2) and come first.
                for _ in pg.notifies(timeout=wait_s):
                    self._cache.invalidate()

    def _poll(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            with self._engine.connect() as connection:
                version = (
                    connection.execution_options(**{READ_ONLY: True}).execute(_VERSION).scalar_one()
                )
            self._cache.vouch(int(version), started)
            self._stopping.wait(max(0.0, started + self._interval_s - time.monotonic()))
