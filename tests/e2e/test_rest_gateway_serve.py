"""``hub serve --rest-listen``: the REST gateway beside the hub in one process, relaying to a
development (``--insecure``, loopback) hub; a web shop earns with its API key."""

from __future__ import annotations

import socket
import uuid

import pytest

from hub import bootstrap
from hub.services.commands import CreateApiKey
from tests.conftest import OPERATOR
from tests.e2e.hub_process import hub_serve, until
from tests.e2e.mtls import Pki, real_now
from tests.e2e.test_rest_gateway import Shop, client_context, reason_of


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class KeyedShop(Shop):
    key = ""

    def call(self, verb, path, body=None, headers=None):
        return super().call(
            verb, path, body, {"Authorization": f"Bearer {self.key}", **(headers or {})}
        )


@pytest.mark.slow
def test_hub_serve_runs_the_rest_gateway_beside_it_and_a_shop_earns_with_its_key(
    hub: bootstrap.Hub, coffee: str, pki: Pki, tmp_path
):
    key = hub.operator.create_api_key(CreateApiKey(coffee, "web shop", changed_by=OPERATOR)).key
    cert, server_key = pki.authority.issue_server(["localhost", "127.0.0.1"], real_now()).write(
        tmp_path, "server"
    )
    ca = tmp_path / "ca.crt"
    ca.write_bytes(pki.authority.certificate_pem)
    port = _free_port()
    env = {
        "HUB_SERVE_REST_LISTEN": f"127.0.0.1:{port}",
        "HUB_TLS_CERT": str(cert),
        "HUB_TLS_KEY": str(server_key),
        "HUB_TLS_CLIENT_CA": str(ca),
    }
    with hub_serve(hub.settings.database_url, **env) as served:
        until(lambda: _answers(port))
        shop = KeyedShop(port, client_context(pki, tmp_path / "shop", None))
        shop.key = key
        body = {"identifiers": [{"kind": "IDENTIFIER_KIND_CARD", "value": "4000123412341234"}]}
        status, _, member = shop.call("POST", "/v1/members", body, {"Idempotency-Key": "k-1"})
        assert status == 200, member
        earn = {
            "member": {"memberId": member["memberId"]},
            "purchase": {"amountMinor": "2500", "currency": "EUR"},
            "orderId": f"web-{uuid.uuid4().hex[:8]}",
        }
        status, _, earned = shop.call("POST", "/v1/earns", earn, {"Idempotency-Key": "k-2"})
        assert (status, earned["points"]) == (200, "25")
        shop.key = key[:-4] + "0000"
        status, _, error = shop.call("GET", "/v1/ping")
        assert (status, reason_of(error)) == (401, "UNAUTHENTICATED")
        assert served.terminate() == 0
