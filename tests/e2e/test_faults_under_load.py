"""Faults under till load, each on a PostgreSQL cluster of the test's own: the database
restarted (fast, then a crash), the hub SIGKILLed and started again on its port, and a proxy
that loses answers after the request went through. Tills are ``partner_sdk`` clients with
their retries; each earn and authorization has its own idempotency key, reused by retries.

After each: every operation a till was told succeeded is in the ledger exactly once (by
transaction id, hold id and idempotency key), no answer was INTERNAL, ``hub ledger verify``
passes. Printed: operations acknowledged, failures by reason, how soon tills were served again.

``HUB_SOAK_FAULTS=<n>`` repeats each fault n times (1 by default) with longer load between.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import psycopg
import pytest

from partner_sdk import HubClient, HubError, Identifier, RetryPolicy
from tests.conftest import KEYS_ENV
from tests.dropping_proxy import DroppingProxy
from tests.e2e.hub_process import EXIT_TIMEOUT_S, hub_serve, until
from tests.e2e.test_cli import hub_cli, seed_partner
from tests.pg_cluster import PgCluster, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TILLS = 8
FAULTS = int(os.environ.get("HUB_SOAK_FAULTS", "1"))
"""Rounds of each fault; a soak run sets more."""
LOAD_S = 1.0 if FAULTS == 1 else 5.0
"""Load before each fault and after the tills are served again."""
DOWN_S = 0.5
"""How long the database or the hub stays away."""
TILL_RETRY = RetryPolicy(deadline_s=60.0)
"""Longer than any outage here: a till retries (same key) rather than give up."""
TILL_CHANNEL = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
    ("grpc.use_local_subchannel_pool", 1),
)
"""gRPC waits up to 120 s between reconnections by default; a till wants its hub back soon.
And each till has a connection of its own, as tills on separate machines do (channels in one
process otherwise share one, and a lost connection loses every till's answer at once)."""
EARN_MINOR = 1_000
"""10 points at the test partner's rate: enough for the holds that follow."""
HOLD_POINTS = 5
AUTHORIZE_EVERY = 4
"""Every 4th sale pays with points (authorize, then capture); the others earn."""
DROP_EVERY = 5
RETRIED = ("DATABASE_UNAVAILABLE", "COMMIT_OUTCOME_UNKNOWN", "SERVER_BUSY")
"""Reasons the hub gave (its DEBUG log) that the SDK retries with the same key."""


@dataclass
class Till:
    """One till selling in a loop; what it was told succeeded, and what failed."""

    number: int
    earns: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> transaction id of every earn acknowledged."""
    holds: dict[str, str] = field(default_factory=dict)
    """Idempotency key -> hold id of every authorization acknowledged."""
    captures: dict[str, str] = field(default_factory=dict)
    """Hold id -> capture transaction id of every capture acknowledged."""
    failures: list[HubError] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    crash: BaseException | None = None
    """What ended the till's loop other than being stopped (a test bug, or a HubError while
    enrolling); a till that died quietly would only make the test weaker."""

    @property
    def card(self) -> Identifier:
        return Identifier.card(f"40001234{self.number:08d}")

    def run(self, target: str, stop: threading.Event) -> None:
        try:
            self._run(target, stop)
        except BaseException as crash:
            self.crash = crash
            raise

    def _run(self, target: str, stop: threading.Event) -> None:
        with HubClient(
            target, partner_id="coffee", retry=TILL_RETRY, channel_options=TILL_CHANNEL
        ) as till:
            till.enroll(self.card, idempotency_key=f"enroll-{self.number}")
            for sale in itertools.count(1):
                if stop.is_set():
                    return
                key = f"till-{self.number}-{sale}"
                try:
                    self._sell(till, key, pay_with_points=sale % AUTHORIZE_EVERY == 0)
                except HubError as error:  # unacknowledged: it may or may not exist
                    self.failures.append(error)
                else:
                    self.answered_at.append(time.monotonic())

    def _sell(self, till: HubClient, key: str, *, pay_with_points: bool) -> None:
        if not pay_with_points:
            earned = till.earn(
                self.card,
                amount_minor=EARN_MINOR,
                currency="EUR",
                order_id=key,
                idempotency_key=key,
            )
            self.earns[key] = earned.transaction_id
            return
        hold = till.authorize(
            self.card,
            amount_minor=EARN_MINOR,
            currency="EUR",
            order_id=key,
            points=HOLD_POINTS,
            idempotency_key=key,
        )
        self.holds[key] = hold.hold_id
        captured = till.capture(hold.hold_id, idempotency_key=f"{key}-capture")
        self.captures[hold.hold_id] = captured.transaction_id

    def served_after(self, moment: float) -> float | None:
        """Seconds from ``moment`` to this till's first acknowledged operation after it."""
        later = [answered for answered in self.answered_at if answered > moment]
        return min(later) - moment if later else None

    def acknowledged(self) -> int:
        return len(self.earns) + len(self.holds) + len(self.captures)


