"""``hub certs`` and ``hub serve`` over mTLS, as an operator and a partner would use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from partner_sdk import HubClient, Identifier
from tests.conftest import KEYS_ENV
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli
from tests.e2e.test_mtls import reason_of

pytestmark = pytest.mark.slow
PING = partner_pb2.PingRequest()
REVOCATION_REACHES_REPLICAS_S = 1.0
"""What the hub promises (hub.services.admission_cache); polled, never slept."""


@pytest.fixture
def onboarded(tmp_path) -> tuple[str, Path]:
    db, pki = f"sqlite:///{tmp_path}/hub.db", tmp_path / "pki"
    assert hub_cli("migrate", "--db", db).returncode == 0
    for partner in ("coffee", "fuel"):
        added = hub_cli("partner", "add", partner, "--name", partner, *PARTNER_FLAGS, "--db", db)
        assert added.returncode == 0, added.stderr
    initialised = hub_cli("certs", "init", "--pki", str(pki))
    assert initialised.returncode == 0, initialised.stderr
    assert f"HUB_TLS_CLIENT_CA={pki / 'ca.crt'}" in initialised.stdout
    return db, pki


def refusal_within(deadline_s: float, stub: partner_pb2_grpc.PartnerServiceStub) -> str:
    """The reason the first refused Ping gives, pinging until ``deadline_s`` passed."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s + 0.5:
        try:
            stub.Ping(PING, timeout=10)
        except grpc.RpcError as refused:
            return reason_of(refused)
        time.sleep(0.01)
    raise AssertionError(f"still admitted after {deadline_s} s")


def certs(db: str, pki: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return hub_cli("certs", *args, "--pki", str(pki), "--db", db)


def serial_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    found = re.search(r"issued certificate ([0-9a-f]+)", result.stdout)
    assert found, result.stdout
    return found.group(1)


@pytest.fixture
def served(onboarded) -> Iterator[str]:
    db, pki = onboarded
    env = (
        os.environ
        | KEYS_ENV
        | {
            "HUB_TLS_CERT": str(pki / "server.crt"),
            "HUB_TLS_KEY": str(pki / "server.key"),
            "HUB_TLS_CLIENT_CA": str(pki / "ca.crt"),
            "HUB_SWEEP_INTERVAL_S": "0",
        }
    )
    command = [sys.executable, "-m", "hub", "serve", "--db", db, "--listen", "127.0.0.1:0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = server.stdout.readline().rsplit(":", 1)[1].strip()
        yield f"localhost:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def partner_stub(pki: Path, name: str, target: str) -> partner_pb2_grpc.PartnerServiceStub:
    issued = pki / "issued"
    credentials = grpc.ssl_channel_credentials(
        (issued / "ca.crt").read_bytes(),
        (issued / f"{name}.key").read_bytes(),
        (issued / f"{name}.crt").read_bytes(),
    )
    return partner_pb2_grpc.PartnerServiceStub(grpc.secure_channel(target, credentials))


def test_certificates_are_issued_only_to_known_partners_and_staff_with_a_role(onboarded):
    db, pki = onboarded
    ghost = certs(db, pki, "issue", "partner", "ghost", "--reason", "typo")
    assert ghost.returncode == 2
    assert "PARTNER_NOT_FOUND" in ghost.stderr
    no_role = certs(db, pki, "issue", "staff", "ana", "--reason", "new analyst")
    assert no_role.returncode != 0
    assert "--role" in no_role.stderr
    serial_of(certs(db, pki, "issue", "staff", "ana", "--role", "analyst", "--reason", "hire"))
    key = pki / "issued" / "analyst-ana.key"
    assert key.stat().st_mode & 0o077 == 0, "private keys are readable by their owner only"


def test_a_partner_connects_with_its_certificate_until_it_is_revoked_then_renewed(
    onboarded, served
):
    db, pki = onboarded
    serial = serial_of(certs(db, pki, "issue", "partner", "coffee", "--reason", "onboarding"))
    issued = pki / "issued"
    with HubClient.connect(
        served,
        certificate=issued / "partner-coffee.crt",
        private_key=issued / "partner-coffee.key",
        ca=issued / "ca.crt",
    ) as till:
        assert till.partner_id == "coffee"
        till.enroll(Identifier.card("4000123412341234"))
    stub = partner_stub(pki, "partner-coffee", served)
    assert stub.Ping(PING, timeout=10).HasField("server_time")

    revoked = certs(db, pki, "revoke", serial, "--reason", "laptop stolen")
    assert revoked.returncode == 0, revoked.stderr
    # Another process revoked it: the server's admission cache catches up within a second.
    assert refusal_within(REVOCATION_REACHES_REPLICAS_S, stub) == "CREDENTIAL_REVOKED"

    renewed = certs(db, pki, "renew", serial, "--reason", "replacement")
    new_serial = serial_of(renewed)
    fresh = partner_stub(pki, "partner-coffee", served)
    assert fresh.Ping(PING, timeout=10).HasField("server_time")
    listed = certs(db, pki, "list").stdout
    assert re.search(rf"{serial} .* revoked", listed)
    assert re.search(rf"{new_serial} .* accepted .*{serial}", listed)

    verified = hub_cli("audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stdout
    actions = hub_cli("audit", "list", "--db", db).stdout
    for action in ("credential.issue", "credential.revoke", "credential.renew", "partner.add"):
        assert action in actions
