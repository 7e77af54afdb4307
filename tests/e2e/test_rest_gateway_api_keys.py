"""A web shop calling the REST gateway with an API key instead of a client certificate: keys
made, listed and revoked by an operator with ``hub partner api-key``, over gRPC; the hub keeps
only their hashes and checks them on every call.
"""

from __future__ import annotations

import re
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc
from hub import bootstrap
from hub.cli import main
from hub.gateway import RunningGateway
from hub.gateway.openapi import rendered
from hub.services.commands import CreateApiKey, RevokeApiKey
from tests.conftest import OPERATOR
from tests.e2e.mtls import ADMIN, Pki
from tests.e2e.staff import ADA, StaffDesk
from tests.e2e.test_rest_gateway import (
    Shop,
    client_context,
    earn,
    enroll,
    reason_of,
    transactions_in,
)

pytest_plugins = ("tests.e2e.test_rest_gateway",)
"""Its gateway fixture: a real mTLS hub and a real gateway in front of it."""

KEY_LINE = re.compile(r"^hk_\S+$", re.MULTILINE)


@pytest.fixture
def desk(hub: bootstrap.Hub, coffee: str, pki: Pki, tmp_path: Path):
    opened = StaffDesk.open(hub, tmp_path / "desk", pki)
    yield opened
    opened.close()


def keyed_shop(gateway: RunningGateway, pki: Pki, tmp_path: Path, key: str) -> Shop:
    """A shop with no client certificate: its key is all it has."""
    return KeyedShop(gateway.port, client_context(pki, tmp_path, None), key)


class KeyedShop(Shop):
    def __init__(self, port, context, key: str) -> None:
        super().__init__(port, context)
        self.key = key

    def call(self, verb, path, body=None, headers=None):
        return super().call(
            verb, path, body, {"Authorization": f"Bearer {self.key}", **(headers or {})}
        )


def created_key(desk: StaffDesk, partner_id: str = "coffee") -> tuple[str, str]:
    """``hub partner api-key create``: the key printed once, and its id."""
    ran = desk.run(
        ADA, "partner", "api-key", "create", partner_id, "--label", "web shop", "--reason", "T-1"
    )
    assert ran.code == 0, ran.err
    key = KEY_LINE.search(ran.out)
    assert key is not None, ran.out
    return key.group(0), key.group(0).split("_")[2]


def test_a_web_shop_earns_with_the_api_key_an_operator_created(desk, gateway, pki, tmp_path):
    key, _ = created_key(desk)
    keyed = keyed_shop(gateway, pki, tmp_path, key)
    member_id = enroll(keyed)
    status, _, earned = earn(keyed, member_id)
    assert (status, earned["points"]) == (200, "100")
    status, _, balance = keyed.call("GET", f"/v1/members/{member_id}/balance")
    assert (status, balance["availablePoints"]) == (200, "100")


def test_the_hub_keeps_only_the_keys_hash_and_lists_never_show_the_key(hub, desk):
    key, key_id = created_key(desk)
    listed = desk.run(ADA, "partner", "api-key", "list", "coffee")
    assert key_id in listed.out
    assert key not in listed.out
    assert key.split("_")[3] not in listed.out
    with hub.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM api_keys").all()
    assert len(rows) == 1
    assert not any(key.split("_")[3] in str(value) for value in rows[0])


def test_a_revoked_key_is_401_from_the_next_request_and_writes_nothing(
    hub, desk, gateway, pki, tmp_path
):
    key, key_id = created_key(desk)
    keyed = keyed_shop(gateway, pki, tmp_path, key)
    member_id = enroll(keyed)
    revoked = desk.run(ADA, "partner", "api-key", "revoke", key_id, "--reason", "leaked")
    assert revoked.code == 0, revoked.err
    before = transactions_in(hub)
    status, _, error = earn(keyed, member_id)
    assert (status, reason_of(error)) == (401, "CREDENTIAL_REVOKED")
    assert transactions_in(hub) == before


@pytest.mark.parametrize("forgery", ["secret", "partner", "shape"])
def test_a_key_the_hub_did_not_issue_is_401(desk, gateway, pki, tmp_path, forgery):
    key, _ = created_key(desk)
    prefix, partner_id, key_id, secret = key.split("_")
    forged = {
        "secret": f"{prefix}_{partner_id}_{key_id}_{'0' * len(secret)}",
        "partner": f"{prefix}_fuel_{key_id}_{secret}",
        "shape": "not-a-key",
    }[forgery]
    status, _, error = keyed_shop(gateway, pki, tmp_path, forged).call("GET", "/v1/ping")
    assert (status, reason_of(error)) == (401, "UNAUTHENTICATED")


def test_an_authorization_header_that_is_not_bearer_is_401(gateway, pki, tmp_path):
    anonymous = Shop(gateway.port, client_context(pki, tmp_path, None))
    status, _, error = anonymous.call("GET", "/v1/ping", headers={"Authorization": "Basic eDp5"})
    assert (status, reason_of(error)) == (401, "UNAUTHENTICATED")


def test_revoking_a_key_the_hub_never_made_is_not_found(hub, pki, mtls_target):
    admin = admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))
    with pytest.raises(grpc.RpcError) as caught:
        admin.RevokeApiKey(admin_pb2.RevokeApiKeyRequest(key_id="000000000000", reason="x"))
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND
    assert "API_KEY_NOT_FOUND" in str(caught.value.trailing_metadata())


def test_a_key_for_an_unknown_partner_is_not_made(desk):
    ran = desk.run(ADA, "partner", "api-key", "create", "nobody", "--label", "x", "--reason", "T")
    assert ran.code != 0
    assert "PARTNER_NOT_FOUND" in ran.err or "nobody" in ran.err


def test_creating_and_revoking_keys_are_audited(hub, desk):
    _, key_id = created_key(desk)
    desk.run(ADA, "partner", "api-key", "revoke", key_id, "--reason", "rotated")
    with hub.engine.connect() as connection:
        actions = [
            row[0]
            for row in connection.execute(
                sa.text("SELECT action FROM audit_log WHERE target = :target ORDER BY seq"),
                {"target": f"api_key:{key_id}"},
            )
        ]
    assert actions == ["api_key.create", "api_key.revoke"]


def cache_version(hub: bootstrap.Hub) -> int:
    with hub.engine.connect() as connection:
        return int(
            connection.execute(sa.text("SELECT version FROM cache_versions WHERE id = 1")).scalar()
        )


def test_making_and_revoking_a_key_raise_the_cache_version_every_replica_watches(hub, coffee):
    before = cache_version(hub)
    made = hub.operator.create_api_key(CreateApiKey(coffee, "web shop", changed_by=OPERATOR))
    made_at = cache_version(hub)
    hub.operator.revoke_api_key(RevokeApiKey(made.record.key_id, changed_by=OPERATOR))
    assert before < made_at < cache_version(hub)


def test_hub_gateway_openapi_prints_the_checked_in_document(capsysbinary):
    assert main(["gateway", "openapi"]) == 0
    assert capsysbinary.readouterr().out == rendered()