class Load:
    """``TILLS`` tills selling against ``target`` until stopped."""

    def __init__(self, target: str) -> None:
        self.tills = [Till(number) for number in range(TILLS)]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=till.run, args=(target, self._stop), daemon=True)
            for till in self.tills
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        until(lambda: all(len(till.answered_at) >= 3 for till in self.tills))
        time.sleep(LOAD_S)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TILL_RETRY.deadline_s * 2)
        assert not any(thread.is_alive() for thread in self._threads), "a till never returned"
        assert [till.crash for till in self.tills if till.crash] == []

    def recovered_s(self, back_at: float) -> list[float]:
        """Waits until every till was served after ``back_at``; how long each took."""
        until(
            lambda: all(till.served_after(back_at) is not None for till in self.tills), timeout_s=60
        )
        served = [till.served_after(back_at) for till in self.tills]
        time.sleep(LOAD_S)
        return [seconds for seconds in served if seconds is not None]

    def failures(self) -> Counter[str]:
        return Counter(
            f"{error.code.name}/{error.reason}" for till in self.tills for error in till.failures
        )

    def acknowledged(self) -> int:
        return sum(till.acknowledged() for till in self.tills)


# -- the hub and its database -----------------------------------------------------------------


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    """A cluster of the test's own, migrated, with partner coffee; its ledger verified after."""
    with PgCluster.temporary() as started:
        url = started.url()
        migrated = hub_cli("migrate", "--db", url)
        assert migrated.returncode == 0, migrated.stderr
        seed_partner(url, "coffee", name="Coffee")
        yield started
        verified = hub_cli("ledger", "verify", "--db", url)
        assert verified.returncode == 0, verified.stdout + verified.stderr


