"""The ``hub`` command as operators run it: real processes on a SQLite file, and ``hub partner``
over gRPC with the operator's certificate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import common_pb2, partner_pb2, partner_pb2_grpc
from hub import bootstrap
from hub.adapters.migrate import upgrade
from tests.conftest import IDENTIFIER_KEY_HEX, KEYS_ENV, add_partner, settings_for
from tests.e2e.operator_desk import ok, open_desk, refused
from tests.e2e.staff import ADA, StaffDesk

pytestmark = pytest.mark.slow
PARTNER_FLAGS = [
    "--currency",
    "EUR",
    "--earn-rate",
    "1",
    "--burn-value",
    "0.01",
    "--issue-price",
    "0.01",
    "--redemption-price",
    "0.009",
    "--reason",
    "onboarding",
]


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/hub.db"


def hub_cli(*args: str, key: str = IDENTIFIER_KEY_HEX) -> subprocess.CompletedProcess[str]:
    env = os.environ | KEYS_ENV | {"HUB_IDENTIFIER_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], capture_output=True, text=True, env=env, timeout=60
    )


def seed_partner(url: str, partner_id: str = "coffee", name: str = "Coffee Co") -> None:
    """Partner ``partner_id`` in the database at ``url``, migrated first if it is not: what an
    operator adds with ``hub partner add`` once the hub serves, for tests that start no hub."""
    hub = bootstrap.build(settings_for(url))
    try:
        upgrade(hub.engine)
        add_partner(hub, partner_id, name=name)
    finally:
        hub.close()


@pytest.fixture
def migrated(db) -> str:
    assert hub_cli("migrate", "--db", db).returncode == 0
    seed_partner(db)
    return db


@pytest.fixture
def desk(hub, tmp_path) -> Iterator[StaffDesk]:
    add_partner(hub, "coffee", name="Coffee Co")
    with open_desk(hub, tmp_path) as opened:
        yield opened


def test_partners_are_managed_from_the_command_line(desk):
    future = ok(
        desk,
        *("partner", "set-rate", "coffee", "--earn-rate", "2"),
        *("--effective-from", "2099-01-01T00:00:00Z", "--reason", "new season"),
    )
    shown = ok(desk, "partner", "show", "coffee")
    assert "rates of coffee from 2099-01-01 00:00:00Z: earn_rate 2, burn_value 0.01" in future
    assert "2099-01-01 00:00:00Z" in shown
    assert "Coffee Co" in shown
    duplicate = refused(desk, "partner", "add", "coffee", "--name", "Again", *PARTNER_FLAGS)
    assert "PARTNER_EXISTS" in duplicate
    past = refused(
        desk,
        *("partner", "set-rate", "coffee", "--earn-rate", "3"),
        *("--effective-from", "2001-01-01T00:00:00Z", "--reason", "backdating"),
    )
    assert "RATE_IN_PAST" in past
    # On the wire 0 would mean the hub's default lifetime: the command refuses it instead.
    no_ttl = refused(
        desk, "partner", "add", "shop", "--name", "Shop", *PARTNER_FLAGS, "--hold-ttl-s", "0"
    )
    assert "--hold-ttl-s must be 1.." in no_ttl


def test_a_rate_change_from_now_carries_the_other_rates_over(desk, clock):
    clock.advance(timedelta(minutes=1))  # the first rates took effect at the hub's now
    changed = ok(desk, "partner", "set-rate", "coffee", "--burn-value", "0.02", "--reason", "x")
    assert "burn_value 0.02, issue_price 0.01" in changed
    assert "earn_rate 1," in changed
    assert "give at least one of --earn-rate" in refused(
        desk, "partner", "set-rate", "coffee", "--reason", "x"
    )


def test_partners_are_listed_limited_disabled_and_enabled_from_the_command_line(desk):
    limited = ok(desk, "partner", "set-limit", "coffee", "--per-s", "50", "--reason", "x")
    assert " 50 " in limited.splitlines()[-1]
    assert "--per-s must be 1..100000" in refused(
        desk, "partner", "set-limit", "coffee", "--per-s", "0", "--reason", "x"
    )
    # Above the hub's bound (and an int32's): refused by the CLI in one line, not a traceback.
    assert "--per-s must be 1..100000" in refused(
        desk, "partner", "set-limit", "coffee", "--per-s", "3000000000", "--reason", "x"
    )
    back = ok(desk, "partner", "set-limit", "coffee", "--reason", "x")
    assert "default" in back
    assert "disabled" in ok(desk, "partner", "disable", "coffee", "--reason", "x")
    assert "disabled" in ok(desk, "partner", "list")
    assert "active" in ok(desk, "partner", "enable", "coffee", "--reason", "x")
    records = desk.hub.operator.list_audit(limit=4)
    assert [r.event.action for r in records] == [
        "partner.enable",
        "partner.disable",
        "partner.set_rate_limit",
        "partner.set_rate_limit",
    ]
    assert {r.event.actor for r in records} == {ADA.uri}


def test_commands_refuse_a_database_that_is_not_migrated(db):
    result = hub_cli("ledger", "verify", "--db", db)
    assert result.returncode == 2
    assert "hub migrate" in result.stderr


def test_serve_needs_the_identifier_key_and_says_how_to_make_one(migrated):
    result = hub_cli("serve", "--db", migrated, "--listen", "127.0.0.1:0", "--insecure", key="")
    assert result.returncode == 2
    assert "hub keygen" in result.stderr


def test_serve_refuses_plaintext_unless_asked(migrated):
    result = hub_cli("serve", "--db", migrated, "--listen", "127.0.0.1:0")
    assert result.returncode == 2
    assert "HUB_TLS_CERT" in result.stderr
    assert "--insecure" in result.stderr


def test_serve_refuses_plaintext_beyond_loopback(migrated):
    result = hub_cli("serve", "--db", migrated, "--listen", "0.0.0.0:0", "--insecure")
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_keygen_prints_one_fresh_key_per_setting():
    lines = hub_cli("keygen").stdout.splitlines()
    names = [line.split("=", 1)[0] for line in lines]
    assert names == ["HUB_IDENTIFIER_KEY", "HUB_DATA_KEY", "HUB_AUDIT_KEY", "HUB_SIGNING_KEY"]
    assert all(len(line.split("=", 1)[1]) == 64 for line in lines)


def test_ledger_verify_exits_non_zero_with_a_readable_report(migrated):
    assert hub_cli("ledger", "verify", "--db", migrated).returncode == 0
    engine = sa.create_engine(migrated)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE accounts SET credits_posted = 7 WHERE code = 'coalition:breakage'"
        )
        connection.exec_driver_sql(
            "INSERT INTO accounts (id, code, kind, credits_posted) VALUES "
            "('00000000000000000000000000000001', 'member:x:available', 'member_available', 5)"
        )
    engine.dispose()
    result = hub_cli("ledger", "verify", "--db", migrated)
    assert result.returncode == 1
    assert "FAIL  running totals equal the sum of entries" in result.stdout
    assert "member:x:available" in result.stderr
    assert "credits_posted 5 but entries say 0" in result.stderr


def _earn(stub: partner_pb2_grpc.PartnerServiceStub) -> str:
    card = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")
    request = partner_pb2.EarnRequest(
        idempotency_key=uuid.uuid4().hex,
        member=common_pb2.MemberRef(identifier=card),
        purchase=common_pb2.Money(amount_minor=1000, currency="EUR"),
        order_id=uuid.uuid4().hex,
    )
    try:
        stub.Earn(request, metadata=(("x-hub-partner-id", "coffee"),), timeout=10)
    except grpc.RpcError as error:
        return error.code().name
    return "OK"


def test_serve_drains_in_flight_calls_on_sigterm(migrated):
    # 200 earns on one card in a second or two: the fraud checks would refuse them (velocity),
    # and this test is about draining, so they are off.
    env = os.environ | KEYS_ENV | {"HUB_FRAUD_CHECKS": "off"}
    command = [
        sys.executable,
        "-m",
        "hub",
        "serve",
        "--db",
        migrated,
        "--listen",
        "127.0.0.1:0",
        "--insecure",
    ]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    port = server.stdout.readline().rsplit(":", 1)[1].strip()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = partner_pb2_grpc.PartnerServiceStub(channel)
    card = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")
    stub.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key="enrol", identifiers=[card]),
        metadata=(("x-hub-partner-id", "coffee"),),
    )
    outcomes: Counter[str] = Counter()
    stop, lock = threading.Event(), threading.Lock()

    def client() -> None:
        while not stop.is_set():
            outcome = _earn(stub)
            with lock:
                outcomes[outcome] += 1
            if outcome != "OK":
                return

    with ThreadPoolExecutor(8) as pool:
        for _ in range(8):
            pool.submit(client)
        deadline = time.monotonic() + 60
        while sum(outcomes.values()) < 200:
            if time.monotonic() > deadline or set(outcomes) - {"OK"}:
                server.kill()
                pytest.fail(f"the earns did not run as expected before SIGTERM: {outcomes}")
            threading.Event().wait(0.01)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        stop.set()
    channel.close()
    # A call that reaches the server as it begins to stop is refused by gRPC's core, as
    # UNAVAILABLE or (rarely) CANCELLED; either way it never ran. What must hold: nothing is
    # committed whose answer did not reach the client, and no call fails half way.
    assert set(outcomes) <= {"OK", "UNAVAILABLE", "CANCELLED"}, outcomes
    engine = sa.create_engine(migrated)
    with engine.connect() as connection:
        earned = connection.exec_driver_sql("SELECT count(*) FROM transactions").scalar_one()
    engine.dispose()
    assert earned == outcomes["OK"]
    assert hub_cli("ledger", "verify", "--db", migrated).returncode == 0


def _stored_hold_status(url: str, hold_id: object) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            statuses = connection.exec_driver_sql("SELECT id, status FROM holds").all()
    finally:
        engine.dispose()
    return next(
        status
        for stored_id, status in statuses
        if str(stored_id).replace("-", "") == str(hold_id).replace("-", "")
    )


def test_serve_expires_holds_in_the_background_and_sweep_does_it_from_cron(migrated, tmp_path):
    from partner_sdk import HubClient, Identifier
    from partner_sdk.models import HoldStatus

    env = os.environ | KEYS_ENV | {"HUB_SWEEP_INTERVAL_S": "0.2"}
    command = [
        sys.executable,
        "-m",
        "hub",
        "serve",
        "--db",
        migrated,
        "--listen",
        "127.0.0.1:0",
        "--insecure",
    ]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        target = server.stdout.readline().split(" on ")[1].strip()
        with HubClient(target, partner_id="coffee") as till:
            card = Identifier.card("4000123412341234")
            till.enroll(card)
            till.earn(card, amount_minor=10_000, currency="EUR", order_id="o-1")
            hold = till.authorize(
                card, amount_minor=5_000, currency="EUR", order_id="o-2", points=40, ttl_s=1
            )
            # Reads are as of now: the hold reads EXPIRED once its time is up, swept or not.
            threading.Event().wait(1.1)
            assert till.get_hold(hold.hold_id).status is HoldStatus.EXPIRED
            assert till.balance(card).available_points == 100
            for _ in range(100):  # the hub's own sweeper, not this test, must post the expiry
                if _stored_hold_status(migrated, hold.hold_id) == "expired":
                    break
                threading.Event().wait(0.1)
            assert _stored_hold_status(migrated, hold.hold_id) == "expired"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    swept = hub_cli("sweep", "--db", migrated)
    assert swept.returncode == 0
    assert "expired 0 holds" in swept.stdout
