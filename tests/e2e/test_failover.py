"""The hub on a pg_auto_failover formation (deploy/ha): its primary is killed under till load,
the standby takes over, and the hub carries on without a restart.

Opt-in (``HUB_TEST_FAILOVER=1``, marker ``failover``): it needs the Debian packages
postgresql-15-auto-failover and pg-auto-failover-cli, runs for about a minute, and starts
three PostgreSQL instances of its own on 127.0.0.1-3 (never the shared server).

Checked: every earn a till was told succeeded is in the ledger once, none twice (unknown
outcomes settled by idempotency key), ``hub ledger verify`` passes; reported: how long after
the kill the tills' calls succeeded again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from partner_sdk import HubClient, Identifier, RetryPolicy
from tests.e2e.hub_process import hub_serve, until
from tests.e2e.test_cli import hub_cli, seed_partner
from tests.pg_cluster import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.failover,
    pytest.mark.skipif(
        os.environ.get("HUB_TEST_FAILOVER") != "1", reason="opt-in: HUB_TEST_FAILOVER=1"
    ),
]

HA_LOCAL = Path(__file__).resolve().parents[2] / "deploy" / "ha" / "ha-local.sh"
TILLS = 8
SETTLE_S = 3.0
"""Load before the kill, and again after every till has succeeded once more."""
REFUSALS = ("DATABASE_UNAVAILABLE", "COMMIT_OUTCOME_UNKNOWN", "SERVER_BUSY")
"""Reasons the hub answered during the failover (its DEBUG log), each retried by the SDK."""
TILL_RETRY = RetryPolicy(deadline_s=90.0)
"""Longer than any failover: a till retries (same key) rather than give up."""


def _ha(*args: str, timeout_s: float = 180, **env: str) -> str:
    done = subprocess.run(
        [str(HA_LOCAL), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        env=os.environ | env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@dataclass(frozen=True)
class Formation:
    base: str
    url: str
    """The hub's database URL: both nodes, ``target_session_attrs=read-write``."""

    def kill_primary(self) -> str:
        """SIGKILL the primary's keeper and postgres; returns the node's name."""
        return _ha("kill-primary", self.base)


@pytest.fixture
def formation() -> Iterator[Formation]:
    """A fresh monitor + primary + streaming standby, deleted afterwards."""
    if shutil.which("pg_autoctl") is None:
        pytest.fail("pg_autoctl is missing: apt-get install pg-auto-failover-cli", pytrace=False)
    base = tempfile.mkdtemp(prefix="hub-ha-")
    try:
        # The nodes share a port on 127.0.0.2 and .3; the monitor has one on 127.0.0.1.
        port, monitor_port = free_port(), free_port()
        assert port != monitor_port
        url = _ha("up", base, str(port), HA_MONITOR_PORT=str(monitor_port)).splitlines()[-1]
        yield Formation(base, url)
    finally:
        subprocess.run([str(HA_LOCAL), "down", base], capture_output=True, timeout=120, check=False)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Till:
    """One till earning in a loop; what it was told, and when."""

    number: int
    acked: list[tuple[str, float, float]] = field(default_factory=list)
    """(order id, started, answered) of every earn answered with success."""
    failed: list[str] = field(default_factory=list)

    def run(self, target: str, stop: threading.Event) -> None:
        card = Identifier.card(f"40001234{self.number:08d}")
        with HubClient(target, partner_id="coffee", retry=TILL_RETRY) as till:
            till.enroll(card)
            sale = 0
            while not stop.is_set():
                sale += 1
                order_id = f"till-{self.number}-{sale}"
                started = time.monotonic()
                try:
                    till.earn(card, amount_minor=1_000, currency="EUR", order_id=order_id)
                except Exception:  # noqa: BLE001 - an unacknowledged sale may or may not exist
                    self.failed.append(order_id)
                else:
                    self.acked.append((order_id, started, time.monotonic()))

    def served_since(self, moment: float) -> list[float]:
        """When the earns this till started after ``moment`` were answered."""
        return [answered for _, started, answered in self.acked if started > moment]


def _earns_per_order(url: str) -> dict[str, int]:
    with psycopg.connect(url, connect_timeout=5) as connection:
        rows = connection.execute(
            "SELECT order_id, count(*) FROM transactions WHERE kind = 'earn' GROUP BY order_id"
        ).fetchall()
    return {order_id: count for order_id, count in rows}


def _migrated(url: str) -> None:
    migrated = hub_cli("migrate", "--db", url)
    assert migrated.returncode == 0, migrated.stderr
    seed_partner(url, "coffee", name="Coffee")


def _kill_primary_under_load(formation: Formation, target: str, tills: list[Till]) -> float:
    """Tills earn, the primary is killed, tills earn again; returns when it was killed."""
    stop = threading.Event()
    threads = [threading.Thread(target=t.run, args=(target, stop), daemon=True) for t in tills]
    for thread in threads:
        thread.start()
    until(lambda: all(len(till.acked) >= 5 for till in tills))
    formation.kill_primary()
    killed_at = time.monotonic()
    until(lambda: all(till.served_since(killed_at) for till in tills), timeout_s=120)
    time.sleep(SETTLE_S)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return killed_at


def test_the_hub_carries_on_after_its_primary_is_killed_under_till_load(formation):
    _migrated(formation.url)
    tills = [Till(number) for number in range(TILLS)]
    with hub_serve(formation.url, verbose=True) as hub:
        killed_at = _kill_primary_under_load(formation, hub.target, tills)
        assert hub.terminate() == 0, hub.logs()
        refusals = {reason: hub.logs().count(f"refused {reason}") for reason in REFUSALS}

    acked = [order for till in tills for order, _, _ in till.acked]
    stored = _earns_per_order(formation.url)
    assert [order for order in acked if stored.get(order) != 1] == []
    assert [order for order, count in stored.items() if count > 1] == []
    verified = hub_cli("ledger", "verify", "--db", formation.url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    recovered_s = [min(till.served_since(killed_at)) - killed_at for till in tills]
    failed = sum(len(till.failed) for till in tills)
    print(
        f"\nprimary killed under {TILLS} tills: {len(acked)} earns acknowledged, {failed} "
        f"failed; tills served again {min(recovered_s):.1f}-{max(recovered_s):.1f} s after; "
        f"answers retried by the SDK: {refusals}"
    )
