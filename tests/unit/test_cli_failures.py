"""How ``hub`` commands fail: one line and a status for what operators meet, a traceback for bugs.

Each test runs ``hub keygen`` in process with its action replaced by one that fails."""

from __future__ import annotations

import socket
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa

from hub import cli
from hub.cli import serve
from hub.config import ConfigError
from hub.domain.errors import CommitOutcomeUnknown, DatabaseUnavailable, PartnerNotFound


def _failing_with(monkeypatch: pytest.MonkeyPatch, error: Callable[[], BaseException]) -> None:
    def run(_args: object) -> int:
        raise error()

    monkeypatch.setattr(serve, "run_keygen", run)


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


def _unreachable() -> DatabaseUnavailable:
    """What the unit of work raises when PostgreSQL is down: the driver's error as its cause."""
    try:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{_refused_port()}/x", connect_timeout=3)
    except psycopg.OperationalError as exc:
        try:
            raise DatabaseUnavailable("the database cannot be reached; retry shortly") from exc
        except DatabaseUnavailable as wrapped:
            return wrapped
    raise AssertionError("the refused port accepted a connection")


def _statement_error() -> sa.exc.OperationalError:
    """A statement SQLite rejects: SQLite reports syntax errors as OperationalError too."""
    engine = sa.create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELEC 1")
    except sa.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("SQLite ran a statement with a typo")


@pytest.mark.parametrize(
    ("error", "line", "status"),
    [
        (
            lambda: ConfigError("HUB_THREADS must be an integer", "HUB_WORKERS must be an integer"),
            "hub: configuration: HUB_THREADS must be an integer\n"
            "hub: configuration: HUB_WORKERS must be an integer",
            2,
        ),
        (
            lambda: PartnerNotFound("no partner 'tea'"),
            "hub: no partner 'tea' (PARTNER_NOT_FOUND)",
            2,
        ),
        (
            lambda: CommitOutcomeUnknown("the connection was lost after COMMIT"),
            "hub: the connection was lost after COMMIT (COMMIT_OUTCOME_UNKNOWN)",
            1,
        ),
        (
            lambda: OSError(98, "Address already in use"),
            "hub: [Errno 98] Address already in use",
            1,
        ),
    ],
    ids=["settings", "business-refusal", "outcome-unknown", "os-error"],
)
def test_an_expected_failure_is_one_line_per_problem_and_a_status(
    monkeypatch, capsys, error, line, status
):
    _failing_with(monkeypatch, error)
    assert cli.main(["keygen"]) == status
    assert capsys.readouterr().err == line + "\n"


def test_a_database_the_unit_of_work_cannot_reach_is_one_line_naming_it(monkeypatch, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://postgres:secret@db.internal:6432/hub")
    _failing_with(monkeypatch, _unreachable)
    assert cli.main(["keygen"]) == 1
    assert capsys.readouterr().err == (
        "hub: cannot reach the database at db.internal:6432 (connection refused); is it running?\n"
    )


def test_debug_prints_the_traceback_and_keeps_the_status(monkeypatch, capsys):
    _failing_with(monkeypatch, lambda: ConfigError("HUB_THREADS must be an integer"))
    assert cli.main(["--debug", "keygen"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.rstrip().endswith("hub.config.ConfigError: HUB_THREADS must be an integer")


@pytest.mark.parametrize(
    "error",
    [lambda: RuntimeError("a bug"), _statement_error, lambda: KeyError("field")],
    ids=["runtime-error", "sql-typo", "key-error"],
)
def test_a_bug_is_not_masked_as_a_one_line_failure(monkeypatch, error):
    _failing_with(monkeypatch, error)
    with pytest.raises(type(error())):
        cli.main(["keygen"])
