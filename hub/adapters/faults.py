"""Which driver exceptions mean "the database cannot be reached", as the hub's errors.

One pure function, ``infrastructure_error``, looks at an exception from psycopg, SQLAlchemy
or sqlite3 (or one that wraps such an exception) and answers the ``Unavailable`` error a
caller should see, or ``None`` when the exception is not an infrastructure fault (a
constraint, a lost race, a bug: those are translated, retried or reported elsewhere).

What counts as unreachable:

- the connection could not be made, or broke: refused, reset, timed out, closed
  (libpq reports these as ``OperationalError`` without an SQLSTATE);
- the server answered with a connection-class SQLSTATE (``08xxx``), is shutting down or
  starting up (``57P01``-``57P03``), has no connection slot left (``53300``), or turned out
  to be a read-only standby (``25006``, a failover in progress);
- an SQLite file that cannot be opened or read (``SQLITE_CANTOPEN``, ``SQLITE_IOERR``).

An exhausted connection pool is not here: the hub is busy, not cut off (``ServerBusy``).

Once COMMIT has been sent, losing the connection says nothing about whether the work was
applied, so the answer is ``CommitOutcomeUnknown``; a retry with the same idempotency key
settles it. Even an error the server sent after COMMIT can follow a durable commit (a
backend terminated while waiting for its synchronous standby), so every infrastructure
fault after COMMIT is treated as an unknown outcome.
"""

from __future__ import annotations

import sqlite3

import psycopg
import sqlalchemy as sa
from psycopg import errors as pg_errors

from hub.domain.errors import CommitOutcomeUnknown, DatabaseUnavailable, Unavailable

CAUSE_DEPTH_MAX = 8
"""How far down a chain of wrapped exceptions to look for the driver's own."""

_PG_UNREACHABLE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is stopping, or the backend was terminated
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up, or in recovery
        "53300",  # too_many_connections
        "25006",  # read_only_sql_transaction: connected to a standby (failover)
    }
)
_PG_CONNECTION_CLASS = "08"
_PG_NOT_CONNECTION_FAULTS = (pg_errors.PipelineAborted,)
"""Sqlstate-less operational errors that follow an earlier statement's failure."""
_SQLITE_UNREACHABLE_CODES = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR})


def infrastructure_error(exc: BaseException, *, commit_sent: bool) -> Unavailable | None:
    """The error to answer for ``exc`` when it means the database cannot be reached, else
    ``None``; ``commit_sent`` says whether COMMIT had been sent when it happened."""
    if not any(_is_unreachable(cause) for cause in _causes(exc)):
        return None
    if commit_sent:
        return CommitOutcomeUnknown(
            "the database connection was lost after COMMIT was sent; retry with the same "
            "idempotency key to learn the outcome"
        )
    return DatabaseUnavailable("the database cannot be reached; retry shortly")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps: SQLAlchemy's ``orig``, then ``__cause__``/``__context__``."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < CAUSE_DEPTH_MAX and current not in chain:
        chain.append(current)
        current = _wrapped(current)
    return chain


def _wrapped(exc: BaseException) -> BaseException | None:
    if isinstance(exc, sa.exc.DBAPIError) and isinstance(exc.orig, BaseException):
        return exc.orig
    if exc.__cause__ is not None or exc.__suppress_context__:
        return exc.__cause__
    return exc.__context__


def _is_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.DBAPIError):
        # SQLAlchemy saw the connection die and discarded it.
        return exc.connection_invalidated
    if isinstance(exc, psycopg.Error):
        return _is_pg_unreachable(exc)
    if isinstance(exc, sqlite3.Error):
        return _is_sqlite_unreachable(exc)
    # The builtin TimeoutError (a socket's), not SQLAlchemy's pool timeout.
    return isinstance(exc, (ConnectionError, TimeoutError))


def _is_pg_unreachable(exc: psycopg.Error) -> bool:
    sqlstate = exc.sqlstate
    if sqlstate is None:
        # libpq's own errors: the connection failed, broke or is closed.
        return isinstance(exc, psycopg.OperationalError) and not isinstance(
            exc, _PG_NOT_CONNECTION_FAULTS
        )
    return sqlstate in _PG_UNREACHABLE_SQLSTATES or sqlstate.startswith(_PG_CONNECTION_CLASS)


def _is_sqlite_unreachable(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    # Extended codes (SQLITE_IOERR_READ...) keep the primary code in their low byte.
    return code is not None and code & 0xFF in _SQLITE_UNREACHABLE_CODES
