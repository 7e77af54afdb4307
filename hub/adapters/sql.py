"""Runs Core statements on one connection, the fast way each store allows.

On PostgreSQL, statements are compiled once and handed straight to psycopg, and the whole
unit of work runs in psycopg's pipeline mode: BEGIN travels with the first read, each read is
one round trip, and deferred writes travel with the COMMIT. An earn is then three round trips
instead of ten, and skips SQLAlchemy's per-call result machinery, which costs more than the
database work itself on a small machine (see the closing note of issue 2).
On SQLite every statement goes through SQLAlchemy as usual.

Database refusals are translated here, once: a violated constraint that means something to a
caller becomes its domain error, a refusal caused by a concurrent transaction becomes
``TransientConflict`` (the use case is retried), anything else propagates.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.constraints import UNIQUE_VIOLATIONS
from hub.services.unit_of_work import TransientConflict

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
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
    """One connection's statements for one unit of work; see the module docstring.

    ``close()`` must be called before the connection goes back to the pool.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        driver = connection.connection.driver_connection
        self._pg: psycopg.Connection[Any] | None = (
            driver if isinstance(driver, psycopg.Connection) else None
        )
        self._deferred: list[tuple[Statement, Sequence[Params]]] = []
        self.cache_stale = False
        """Set by a write to what processes cache (credentials, partners, rates, rules)."""
        self._pipeline_mode = ExitStack()
        if self._pg is not None:
            self._pipeline = self._pipeline_mode.enter_context(self._pg.pipeline())
            # Open until the unit of work ends: psycopg drops the error of a statement whose
            # cursor closed before the pipeline synced, and would report "aborted" instead.
            self._writes = self._pipeline_mode.enter_context(self._pg.cursor())

    def end(self, transaction: sa.Transaction) -> None:
        """Roll back what was not committed and leave the connection clean for the pool.

        Never raises: it runs while another error may be propagating, which must not be masked.
        A connection that cannot be cleaned is invalidated instead of going back to the pool.
        """
        try:
            self._drain()
            if transaction.is_active:
                transaction.rollback()
            if self._pg is not None and self._pg.info.transaction_status != TransactionStatus.IDLE:
                # A commit that failed in the database (a constraint) leaves the transaction
                # aborted, and SQLAlchemy, which saw commit() called, would not reset it.
                self._pg.rollback()
            self._pipeline_mode.close()
        except (sa.exc.DBAPIError, psycopg.Error, sqlite3.Error) as exc:
            log.warning("discarding a database connection that could not be reset: %s", exc)
            self._connection.invalidate(exc)

    def _drain(self) -> None:
        """Consume what the pipeline still owes; the errors in it were reported already."""
        if self._pg is None:
            return
        try:
            self._pipeline.sync()
        except psycopg.Error:
            log.debug("drained a failed pipeline", exc_info=True)

    def mark_cache_stale(self) -> None:
        """This transaction changes what processes cache: this one forgets it on commit (the
        database's triggers tell the others, hub.adapters.cache_refresher)."""
        self.cache_stale = True

    @property
    def dialect(self) -> str:
        return self._connection.dialect.name

    def rows(self, statement: Statement, params: Params | None = None) -> Sequence[Row]:
        """All rows ``statement`` returns (deferred writes are sent first)."""
        self.flush()
        with self._translated():
            if self._pg is None:
                result = self._connection.execute(statement, dict(params or {}))
                return cast(Sequence[Row], [row._mapping for row in result])
            with self._pg.cursor(row_factory=dict_row) as cursor:
                cursor.execute(*self._pg_query(statement, params or {}))
                return cursor.fetchall()

    def first(self, statement: Statement, params: Params | None = None) -> Row | None:
        found = self.rows(statement, params)
        return found[0] if found else None

    def execute(self, statement: Statement, params: Params | None = None) -> int:
        """Run a write now; returns how many rows it touched."""
        self.flush()
        with self._translated():
            if self._pg is None:
                return int(self._connection.execute(statement, dict(params or {})).rowcount)
            with self._pg.cursor() as cursor:
                cursor.execute(*self._pg_query(statement, params or {}))
                self._pipeline.sync()  # the row count is known once the server has answered
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
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        with self._translated():
            if self._pg is None:
                for statement, rows in deferred:
                    self._connection.execute(statement, [dict(row) for row in rows])
            else:
                self._flush_pipelined(deferred)

    def commit(self, transaction: sa.Transaction) -> None:
        self.flush()
        with self._translated():
            transaction.commit()

    def _flush_pipelined(self, deferred: list[tuple[Statement, Sequence[Params]]]) -> None:
        assert self._pg is not None
        # Plain executes only queue; a failure surfaces at the next sync, the commit's or a
        # read's (executemany would sync at once, and psycopg would log a second error).
        for statement, rows in deferred:
            query, defaults = compiled_for_postgres(statement, tuple(sorted(rows[0])))
            for row in rows:
                self._writes.execute(query, {**defaults, **row})

    @staticmethod
    def _pg_query(statement: Statement, params: Params) -> tuple[str, dict[str, Any]]:
        query, defaults = compiled_for_postgres(statement, tuple(sorted(params)))
        return query, {**defaults, **params}

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise TransientConflict("the database connection was lost") from exc
            if translated := _translate(exc.orig):
                raise translated from exc
            raise
        except (psycopg.Error, sqlite3.Error) as exc:
            if self._pg is not None and self._pg.closed:
                # Broken under our feet (server restart, network): never reuse it.
                self._connection.invalidate(exc)
                raise TransientConflict("the database connection was lost") from exc
            if translated := _translate(exc):
                raise translated from exc
            raise


def _translate(exc: BaseException | None) -> BaseException | None:
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
