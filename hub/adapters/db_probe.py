"""Whether the database can be reached, known from memory: one background thread per process.

The thread runs ``SELECT 1`` every ``PROBE_INTERVAL_S`` on a connection of its own (never one
of the pool's, which the RPCs need) and tells a listener when the answer changes; the gRPC
health service turns that into readiness (``hub.api.server``). A call never pays for it.

A failed probe is retried at once on a fresh connection before the database is declared
unreachable, so losing only the probe's connection (an administrator terminating it) does
not take the hub out of its load balancer. A database that comes back is noticed within one
interval plus one connection attempt.

SQLite is a file beside the process: there is nothing to probe, and it is always reachable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import sqlalchemy as sa

log = logging.getLogger("hub.probe")

PROBE_INTERVAL_S = 0.25
"""Between the starts of two probes: well inside the 1 s within which readiness follows."""
CONNECT_TIMEOUT_S = 2
"""libpq's smallest connection timeout (it reads 1 as 2)."""
TCP_USER_TIMEOUT_MS = 1000
"""How long a probe waits on a silent peer (a cut network, a frozen host) before failing."""
QUERY_TIMEOUT_S = 1.0
"""How long ``SELECT 1`` may take: a server that accepts TCP but does not answer (a stopped
process, a stuck host) would otherwise hold the probe, and readiness, forever."""
APPLICATION_NAME = "hub-db-probe"
"""How the probe's connection shows in ``pg_stat_activity``."""

Listener = Callable[[bool], None]
"""Called with ``True`` when the database becomes reachable again, ``False`` when it is lost."""


class DatabaseProbe:
    """Start once with ``start``; ``stop`` ends the thread and closes its connection."""

    def __init__(self, engine: sa.Engine, *, interval_s: float = PROBE_INTERVAL_S) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._listeners: list[Listener] = []
        self._reachable = True
        self._connection: psycopg.Connection[Any] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def reachable(self) -> bool:
        """The last probe's answer (``True`` until a probe says otherwise)."""
        return self._reachable

    def start(self, listener: Listener) -> None:
        """Tell ``listener`` the current answer now and every change from now on; the first
        call starts the thread (none on SQLite)."""
        with self._lock:
            self._listeners.append(listener)
            listener(self._reachable)
            if self._thread is None and self._engine.dialect.name == "postgresql":
                self._thread = threading.Thread(
                    target=self._run, name=APPLICATION_NAME, daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval_s + 2 * CONNECT_TIMEOUT_S + 1)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._set_reachable(self._probe() or self._probe())
                self._stopping.wait(self._interval_s)
        finally:
            self._disconnect()

    def _probe(self) -> bool:
        """One ``SELECT 1``; a failure discards the connection so that the next one is new."""
        try:
            if self._connection is None:
                self._connection = self._connect()
            _select_one(self._connection)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the database did not answer
            if self._reachable:
                log.warning("database probe failed: %s", _first_line(exc))
            self._disconnect()
            return False
        return True

    def _connect(self) -> psycopg.Connection[Any]:
        # The dialect's own arguments: a multi-host URL (a primary and its standby) reaches
        # libpq as the engine's connections do.
        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        params = {**params, "connect_timeout": CONNECT_TIMEOUT_S}
        params.update(application_name=APPLICATION_NAME, tcp_user_timeout=TCP_USER_TIMEOUT_MS)
        return psycopg.connect(*args, autocommit=True, **params)

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _set_reachable(self, reachable: bool) -> None:
        # Under the lock: a listener joining meanwhile hears either the old answer and then
        # the change, or only the new answer; never the change and then the old answer.
        with self._lock:
            if reachable == self._reachable:
                return
            self._reachable = reachable
            for listener in self._listeners:
                listener(reachable)
        log.warning("database %s", "reachable again" if reachable else "unreachable")


def _select_one(connection: psycopg.Connection[Any]) -> None:
    watchdog = threading.Timer(QUERY_TIMEOUT_S, _cut, args=(connection.fileno(),))
    watchdog.start()
    try:
        connection.execute("SELECT 1").fetchone()
    finally:
        watchdog.cancel()
        watchdog.join()  # a cut in progress finishes before the socket can be closed and reused


def _cut(fd: int) -> None:
    """Shut down the socket under a blocked probe, which then fails like a broken connection
    (psycopg has no client-side timeout for a query)."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
