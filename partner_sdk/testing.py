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

A partner's own burn rules, earn rounding, campaigns and exclusions can be set too::

    hub.add_partner("shop", burn_value="1", earn_rounding="half_up",
                    burn_rules=BurnRules(max_share="0.5", category_shares={"children": "0.2"}))
    hub.set_campaign("toys-x2", label="Toys double", partner_id="shop", multiplier="2",
                     categories=("children",))
    hub.set_exclusions("shop", earn_categories=("tobacco",))
    hub.add_rule("cap", "daily", "--period", "day", "--points", "500")  # any `hub rules` kind

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
_OPERATOR: Final = "operator/local-hub"
FRAUD_CHECKS_SETTING: Final = "HUB_FRAUD_CHECKS"
"""The `hub serve` setting that turns its fraud checks on or off."""
# `hub serve` prints exactly this line once it accepts calls.
_READY_LINE: Final = re.compile(r"^hub listening on (\S+)$", re.MULTILINE)

Rate = str | int | Decimal


class LocalHubError(RuntimeError):
    """The local hub could not be set up, did not start, or a CLI command failed."""


@dataclass(frozen=True)
class BurnRules:
    """What a partner lets members pay with points (``LocalHub.add_partner(burn_rules=...)``)."""

    min_points: int = 1
    """Fewest points one redemption may use."""
    max_share: Rate = "1"
    """Largest share of a receipt payable with points, in (0, 1]."""
    min_cash_minor: int = 0
    """Least of a receipt paid in money."""
    excluded_categories: Sequence[str] = ()
    """Line-item categories points cannot pay for."""
    category_shares: Mapping[str, Rate] = field(default_factory=dict)
    """Category -> largest share of its lines payable with points, e.g. ``{"children": "0.2"}``."""

    def flags(self) -> tuple[str, ...]:
        """The ``hub partner add`` flags that set these rules."""
        shares = ",".join(f"{category}={share}" for category, share in self.category_shares.items())
        return (
            *("--burn-min-points", str(self.min_points), "--burn-max-share", str(self.max_share)),
            *("--burn-min-cash-minor", str(self.min_cash_minor)),
            *("--burn-excluded-categories", ",".join(self.excluded_categories)),
            *("--burn-category-shares", shares),
        )


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
    def pid(self) -> int:
        """The hub process's id, e.g. to watch its memory or send it a signal."""
        if self._process is None:
            raise LocalHubError("the local hub is not running; use `with LocalHub() as hub:`")
        return self._process.pid

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
        phone_region: str | None = None,
        earn_rounding: str = "down",
        burn_rules: BurnRules | None = None,
        offline_window_s: int | None = None,
    ) -> None:
        """Onboard a partner with rates in force from now.

        ``expiry`` is ``never``, ``months:N`` or ``end-of-month:N``; ``name`` defaults to the id.
        ``phone_region`` (ISO 3166, e.g. ``"RU"``) is the country the partner's national phone
        numbers are read in; ``None`` accepts only numbers in international form ('+').
        ``earn_rounding`` (``down``, ``half_up`` or ``up``) is how base points round;
        ``burn_rules`` what members may pay with points (``None``: anything).
        ``offline_window_s`` is how long after a sale its earn may arrive (``StoreAndForward``;
        ``None``: the hub's default, 72 h).
        """
        window = () if offline_window_s is None else ("--offline-window-s", str(offline_window_s))
        self._run_as_operator(
            *("partner", "add", partner_id, "--name", name or partner_id),
            *("--currency", currency, "--earn-rate", str(earn_rate)),
            *("--burn-value", str(burn_value), "--issue-price", str(issue_price)),
            *("--redemption-price", str(redemption_price)),
            *("--pending-period-s", str(pending_period_s), "--expiry", expiry),
            *("--phone-region", phone_region or ""),
            *("--earn-rounding", earn_rounding),
            *(burn_rules or BurnRules()).flags(),
            *window,
            *("--reason", _AUDIT_REASON),
        )

    def set_campaign(
        self,
        rule_id: str,
        *,
        label: str,
        multiplier: Rate | None = None,
        bonus_points: int | None = None,
        partner_id: str | None = None,
        categories: Sequence[str] = (),
        first_purchase: bool = False,
        budget_points: int | None = None,
        starts: datetime | None = None,
        ends: datetime | None = None,
    ) -> None:
        """Set campaign ``rule_id`` from now (a new version if it exists): a ``multiplier`` of
        the base points or a fixed ``bonus_points``, at ``partner_id`` (``None``: everywhere),
        on ``categories`` (empty: the whole receipt). ``starts`` defaults to now. Other
        conditions: ``add_rule("campaign", rule_id, ...)`` with ``hub rules campaign`` flags."""
        if (multiplier is None) == (bonus_points is None):
            raise ValueError("a campaign gives either a multiplier or bonus_points")
        bonus = (
            ("--multiplier", str(multiplier))
            if multiplier is not None
            else ("--bonus-points", str(bonus_points))
        )
        self.add_rule(
            "campaign",
            rule_id,
            *("--label", label, *bonus),
            *("--starts", _instant(starts or datetime.now(UTC))),
            *(("--ends", _instant(ends)) if ends else ()),
            *(("--partner", partner_id) if partner_id else ()),
            *(flag for category in categories for flag in ("--category", category)),
            *(("--first-purchase",) if first_purchase else ()),
            *(("--budget", str(budget_points)) if budget_points is not None else ()),
        )

    def set_exclusions(
        self,
        partner_id: str,
        *,
        earn_categories: Sequence[str] = (),
        burn_categories: Sequence[str] = (),
        discounted_earn: bool = True,
    ) -> None:
        """Set the partner's exclusions from now: categories that earn nothing, categories points
        cannot pay for, and whether discounted lines earn."""
        self.add_rule(
            "exclusions",
            partner_id,
            *(flag for category in earn_categories for flag in ("--earn-category", category)),
            *(flag for category in burn_categories for flag in ("--burn-category", category)),
            *(() if discounted_earn else ("--exclude-discounted",)),
        )

    def add_rule(self, kind: str, *args: str) -> None:
        """Set a rule of any kind from now as ``hub rules KIND ARGS...`` does (see
        ``python -m hub rules KIND --help``), e.g. ``add_rule("cap", "daily", "--period", "day",
        "--points", "500")``; ``end_rule`` ends one."""
        self._run_as_operator("rules", kind, *args, "--reason", _AUDIT_REASON)

    def end_rule(self, rule_id: str) -> None:
        """End rule ``rule_id`` from now."""
        self._run_as_operator("rules", "end", rule_id, "--reason", _AUDIT_REASON)

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
        self._execute(self._command(*args))

    def _run_as_operator(self, *args: str) -> None:
        """An operator's command (``hub partner``, ``hub rules``): over gRPC, as a loopback
        plaintext hub lets a named operator call it."""
        operator = ("--hub", self.target, "--insecure-as", _OPERATOR)
        self._execute([sys.executable, "-m", "hub", *args, *operator])

    def _execute(self, command: list[str]) -> None:
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


def _instant(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("give the instant a time zone, e.g. datetime.now(UTC)")
    return moment.isoformat()


def _tail(text: str) -> str:
    return text[-_OUTPUT_TAIL_CHARS:] or "(nothing)"
