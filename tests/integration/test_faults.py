"""Which driver exceptions mean "the database cannot be reached" (hub.adapters.faults), tried
on real exceptions: provoked where it is cheap (a closed port, a terminated backend, a file
that cannot be opened), else the driver's own class for the SQLSTATE the server would send."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg_errors

from hub.adapters.database import create_engine
from hub.adapters.faults import infrastructure_error
from hub.domain.errors import CommitOutcomeUnknown, DatabaseUnavailable
from hub.services.ports.conflicts import TransientConflict


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raised(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as exc:  # noqa: BLE001 - the point is to catch whatever it raises
        return exc
    raise AssertionError("expected an exception")


@pytest.fixture
def refused_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres?connect_timeout=2"


@pytest.fixture
def terminated(pg_url: str) -> Iterator[psycopg.Connection]:
    """A connection whose backend an administrator has terminated."""
    victim = psycopg.connect(pg_url, autocommit=True)
    pid = victim.info.backend_pid
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    yield victim
    victim.close()


# -- unreachable: DATABASE_UNAVAILABLE, or COMMIT_OUTCOME_UNKNOWN after COMMIT -----------------


def test_a_refused_psycopg_connection_is_database_unavailable():
    exc = _raised(
        lambda: psycopg.connect(
            host="127.0.0.1", port=_closed_port(), user="postgres", connect_timeout=2
        )
    )
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


def test_a_refused_connection_through_sqlalchemy_is_database_unavailable(refused_url):
    engine = create_engine(refused_url, pool_size=1)
    try:
        exc = _raised(engine.connect)
    finally:
        engine.dispose()
    assert isinstance(exc, sa.exc.OperationalError)
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


@pytest.mark.postgres
def test_a_terminated_backend_is_database_unavailable(terminated):
    exc = _raised(lambda: terminated.execute("SELECT 1"))
    assert isinstance(exc, psycopg.OperationalError)
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


@pytest.mark.postgres
def test_a_terminated_backend_after_commit_was_sent_is_an_unknown_outcome(terminated):
    exc = _raised(lambda: terminated.execute("COMMIT"))
    assert isinstance(infrastructure_error(exc, commit_sent=True), CommitOutcomeUnknown)


@pytest.mark.postgres
def test_a_closed_connection_is_database_unavailable(pg_url):
    connection = psycopg.connect(pg_url)
    connection.close()
    exc = _raised(lambda: connection.execute("SELECT 1"))
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


@pytest.mark.postgres
def test_a_connection_sqlalchemy_invalidated_is_database_unavailable(pg_url):
    engine = create_engine(pg_url, pool_size=1)
    try:
        with engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            exc = _raised(lambda: connection.exec_driver_sql("SELECT 1"))
    finally:
        engine.dispose()
    assert isinstance(exc, sa.exc.DBAPIError)
    assert exc.connection_invalidated
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


@pytest.mark.parametrize(
    "error",
    [
        pg_errors.AdminShutdown("terminating connection due to administrator command"),
        pg_errors.CrashShutdown("terminating connection because of crash of another process"),
        pg_errors.CannotConnectNow("the database system is starting up"),
        pg_errors.TooManyConnections("sorry, too many clients already"),
        pg_errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
        pg_errors.ConnectionFailure("connection failure"),
        pg_errors.ConnectionTimeout("connection timeout expired"),
    ],
    ids=type,
)
def test_server_shutdown_startup_and_standby_answers_are_database_unavailable(error):
    assert isinstance(infrastructure_error(error, commit_sent=False), DatabaseUnavailable)


@pytest.mark.parametrize(
    "error", [ConnectionResetError(104, "reset"), ConnectionRefusedError(111, "refused")]
)
def test_socket_errors_are_database_unavailable(error):
    assert isinstance(infrastructure_error(error, commit_sent=False), DatabaseUnavailable)


def test_every_unreachable_fault_after_commit_was_sent_is_an_unknown_outcome():
    error = pg_errors.AdminShutdown("terminating connection due to administrator command")
    assert isinstance(infrastructure_error(error, commit_sent=True), CommitOutcomeUnknown)


def _wrap_admin_shutdown() -> None:
    try:
        raise pg_errors.AdminShutdown("terminating connection")
    except psycopg.Error as exc:
        raise TransientConflict("the database connection was lost") from exc


def test_a_fault_wrapped_by_the_hub_is_found_under_the_wrapper():
    wrapper = _raised(_wrap_admin_shutdown)
    assert isinstance(infrastructure_error(wrapper, commit_sent=False), DatabaseUnavailable)


def test_an_sqlite_file_that_cannot_be_opened_is_database_unavailable(tmp_path):
    exc = _raised(lambda: sqlite3.connect(tmp_path / "missing" / "hub.db"))
    assert isinstance(infrastructure_error(exc, commit_sent=False), DatabaseUnavailable)


# -- not infrastructure: None ----------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        pg_errors.UniqueViolation("duplicate key value violates unique constraint"),
        pg_errors.SerializationFailure("could not serialize access"),
        pg_errors.DeadlockDetected("deadlock detected"),
        pg_errors.LockNotAvailable("could not obtain lock"),
        pg_errors.QueryCanceled("canceling statement due to statement timeout"),
        pg_errors.PipelineAborted("pipeline aborted"),
        pg_errors.UndefinedTable('relation "members" does not exist'),
        sa.exc.TimeoutError("QueuePool limit reached"),
        ValueError("a bug"),
    ],
    ids=type,
)
def test_refusals_races_and_bugs_are_not_infrastructure(error):
    assert infrastructure_error(error, commit_sent=False) is None
    assert infrastructure_error(error, commit_sent=True) is None


def test_a_locked_sqlite_database_is_a_race_not_an_outage(tmp_path):
    path = tmp_path / "hub.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        exc = _raised(lambda: waiter.execute("BEGIN IMMEDIATE"))
    finally:
        waiter.close()
        holder.close()
    assert isinstance(exc, sqlite3.OperationalError)
    assert infrastructure_error(exc, commit_sent=False) is None


@pytest.mark.postgres
def test_a_statement_error_through_sqlalchemy_is_not_infrastructure(pg_url):
    engine = create_engine(pg_url, pool_size=1)
    try:
        with engine.connect() as connection:
            exc = _raised(lambda: connection.exec_driver_sql("SELECT * FROM no_such_table"))
    finally:
        engine.dispose()
    assert isinstance(exc, sa.exc.ProgrammingError)
    assert infrastructure_error(exc, commit_sent=False) is None
