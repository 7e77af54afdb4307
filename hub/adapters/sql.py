"""Runs Core statements on one connection, the fast way each store allows.

On PostgreSQL, statements are compiled once and handed straight to psycopg on a connection in
pipeline mode (``hub.adapters.connections``): BEGIN travels with the first statement, reads
sent together are answered in one round trip (``later``), and deferred writes travel with the
COMMIT. A till call is then one round trip to read and one to write, and skips SQLAlchemy's
per-call result machinery, which costs more than the database work itself on a small machine.
On SQLite every statement goes through SQLAlchemy as usual.

Database refusals are translated here, once: a violated constraint that means something to a
caller becomes its domain error, a refusal caused by a concurrent transaction becomes
``TransientConflict`` (the use case is retried), anything else propagates.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.connections import PipelinedConnection
from hub.adapters.constraints import UNIQUE_VIOLATIONS
from hub.adapters.faults import infrastructure_error
from hub.domain.errors import CommitOutcomeUnknown
from hub.services.ports.conflicts import ConnectionLost, TransientConflict
from hub.telemetry import round_trip_span

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
Pending = Callable[[], Sequence[Row]]
"""A read sent and not yet answered: calling it waits for the answer."""
Params = Mapping[str, Any]
Statement = sa.Select[Any] | UpdateBase
"""A SELECT, INSERT, UPDATE or DELETE built with SQLAlchemy Core."""

_PG_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]
_PG_TRANSIENT = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
)


# Keyed by statement object: repositories build their statements once, as module constants.
# A statement built per call would be compiled per call (tests/integration/test_hot_path.py).
@lru_cache(maxsize=1024)
def compiled_for_postgres(
    statement: Statement, keys: tuple[str, ...]
) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(
        dialect=_PG_DIALECT, column_keys=list(keys), compile_kwargs={"render_postcompile": True}
    )
    return compiled.string, dict(compiled.params)


class Sql:
    """One unit of work's statements on one connection; see the module docstring.

    ``end()`` must be called before the connection goes back to its pool.
    """

    def __init__(
        self,
        connection: sa.Connection | None = None,
        *,
        pg: PipelinedConnection | None = None,
        begin: str | None = "BEGIN",
    ) -> None:
        """On SQLite, ``connection`` (its transaction begins here). On PostgreSQL, ``pg``
        and the ``BEGIN`` statement sent ahead of the first statement; ``None`` runs each
        statement in a transaction of its own (a unit of work of one read)."""
        self._connection = connection
        self._transaction = connection.begin() if connection is not None else None
        self._pg = pg.connection if pg is not None else None
        self._pipeline = pg.pipeline if pg is not None else None
        self._begin = begin
        self._began = False
        self._unsynced = False
        self._sent_since_sync = 0
        self._commit_sent = False
        self._deferred: list[tuple[Statement, Sequence[Params]]] = []
        self.cache_stale = False
        """Set by a write to what processes cache (credentials, partners, rates, rules)."""
        # Open until the unit of work ends: psycopg drops the error of a statement whose
        # cursor closed before the pipeline synced, and would report "aborted" instead.
        self._writes = self._pg.cursor() if self._pg is not None else None

    def end(self) -> None:
        """Roll back what was not committed and leave the connection clean for its pool.

        Never raises: it runs while another error may be propagating, which must not be masked.
        A connection that cannot be cleaned is closed (SQLite: invalidated) instead.
        """
        try:
            if self._pg is not None:
                self._end_pipelined()
            elif self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        except (sa.exc.DBAPIError, psycopg.Error, sqlite3.Error) as exc:
            log.warning("discarding a database connection that could not be reset: %s", exc)
            if self._pg is not None:
                self._pg.close()
            elif self._connection is not None:
                self._connection.invalidate(exc)

    def _end_pipelined(self) -> None:
        assert self._pg is not None
        assert self._pipeline is not None
        if self._unsynced:
            try:
                self._pipeline.sync()  # what was queued fails or is dropped with the rollback
            except psycopg.Error:
                log.debug("drained a failed pipeline", exc_info=True)
        status = self._pg.pgconn.transaction_status
        if status == TransactionStatus.INTRANS:
            self._roll_back_keeping_prepared()
        elif status != TransactionStatus.IDLE:
            self._queue_command("ROLLBACK")
            self._pipeline.sync()
        if self._writes is not None:
            self._writes.close()

    def _roll_back_keeping_prepared(self) -> None:
        """Roll back a transaction that met no error, keeping psycopg's prepared statements.

        psycopg forgets them all at any ROLLBACK, in case one was prepared after an error
        (the server skips it, the client would believe it made). Without an error every one
        exists, so the ROLLBACK is sent past that bookkeeping: a refusal, a replay or a staff
        read no longer costs the tills on this connection their prepared statements.
        """
        assert self._pg is not None
        assert self._pipeline is not None
        threshold = self._pg.prepare_threshold
        self._pg.prepare_threshold = None  # psycopg leaves the cache alone while disabled
        try:
            self._queue_command("ROLLBACK")
        finally:
            self._pg.prepare_threshold = threshold
        self._pipeline.sync()

    def mark_cache_stale(self) -> None:
        """This transaction changes what processes cache: this one forgets it on commit (the
        database's triggers tell the others, hub.adapters.cache_refresher)."""
        self.cache_stale = True

    @property
    def dialect(self) -> str:
        if self._pg is not None:
            return "postgresql"
        assert self._connection is not None
        return self._connection.dialect.name

    def rows(self, statement: Statement, params: Params | None = None) -> Sequence[Row]:
        """All rows ``statement`` returns (deferred writes are sent first)."""
        return self.later(statement, params)()

    def first(self, statement: Statement, params: Params | None = None) -> Row | None:
        found = self.rows(statement, params)
        return found[0] if found else None

    def later(self, statement: Statement, params: Params | None = None) -> Pending:
        """Send a read now and answer it later: every read sent before the first answer is
        asked for travels in one round trip (PostgreSQL), with the writes queued before it."""
        self.flush()
        with self._translated():
            if self._pg is None:
                assert self._connection is not None
                result = self._connection.execute(statement, dict(params or {}))
                found = cast(Sequence[Row], [row._mapping for row in result])
                return lambda: found
            cursor = self._pg.cursor(row_factory=dict_row)
            self._send(cursor, *self._pg_query(statement, params or {}))

        def answer() -> Sequence[Row]:
            with self._translated(), closing(cursor):
                self._sync_if_unsynced()
                return cursor.fetchall()

        return answer

    def execute(self, statement: Statement, params: Params | None = None) -> int:
        """Run a write now; returns how many rows it touched."""
        self.flush()
        with self._translated():
            if self._pg is None:
                assert self._connection is not None
                return int(self._connection.execute(statement, dict(params or {})).rowcount)
            with self._pg.cursor() as cursor:
                self._send(cursor, *self._pg_query(statement, params or {}))
                self._sync_if_unsynced()  # the row count is known once the server has answered
                return int(cursor.rowcount)

    def lock(self, statement: Statement, params: Params) -> None:
        """Queue a locking read (``SELECT ... FOR UPDATE``) whose rows nobody needs.

        On PostgreSQL it travels in the pipeline ahead of the next statement, at no round trip
        of its own; the server starts that statement only once the lock is granted, so under
        READ COMMITTED its snapshot holds whatever the lock's previous holders committed. On
        SQLite a writer holds the whole database from ``BEGIN IMMEDIATE``: nothing to do.
        """
        if self._pg is not None:
            self._deferred.append((statement, [params]))

    def defer(self, statement: Statement, rows: Sequence[Params]) -> None:
        """Queue a write of one or more rows; it is sent at the next read, ``flush`` or commit."""
        if rows:
            self._deferred.append((statement, rows))

    def flush(self) -> None:
        """Send the queued writes (on PostgreSQL without waiting: their errors surface at the
        next answer or the commit)."""
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        with self._translated():
            if self._pg is None:
                assert self._connection is not None
                for statement, rows in deferred:
                    self._connection.execute(statement, [dict(row) for row in rows])
                return
            assert self._writes is not None
            for statement, rows in deferred:
                query, defaults = compiled_for_postgres(statement, tuple(sorted(rows[0])))
                for row in rows:
                    self._send(self._writes, query, {**defaults, **row})

    def commit(self) -> None:
        """Send the queued writes and the COMMIT together, and wait for the outcome."""
        self.flush()
        with self._translated():
            if self._pg is None:
                assert self._transaction is not None
                self._transaction.commit()
                return
            if self._began:
                self._queue_command("COMMIT")
                self._commit_sent = True
            self._sync_if_unsynced()

    def _send(self, cursor: psycopg.Cursor[Any], query: str, params: Params) -> None:
        """Queue ``query`` in the pipeline, after the transaction's BEGIN."""
        if not self._began and self._begin is not None:
            self._queue_command(self._begin)
            self._began = True
        cursor.execute(query, params)
        self._unsynced = True
        self._sent_since_sync += 1

    def _queue_command(self, command: str) -> None:
        assert self._writes is not None
        self._writes.execute(command.encode(), prepare=False)
        self._unsynced = True
        self._sent_since_sync += 1

    def _sync_if_unsynced(self) -> None:
        assert self._pipeline is not None
        if self._unsynced:
            with round_trip_span(self._sent_since_sync):
                self._unsynced, self._sent_since_sync = False, 0
                self._pipeline.sync()

    @staticmethod
    def _pg_query(statement: Statement, params: Params) -> tuple[str, dict[str, Any]]:
        query, defaults = compiled_for_postgres(statement, tuple(sorted(params)))
        return query, {**defaults, **params}

    @property
    def broken(self) -> bool:
        """The connection died under this unit of work (PostgreSQL): its pool's idle
        connections are likely dead too (a server restart, a failover)."""
        return self._pg is not None and self._pg.closed

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except (sa.exc.DBAPIError, psycopg.Error, sqlite3.Error) as exc:
            raise self._meaning(exc) from exc

    def _meaning(self, exc: Exception) -> Exception:
        """What the caller should see instead of the driver's ``exc``."""
        if unreachable := infrastructure_error(exc, commit_sent=self._commit_sent):
            if self._pg is not None and not self._pg.closed:
                self._pg.close()  # never reuse it
            if isinstance(unreachable, CommitOutcomeUnknown):
                return unreachable
            # Nothing was applied: the attempt runs again on a fresh connection, and if the
            # database is down, that connection's refusal is the answer.
            return ConnectionLost("the database connection was lost")
        original = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        if isinstance(original, pg_errors.InvalidSqlStatementName) and self._pg is not None:
            # psycopg's record of the session's prepared statements is out of step with the
            # server's (seen after a pipeline aborted mid-batch on a deadlock). The statement
            # failed, so its transaction applied nothing; the connection is not to be reused,
            # and the attempt runs again on a fresh one instead of answering INTERNAL.
            self._pg.close()
            return ConnectionLost("the connection's prepared statements were out of step")
        return _translate(original) or exc


def _translate(exc: BaseException | None) -> Exception | None:
    """The exception a caller should see instead of the driver error ``exc``, if any."""
    if isinstance(exc, pg_errors.UniqueViolation) and (
        error := UNIQUE_VIOLATIONS.from_postgres(exc)
    ):
        return error
    if isinstance(exc, sqlite3.IntegrityError) and (
        error := UNIQUE_VIOLATIONS.from_sqlite(str(exc))
    ):
        return error
    if isinstance(exc, _PG_TRANSIENT) or _is_sqlite_transient(exc):
        return TransientConflict(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return None


def _is_sqlite_transient(exc: BaseException | None) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(exc)
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
