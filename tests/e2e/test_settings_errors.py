"""The installed ``hub`` command, run as an operator would, with bad settings or no database:
one line naming what is wrong, and an exit status a script can test; ``--debug`` for the
traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import KEYS_ENV

pytestmark = pytest.mark.slow
HUB = str(Path(sys.executable).with_name("hub"))
"""The console script ``pip install`` made, next to the interpreter running the tests."""
COMMAND_TIMEOUT_S = 60
"""A ``hub serve`` that was wrongly accepted would run until this: the test then fails."""


def _environment(**settings: str) -> dict[str, str]:
    """The caller's environment without any ``HUB_*`` of its own, with fresh keys and
    ``settings``."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    return inherited | KEYS_ENV | settings


def _hub(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args],
        capture_output=True,
        text=True,
        env=_environment(**settings),
        timeout=COMMAND_TIMEOUT_S,
    )


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "HUB_SHUTDOWN_GRACE_S",
            "20s",
            "HUB_SHUTDOWN_GRACE_S must be a number of seconds such as 20 or 2.5 (got '20s')",
        ),
        ("HUB_THREADS", "eight", "HUB_THREADS must be an integer"),
        ("HUB_THREADS", "-4", "HUB_THREADS must be between 1 and 256, not -4"),
        ("HUB_MAX_CONCURRENT_RPCS", "-1", "HUB_MAX_CONCURRENT_RPCS must be at least 1, not -1"),
        (
            "HUB_DATABASE_URL",
            "mysql://hub@db/hub",
            "HUB_DATABASE_URL must be postgresql://USER@HOST:PORT/DATABASE or sqlite:///PATH "
            "(got 'mysql://hub@db/hub')",
        ),
        (
            "HUB_DATA_KEY",
            "not-hex",
            "HUB_DATA_KEY must be 64 hex digits (32 bytes), as `hub keygen` prints",
        ),
    ],
)
def test_serve_refuses_a_bad_setting_in_one_line_naming_it(tmp_path, name, value, line):
    result = _hub(
        *("serve", "--insecure", "--listen", "127.0.0.1:0"),
        **{"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", name: value},
    )
    assert result.returncode == 2
    assert result.stderr == f"hub: configuration: {line}\n"
    assert result.stdout == ""


def test_several_bad_settings_are_one_line_each_for_any_command():
    result = _hub(
        "ledger", "verify", HUB_SHUTDOWN_GRACE_S="20s", HUB_TIMEZONE="Nowhere", HUB_WORKERS="0"
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("hub: configuration: HUB_") for line in lines)
    assert {line.split()[2] for line in lines} == {
        "HUB_SHUTDOWN_GRACE_S",
        "HUB_TIMEZONE",
        "HUB_WORKERS",
    }


def test_a_refused_database_connection_is_one_line():
    port = _refused_port()
    result = _hub("ledger", "verify", HUB_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/x")
    assert result.returncode == 1
    assert result.stderr == (
        f"hub: cannot reach the database at 127.0.0.1:{port} (connection refused); is it running?\n"
    )


def test_debug_shows_the_traceback_of_a_refused_connection():
    port = _refused_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/x"
    result = _hub("--debug", "ledger", "verify", HUB_DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "sqlalchemy.exc.OperationalError" in result.stderr
    assert "cannot reach the database" not in result.stderr


def test_debug_shows_the_traceback_of_a_bad_setting():
    result = _hub("--debug", "ledger", "verify", HUB_SHUTDOWN_GRACE_S="20s")
    assert result.returncode == 2
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.rstrip().splitlines()[-1] == (
        "hub.config.ConfigError: HUB_SHUTDOWN_GRACE_S must be a number of seconds such as 20 "
        "or 2.5 (got '20s')"
    )


@pytest.mark.postgres
def test_a_database_the_server_does_not_have_is_one_line_saying_to_check_the_url(pg_url):
    missing = make_url(pg_url).set(database="hub_no_such_database")
    url = missing.render_as_string(hide_password=False)
    result = _hub("ledger", "verify", HUB_DATABASE_URL=url)
    assert result.returncode == 1
    where = f"{missing.host}:{missing.port or 5432}"
    assert result.stderr == (
        f"hub: the database at {where} refused the connection "
        '(database "hub_no_such_database" does not exist); check HUB_DATABASE_URL\n'
    )


def test_a_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path):
    path = tmp_path / "no-such-folder" / "hub.db"
    result = _hub("ledger", "verify", HUB_DATABASE_URL=f"sqlite:///{path}")
    assert result.returncode == 1
    assert result.stderr == (
        f"hub: cannot open the database file {path} (unable to open database file)\n"
    )


def test_serve_on_an_address_in_use_says_so_in_one_line(tmp_path):
    database = f"sqlite:///{tmp_path}/hub.db"
    assert _hub("migrate", "--db", database).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        served = _hub("serve", "--listen", listen, "--insecure", "--db", database)
    ours = [line for line in served.stderr.splitlines() if line.startswith("hub: ")]
    assert served.returncode == 1
    assert ours == [f"hub: cannot listen on {listen}: the address is in use or not this host's"]
    assert "Traceback" not in served.stderr
