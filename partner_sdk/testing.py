"""``LocalHub``: a real hub on a free local port, for partners' own tests.

::

    from partner_sdk import Identifier
    from partner_sdk.testing import LocalHub

    def test_a_purchase_earns_points():
        with LocalHub() as hub:
            hub.add_partner("coffee", currency="EUR", earn_rate="0.1")
            with hub.client("coffee") as client:
                member = client.enroll(Identifier.card("4000123456789010"))
                earned = client.earn(member.member_id, amount_minor=1050, currency="EUR",
                                     order_id="r-1")
                assert earned.points == 1

The hub must be installed where this interpreter can import it (``pip install coalition-hub``):
``LocalHub`` runs ``python -m hub`` in subprocesses, against a SQLite file in a temporary
directory that is deleted on exit, with random keys. Nothing is shared between two
``LocalHub``s.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Final, NoReturn, Self

from partner_sdk._retry import RetryPolicy
from partner_sdk._rpc import DEFAULT_RETRY, DEFAULT_TIMEOUT_S
from partner_sdk.aio import AsyncHubClient
from partner_sdk.client import HubClient

START_TIMEOUT_S: Final = 30.0
STOP_TIMEOUT_S: Final = 10.0
COMMAND_TIMEOUT_S: Final = 60.0
_POLL_INTERVAL_S: Final = 0.02
_OUTPUT_TAIL_CHARS: Final = 4000
# The keys `hub serve` needs (`hub keygen` prints them), and what the audit log says of
# partners this class adds.
_KEY_SETTINGS: Final = ("HUB_IDENTIFIER_KEY", "HUB_DATA_KEY", "HUB_AUDIT_KEY")
_AUDIT_REASON: Final = "partner_sdk.testing.LocalHub"
FRAUD_CHECKS_SETTING: Final = "HUB_FRAUD_CHECKS"
"""The `hub serve` setting that turns its fraud checks on or off."""
# `hub serve` prints exactly this line once it accepts calls.
_READY_LINE: Final = re.compile(r"^hub listening on (\S+)$", re.MULTILINE)

Rate = str | int | Decimal


class LocalHubError(RuntimeError):
    """The local hub could not be set up, did not start, or a CLI command failed."""


class LocalHub:
    """A hub process of its own, serving plaintext gRPC on ``127.0.0.1`` until ``stop()``."""

    def __init__(
        self,
        *,
        start_timeout_s: float = START_TIMEOUT_S,
        stop_timeout_s: float = STOP_TIMEOUT_S,
        env: Mapping[str, str] | None = None,
        database_url: str | None = None,
        fraud_checks: bool = True,
    ) -> None:
        """``database_url`` serves an existing database (e.g. PostgreSQL) instead of a fresh
        SQLite file; it is migrated, and the random identifier key means members enrolled
        there under another key are not found by identifier.

        ``fraud_checks`` ``False`` serves with the hub's fraud checks off, for tests that earn
        or redeem far faster than any member would (e.g. hundreds of earns on one card, which
        the checks would start refusing with ``FraudDeclined``); ``env`` may still override it.
        """
        self._database_url = database_url
        self._fraud_checks = fraud_checks
        self._start_timeout_s = start_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._extra_env = dict(env or {})
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._target: str | None = None
        self._env: dict[str, str] = {}

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def target(self) -> str:
        """``host:port`` the hub listens on."""
        if self._target is None:
            raise LocalHubError("the local hub is not running; use `with LocalHub() as hub:`")
        return self._target

    @property
    def database_url(self) -> str:
        """The hub's database (by default a SQLite file), for inspecting it from a test."""
        return self._database_url or f"sqlite:///{self._dir() / 'hub.db'}"

    def start(self) -> Self:
        """Create the database and start serving; ``LocalHubError`` with the hub's stderr if not."""
        if self._process is not None:
            raise LocalHubError("the local hub is already running")
        self._workdir = tempfile.TemporaryDirectory(prefix="localhub-")
        self._env = self._environment()
        try:
            self._run("migrate")
            self._process = self._spawn_server()
            self._target = self._wait_until_listening(self._process)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the hub (SIGTERM, then SIGKILL after ``stop_timeout_s``) and delete its files."""
        if self._process is not None:
            _terminate(self._process, self._stop_timeout_s)
            self._process = None
        self._target = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def add_partner(
        self,
        partner_id: str,
        *,
        name: str | None = None,
        currency: str = "EUR",
        earn_rate: Rate = "1",
        burn_value: Rate = "0.01",
        issue_price: Rate = "0.01",
        redemption_price: Rate = "0.009",
        pending_period_s: int = 0,
        expiry: str = "never",
    ) -> None:
        """Onboard a partner with rates in force from now.

        ``expiry`` is ``never``, ``months:N`` or ``end-of-month:N``; ``name`` defaults to the id.
        """
        self._run(
            *("partner", "add", partner_id, "--name", name or partner_id),
            *("--currency", currency, "--earn-rate", str(earn_rate)),
            *("--burn-value", str(burn_value), "--issue-price", str(issue_price)),
            *("--redemption-price", str(redemption_price)),
            *("--pending-period-s", str(pending_period_s), "--expiry", expiry),
            *("--reason", _AUDIT_REASON),
        )

    def client(
        self,
        partner_id: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry: RetryPolicy | None = DEFAULT_RETRY,
    ) -> HubClient:
        """A client calling this hub as ``partner_id``; close it (or use ``with``)."""
        return HubClient(self.target, partner_id=partner_id, timeout_s=timeout_s, retry=retry)

    def async_client(
        self,
        partner_id: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry: RetryPolicy | None = DEFAULT_RETRY,
    ) -> AsyncHubClient:
        """An ``asyncio`` client calling this hub as ``partner_id``; create it inside the loop."""
        return AsyncHubClient(self.target, partner_id=partner_id, timeout_s=timeout_s, retry=retry)

    def _dir(self) -> Path:
        if self._workdir is None:
            raise LocalHubError("the local hub is not running; use `with LocalHub() as hub:`")
        return Path(self._workdir.name)

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            # Fresh keys per hub: identifiers hashed, data encrypted and audit records chained
            # here mean nothing anywhere else.
            **{name: secrets.token_hex(32) for name in _KEY_SETTINGS},
            # So the hub's output reaches the files below while it runs, not when it exits.
            "PYTHONUNBUFFERED": "1",
            FRAUD_CHECKS_SETTING: "on" if self._fraud_checks else "off",
            **self._extra_env,
        }

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hub", *args, "--db", self.database_url]

    def _run(self, *args: str) -> None:
        command = self._command(*args)
        done = subprocess.run(
            command,
            cwd=self._dir(),
            env=self._env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise LocalHubError(
                f"`{' '.join(command)}` exited with {done.returncode}:\n{_tail(done.stderr)}"
            )

    def _spawn_server(self) -> subprocess.Popen[bytes]:
        command = self._command("serve", "--listen", "127.0.0.1:0", "--insecure")
        # Files, not pipes: nobody reads the hub's output while tests run, and a full pipe
        # would block it.
        with (
            open(self._dir() / "serve.out", "wb") as out,
            open(self._dir() / "serve.err", "wb") as err,
        ):
            return subprocess.Popen(command, cwd=self._dir(), env=self._env, stdout=out, stderr=err)

    def _wait_until_listening(self, process: subprocess.Popen[bytes]) -> str:
        deadline = time.monotonic() + self._start_timeout_s
        while time.monotonic() < deadline:
            if ready := _READY_LINE.search(self._output("serve.out")):
                return ready.group(1)
            if process.poll() is not None:
                self._fail(f"`hub serve` exited with {process.returncode} before listening")
            time.sleep(_POLL_INTERVAL_S)
        self._fail(f"`hub serve` did not report listening within {self._start_timeout_s} s")

    def _output(self, name: str) -> str:
        return (self._dir() / name).read_text(errors="replace")

    def _fail(self, problem: str) -> NoReturn:
        raise LocalHubError(f"{problem}; its stderr ends:\n{_tail(self._output('serve.err'))}")


def _terminate(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(text: str) -> str:
    return text[-_OUTPUT_TAIL_CHARS:] or "(nothing)"
