"""Fixtures shared by every tier: databases, a wired hub, partners, a real gRPC server.

PostgreSQL: ``HUB_TEST_DATABASE_URL`` when set, else the server on 127.0.0.1:5432 (user
``postgres``). The suite creates a template database, migrated once, and gives each test a
fresh copy of it, dropped afterwards. Without a reachable server the PostgreSQL tests skip,
except under ``CI=true``, where that is a failure.

Every test that uses the ``hub`` fixture ends with ``hub ledger verify`` on its database: the
ledger invariants hold after every scenario, unless a test is marked ``breaks_ledger``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hub import bootstrap
from hub.adapters.database import create_engine
from hub.adapters.migrate import upgrade
from hub.config import Settings, new_keys_env
from hub.domain.clock import ManualClock
from hub.domain.members import Identifier, IdentifierKind
from hub.domain.rates import Rates
from hub.services.commands import AddPartner, Attribution

START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
KEYS_ENV = new_keys_env()
IDENTIFIER_KEY_HEX = KEYS_ENV["HUB_IDENTIFIER_KEY"]
OPERATOR = Attribution("spiffe://coalition.hub/staff/admin/test-operator", "test setup")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "breaks_ledger: the test corrupts the ledger on purpose")


# -- PostgreSQL -------------------------------------------------------------------------------


def _admin_conninfo() -> str:
    url = make_url(os.environ.get("HUB_TEST_DATABASE_URL", DEFAULT_PG_URL))
    return url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


def _database_url(name: str) -> str:
    url = make_url(os.environ.get("HUB_TEST_DATABASE_URL", DEFAULT_PG_URL))
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    with psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=3) as connection:
        connection.execute(statement)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """Name of a migrated template database, created once per test session."""
    try:
        _admin("SELECT 1")
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL is not reachable ({str(error).strip().splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run", pytrace=False)
        pytest.skip(reason)
    name = f"hub_template_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    engine = create_engine(_database_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _database_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per session (worker): a test copies it in
    milliseconds instead of running every migration again (about a second)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hub.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file, none in a WAL
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each integration test runs on both supported stores."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


# -- the hub ----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        identifier_key_hex=IDENTIFIER_KEY_HEX,
        data_key_hex=KEYS_ENV["HUB_DATA_KEY"],
        audit_key_hex=KEYS_ENV["HUB_AUDIT_KEY"],
        signing_key_hex=KEYS_ENV["HUB_SIGNING_KEY"],
        threads=8,
        shutdown_grace_s=5,
    )


@pytest.fixture
def hub(
    request: pytest.FixtureRequest, database_url: str, clock: ManualClock
) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(settings_for(database_url), clock=clock)
    yield wired
    if request.node.get_closest_marker("breaks_ledger") is None:
        report = wired.operator.verify_ledger()
        assert report.violations == (), (
            f"ledger invariants broken after the scenario: {report.violations}"
        )
    wired.close()


def rates(
    earn_rate: str = "1", burn_value: str = "0.01", issue: str = "0.01", redemption: str = "0.009"
) -> Rates:
    return Rates(Decimal(earn_rate), Decimal(burn_value), Decimal(issue), Decimal(redemption))


def add_partner(hub: bootstrap.Hub, partner_id: str = "coffee", **overrides: object) -> str:
    fields: dict[str, object] = {
        "partner_id": partner_id,
        "name": partner_id.title(),
        "currency": "EUR",
        "rates": rates(),
    }
    fields.update(overrides)
    hub.operator.add_partner(AddPartner(**fields, changed_by=OPERATOR))  # type: ignore[arg-type]
    return partner_id


@pytest.fixture
def coffee(hub: bootstrap.Hub) -> str:
    """A partner in EUR earning 1 point per euro, points available at once, never expiring."""
    return add_partner(hub)


def later(clock: ManualClock, seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


# -- secrets never reach the logs -------------------------------------------------------------


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


_SECRET_LENGTH_MIN = 8
"""Shorter values (an app id of "a1") would match log text by chance."""


@pytest.fixture(scope="session", autouse=True)
def no_raw_identifier_or_key_is_ever_logged() -> Iterator[None]:
    """Every identifier the hub parses and every key the tests use, checked against every log
    line the whole suite produced at DEBUG level, in this process."""
    seen: set[str] = set(KEYS_ENV.values())
    original = Identifier.parse.__func__  # type: ignore[attr-defined]

    def parse(cls: type[Identifier], kind: IdentifierKind, raw: str, **options: str) -> Identifier:
        parsed = original(cls, kind, raw, **options)
        seen.update((raw, parsed.value))
        return parsed  # type: ignore[no-any-return]

    recorder, hub_logger = _Recorder(), logging.getLogger("hub")
    level = hub_logger.level
    hub_logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(recorder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Identifier, "parse", classmethod(parse))
        yield
    logging.getLogger().removeHandler(recorder)
    hub_logger.setLevel(level)
    secrets = {value for value in seen if len(value) >= _SECRET_LENGTH_MIN}
    leaks = [line for line in recorder.lines if any(secret in line for secret in secrets)]
    assert not leaks, f"raw identifiers or keys in the logs: {leaks[:3]}"
