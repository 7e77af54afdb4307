"""``hub certs`` and ``hub serve`` over mTLS, as an operator and a partner would use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from partner_sdk import HubClient, Identifier
from tests.conftest import KEYS_ENV
from tests.e2e.test_cli import hub_cli, seed_partner
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
        seed_partner(db, partner, name=partner)
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
    """``hub certs ... --wide``: whole serials and principals, to compare."""
    return hub_cli("certs", *args, "--pki", str(pki), "--db", db, "--wide")


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


def test_a_staff_certificate_comes_with_a_profile_beside_it(onboarded):
    db, pki = onboarded
    issued = certs(
        db, pki, "issue", "staff", "olga", "--role", "officer",
        "--hub", "hub.example:50051", "--reason", "hire",
    )  # fmt: skip
    serial_of(issued)
    folder = pki / "issued"
    for name in ("officer-olga.crt", "officer-olga.key", "ca.crt", "officer-olga.profile.toml"):
        assert (folder / name).is_file(), name
    assert tomllib.loads((folder / "officer-olga.profile.toml").read_text()) == {
        "hub": "hub.example:50051",
        "ca": "ca.crt",
        "certificate": "officer-olga.crt",
        "key": "officer-olga.key",
    }
    assert "officer-olga.profile.toml" in issued.stdout


def test_the_admin_role_is_still_accepted_as_the_operator_role(onboarded):
    db, pki = onboarded
    serial_of(certs(db, pki, "issue", "staff", "ada", "--role", "admin", "--reason", "hire"))
    assert (pki / "issued" / "operator-ada.profile.toml").is_file()
    assert "spiffe://coalition.hub/staff/operator/ada" in certs(db, pki, "list").stdout


def test_a_console_gets_a_certificate_of_its_own_and_no_staff_profile(onboarded):
    db, pki = onboarded
    serial_of(certs(db, pki, "issue", "console", "web", "--reason", "the staff console"))
    folder = pki / "issued"
    assert (folder / "console-web.crt").is_file()
    assert (folder / "console-web.key").is_file()
    assert not list(folder.glob("console-web.profile.toml"))
    assert "spiffe://coalition.hub/console/web" in certs(db, pki, "list").stdout


def test_an_operator_runs_hub_partner_with_the_profile_certs_wrote_and_no_database(
    onboarded, served
):
    db, pki = onboarded
    serial_of(
        certs(db, pki, "issue", "staff", "ada", "--role", "operator", "--hub", served,
              "--reason", "hire")
    )  # fmt: skip
    profile = pki / "issued" / "operator-ada.profile.toml"
    # No database, no key; a database URL that could not even be parsed, were it read.
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env |= {"HUB_DATABASE_URL": "mysql://nowhere/hub"}
    listed = subprocess.run(
        [sys.executable, "-m", "hub", "partner", "list", "--profile", str(profile)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert [row.split()[0] for row in listed.stdout.splitlines()[2:]] == ["coffee", "fuel"]