@contextmanager
def hub_on_port(database_url: str, port: int) -> Iterator[subprocess.Popen[str]]:
    """``hub serve --insecure`` on ``127.0.0.1:port``, the port a killed hub had: killed on
    exit if still running. (``hub_serve`` takes a free port, which a restart cannot reuse.)"""
    environment = os.environ | KEYS_ENV | {"HUB_FRAUD_CHECKS": "off"}
    command = [sys.executable, "-m", "hub", "serve", "--db", database_url, "--insecure"]
    process = subprocess.Popen(
        [*command, "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("hub listening on "), f"hub serve did not start: {line!r}"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=EXIT_TIMEOUT_S)
        if process.stdout:
            process.stdout.close()


# -- what the ledger holds --------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What the ledger holds of the tills' work."""

    earns: list[tuple[str, str]]
    """(order id, transaction id) of every earn."""
    holds: list[tuple[str, str, str, str | None]]
    """(hold id, order id, status, resolving transaction id) of every hold."""
    captures: list[str]
    """The hold id of every capture transaction (related to its hold's own transaction)."""
    answered_keys: set[str]
    """Idempotency keys stored with their answer."""

    @classmethod
    def read(cls, url: str) -> Stored:
        with psycopg.connect(url, connect_timeout=5) as connection:

            def rows(sql: str) -> list[Any]:
                return connection.execute(sql).fetchall()

            return cls(
                rows("SELECT order_id, id::text FROM transactions WHERE kind = 'earn'"),
                rows("SELECT id::text, order_id, status, resolution_id::text FROM holds"),
                [
                    hold
                    for (hold,) in rows(
                        "SELECT h.id::text FROM holds h JOIN transactions t"
                        " ON t.related_id = h.transaction_id AND t.kind = 'capture'"
                    )
                ],
                {
                    key
                    for (key,) in rows(
                        "SELECT key FROM idempotency_keys WHERE response IS NOT NULL"
                    )
                },
            )


def _assert_each_acknowledged_once(url: str, tills: list[Till]) -> None:
    earns = {key: tx for till in tills for key, tx in till.earns.items()}
    holds = {key: hold for till in tills for key, hold in till.holds.items()}
    captures = {hold: tx for till in tills for hold, tx in till.captures.items()}
    stored = Stored.read(url)
    stored_holds = {hold: (status, resolution) for hold, _, status, resolution in stored.holds}

    # Earns: each acknowledged one is its order's earn, and no order earned twice.
    assert {key: dict(stored.earns).get(key) for key in earns} == earns
    assert _repeated(order for order, _ in stored.earns) == []
    # Holds: each acknowledged one exists, no order held twice, each captured once by the
    # capture acknowledged.
    assert [hold for hold in holds.values() if hold not in stored_holds] == []
    assert _repeated(order for _, order, _, _ in stored.holds) == []
    assert {hold: stored_holds[hold] for hold in captures} == {
        hold: ("captured", capture) for hold, capture in captures.items()
    }
    assert _repeated(stored.captures) == []
    # Every acknowledged call's key holds the answer a retry of it was given.
    capture_keys = {f"{key}-capture" for key, hold in holds.items() if hold in captures}
    assert set(earns) | set(holds) | capture_keys <= stored.answered_keys


def _repeated(values: Iterable[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def _assert_no_internal_error(load: Load) -> None:
    internal = [
        error
        for till in load.tills
        for error in till.failures
        if error.code == grpc.StatusCode.INTERNAL
    ]
    assert internal == [], internal[:3]


def _report(fault: str, load: Load, recovered_s: list[float], **extra: object) -> None:
    print(
        f"\n{fault} under {TILLS} tills: {load.acknowledged()} operations acknowledged, "
        f"failures {dict(load.failures())}, tills served again "
        f"{min(recovered_s):.2f}-{max(recovered_s):.2f} s after; {extra}"
    )


# -- the faults -------------------------------------------------------------------------------


def test_acknowledged_operations_survive_database_restarts_under_till_load(
    cluster: PgCluster,
) -> None:
    url = cluster.url()
    recovered_s: list[float] = []
    with hub_serve(url, verbose=True) as hub:
        with Load(hub.target) as load:
            for mode in ("fast", "immediate") * FAULTS:
                cluster.stop(mode=mode)
                time.sleep(DOWN_S)
                cluster.start()
                recovered_s += load.recovered_s(back_at=time.monotonic())
        refusals = {reason: hub.logs().count(f"refused {reason}") for reason in RETRIED}
    _assert_no_internal_error(load)
    _assert_each_acknowledged_once(url, load.tills)
    # The tills were selling while the database was away: the SDK retried what it was told.
    assert refusals["DATABASE_UNAVAILABLE"] > 0, refusals
    _report("database restarted (fast, immediate)", load, recovered_s, answers_retried=refusals)


def test_acknowledged_operations_survive_a_hub_killed_under_till_load(cluster: PgCluster) -> None:
    url, port = cluster.url(), free_port()
    recovered_s: list[float] = []
    with contextlib.ExitStack() as hubs:
        hub = hubs.enter_context(hub_on_port(url, port))
        with Load(f"127.0.0.1:{port}") as load:
            for _ in range(FAULTS):
                hub.send_signal(signal.SIGKILL)
                hub.wait(timeout=EXIT_TIMEOUT_S)
                time.sleep(DOWN_S)
                hub = hubs.enter_context(hub_on_port(url, port))
                recovered_s += load.recovered_s(back_at=time.monotonic())
    _assert_no_internal_error(load)
    _assert_each_acknowledged_once(url, load.tills)
    _report("hub SIGKILLed and restarted", load, recovered_s, kills=FAULTS)


def test_answers_lost_after_the_work_was_done_are_settled_by_retrying_with_the_same_key(
    cluster: PgCluster,
) -> None:
    url = cluster.url()
    with hub_serve(url, verbose=True) as hub:
        with (
            DroppingProxy(hub.target, drop_every=DROP_EVERY) as proxy,
            Load(proxy.target) as load,
        ):
            until(lambda: proxy.dropped >= TILLS * FAULTS)
        assert hub.terminate() == 0
        served = _calls_answered_without_refusal(hub.logs())
    _assert_no_internal_error(load)
    _assert_each_acknowledged_once(url, load.tills)
    assert load.failures() == Counter()  # every lost answer was retried to success
    # The hub did the work of every call whose answer was lost, and answered its retry too.
    assert served == load.acknowledged() + TILLS + proxy.dropped  # + one enrolment per till
    print(
        f"\nproxy dropping every {DROP_EVERY}th answer under {TILLS} tills: "
        f"{load.acknowledged()} operations acknowledged, {proxy.dropped} answers lost"
    )


def _calls_answered_without_refusal(logs: str) -> int:
    """Partner calls the hub answered OK (its access log: one line per call)."""
    return sum(
        "hub.access" in line and "/coalition.hub.v1.PartnerService/" in line and " OK " in line
        for line in logs.splitlines()
    )
