"""The partner API over HTTPS and JSON, through the REST gateway, with a plain HTTP client.

A real mTLS hub on a free port and a real gateway in front of it: web shops present their
partner certificate to the gateway, which relays them under its own gateway certificate.
"""

from __future__ import annotations

import http.client
import json
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub import bootstrap
from hub.adapters.pki import Issued
from hub.domain.principals import Principal
from hub.gateway import GatewaySettings, RunningGateway, start_gateway
from hub.gateway.openapi import rendered
from hub.gateway.routes import GATEWAY_SERVICES, all_routes, route_of
from hub.services.commands import RevokeCredential, SetRateLimit
from tests.conftest import OPERATOR
from tests.e2e.mtls import COFFEE, FUEL, Pki

ROOT = Path(__file__).resolve().parents[2]
WEB = Principal.gateway("web")
CARD = "4000123412341234"
RECEIPT = {"purchase": {"amountMinor": "10000", "currency": "EUR"}}


@dataclass
class Shop:
    """A web shop's HTTP client: its partner certificate, or none."""

    port: int
    context: ssl.SSLContext

    def call(
        self, verb: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPSConnection("localhost", self.port, context=self.context)
        try:
            raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body)
            sent = {"Content-Type": "application/json", **(headers or {})}
            connection.request(verb, path, body=raw or None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            found = {name.lower(): value for name, value in response.getheaders()}
            return response.status, found, json.loads(data) if data else None
        finally:
            connection.close()


def client_context(pki: Pki, directory: Path, issued: Issued | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=pki.authority.certificate_pem.decode())
    if issued is not None:
        certificate, key = issued.write(directory, "shop")
        context.load_cert_chain(certificate, key)
    return context


@pytest.fixture
def gateway(
    hub: bootstrap.Hub, pki: Pki, mtls_target: str, tmp_path: Path
) -> Iterator[RunningGateway]:
    server_tls = pki.server_tls()
    ca = tmp_path / "ca.crt"
    ca.write_bytes(pki.authority.certificate_pem)
    server_cert, server_key = tmp_path / "server.crt", tmp_path / "server.key"
    server_cert.write_bytes(server_tls.certificate_pem)
    server_key.write_bytes(server_tls.key_pem)
    own_cert, own_key = pki.enrol(hub, WEB).write(tmp_path, "gateway")
    settings = GatewaySettings(
        listen="127.0.0.1:0",
        hub=mtls_target,
        server_cert_file=str(server_cert),
        server_key_file=str(server_key),
        client_ca_file=str(ca),
        gateway_cert_file=str(own_cert),
        gateway_key_file=str(own_key),
    )
    running = start_gateway(settings)
    yield running
    running.stop()


@pytest.fixture
def coffee_issued(hub: bootstrap.Hub, pki: Pki) -> Issued:
    return pki.enrol(hub, COFFEE)


@pytest.fixture
def shop(gateway: RunningGateway, pki: Pki, tmp_path: Path, coffee_issued: Issued) -> Shop:
    return Shop(gateway.port, client_context(pki, tmp_path / "coffee", coffee_issued))


def other_shop(hub: bootstrap.Hub, gateway: RunningGateway, pki: Pki, tmp_path: Path) -> Shop:
    return Shop(gateway.port, client_context(pki, tmp_path / "fuel", pki.enrol(hub, FUEL)))


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def enroll(shop: Shop) -> str:
    body = {"identifiers": [{"kind": "IDENTIFIER_KIND_CARD", "value": CARD}]}
    status, _, member = shop.call("POST", "/v1/members", body, key())
    assert status == 200, member
    return str(member["memberId"])


def earn(shop: Shop, member_id: str, amount_minor: int = 10_000, **extra: Any) -> Any:
    body = {
        "member": {"memberId": member_id},
        "purchase": {"amountMinor": str(amount_minor), "currency": "EUR"},
        "orderId": f"web-{uuid.uuid4().hex[:8]}",
        **extra,
    }
    return shop.call("POST", "/v1/earns", body, key())


def reason_of(status_json: dict[str, Any]) -> str:
    return next(
        (d["reason"] for d in status_json.get("details", ()) if d["@type"].endswith("ErrorInfo")),
        "",
    )


def detail(status_json: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(d for d in status_json["details"] if d["@type"].endswith(kind))


def transactions_in(hub: bootstrap.Hub) -> int:
    with hub.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM transactions").scalar() or 0)


def test_a_web_shop_enrolls_earns_quotes_and_reads_the_balance_over_json(shop):
    member_id = enroll(shop)
    status, _, earned = earn(shop, member_id)
    assert status == 200, earned
    assert earned["points"] == "100"  # int64 is a string in proto3 JSON
    quote = {"earn": {"purchase": {"amountMinor": "2000", "currency": "EUR"}}}
    status, _, quoted = shop.call("POST", "/v1/quotes", quote)
    assert (status, quoted["earn"]["points"]) == (200, "20")
    status, _, balance = shop.call("GET", f"/v1/members/{member_id}/balance")
    assert (status, balance["availablePoints"]) == (200, "100")


def test_a_web_shop_authorizes_captures_voids_and_refunds_over_json(shop):
    member_id = enroll(shop)
    earn(shop, member_id)
    hold_body = {"member": {"memberId": member_id}, "orderId": "web-h1", "points": "40", **RECEIPT}
    status, _, hold = shop.call("POST", "/v1/holds", hold_body, key())
    assert (status, hold["status"]) == (200, "HOLD_STATUS_PENDING")
    status, _, capture = shop.call("POST", f"/v1/holds/{hold['holdId']}:capture", {}, key())
    assert (status, capture["capturedPoints"]) == (200, "40")
    status, _, refund = shop.call(
        "POST", f"/v1/holds/{hold['holdId']}:refund", {"points": "10"}, key()
    )
    assert (status, refund["pointsReturned"]) == (200, "10")
    second = {"member": {"memberId": member_id}, "orderId": "web-h2", "points": "5", **RECEIPT}
    _, _, hold = shop.call("POST", "/v1/holds", second, key())
    status, _, voided = shop.call("POST", f"/v1/holds/{hold['holdId']}:void", {}, key())
    assert (status, voided["status"]) == (200, "HOLD_STATUS_VOIDED")
    status, _, read = shop.call("GET", f"/v1/holds/{hold['holdId']}")
    assert (status, read["status"]) == (200, "HOLD_STATUS_VOIDED")
    _, _, balance = shop.call("GET", f"/v1/members/{member_id}/balance")
    assert balance["availablePoints"] == "70"


def test_an_earn_is_refunded_by_its_transaction_id_in_the_path(shop):
    member_id = enroll(shop)
    _, _, earned = earn(shop, member_id)
    path = f"/v1/earns/{earned['transactionId']}:refund"
    status, _, refund = shop.call("POST", path, {"wholeReceipt": True}, key())
    assert (status, refund["pointsReversed"]) == (200, "100")


def test_the_same_idempotency_key_and_body_answer_the_same_without_a_second_earn(hub, shop):
    member_id = enroll(shop)
    body = {
        "member": {"memberId": member_id},
        "purchase": {"amountMinor": "5000", "currency": "EUR"},
        "orderId": "web-replay",
    }
    headers = key()
    first = shop.call("POST", "/v1/earns", body, headers)
    before = transactions_in(hub)
    again = shop.call("POST", "/v1/earns", body, headers)
    assert first[0] == again[0] == 200
    assert first[2] == again[2]
    assert transactions_in(hub) == before


def test_the_same_idempotency_key_with_another_body_is_409_and_writes_nothing(hub, shop):
    member_id = enroll(shop)
    headers = key()
    earn_status, _, _ = shop.call(
        "POST",
        "/v1/earns",
        {
            "member": {"memberId": member_id},
            "purchase": {"amountMinor": "5000", "currency": "EUR"},
            "orderId": "web-a",
        },
        headers,
    )
    before = transactions_in(hub)
    status, _, error = shop.call(
        "POST",
        "/v1/earns",
        {
            "member": {"memberId": member_id},
            "purchase": {"amountMinor": "7000", "currency": "EUR"},
            "orderId": "web-a",
        },
        headers,
    )
    assert (earn_status, status, reason_of(error)) == (200, 409, "IDEMPOTENCY_KEY_REUSED")
    assert error["code"] == grpc.StatusCode.ALREADY_EXISTS.value[0]
    assert transactions_in(hub) == before


def test_malformed_json_is_400_malformed_request_and_writes_nothing(hub, shop):
    member_id = enroll(shop)
    before = transactions_in(hub)
    status, _, error = shop.call("POST", "/v1/earns", b'{"member": {"memberId": ', key())
    assert (status, reason_of(error)) == (400, "MALFORMED_REQUEST")
    assert transactions_in(hub) == before
    assert member_id


def test_an_unknown_field_is_400_naming_it_in_a_field_violation_and_writes_nothing(hub, shop):
    member_id = enroll(shop)
    before = transactions_in(hub)
    status, _, error = earn(shop, member_id, pointsPlease="1000")
    assert (status, reason_of(error)) == (400, "INVALID_FIELD")
    assert detail(error, "BadRequest")["fieldViolations"][0]["field"] == "pointsPlease"
    assert transactions_in(hub) == before


def test_the_hubs_field_violations_come_back_as_json(shop):
    member_id = enroll(shop)
    status, _, error = earn(shop, member_id, amount_minor=-5)
    assert (status, reason_of(error)) == (400, "INVALID_AMOUNT")
    assert detail(error, "RequestInfo")["requestId"]


def test_a_business_refusal_is_400_failed_precondition_with_its_reason(shop):
    member_id = enroll(shop)
    body = {"member": {"memberId": member_id}, "orderId": "web-broke", "points": "500", **RECEIPT}
    status, _, error = shop.call("POST", "/v1/holds", body, key())
    assert (status, reason_of(error)) == (400, "INSUFFICIENT_POINTS")
    assert error["code"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]


def test_another_partners_hold_is_404_as_the_hub_answers(hub, pki, gateway, shop, tmp_path):
    member_id = enroll(shop)
    earn(shop, member_id)
    body = {"member": {"memberId": member_id}, "orderId": "web-mine", "points": "10", **RECEIPT}
    _, _, hold = shop.call("POST", "/v1/holds", body, key())
    fuel = other_shop(hub, gateway, pki, tmp_path)
    status, _, error = fuel.call("POST", f"/v1/holds/{hold['holdId']}:capture", {}, key())
    assert (status, reason_of(error)) == (404, "HOLD_NOT_FOUND")


def test_an_unknown_member_is_404(shop):
    status, _, error = shop.call("GET", f"/v1/members/{uuid.uuid4()}/balance")
    assert (status, reason_of(error)) == (404, "MEMBER_NOT_FOUND")


def test_a_path_no_rpc_serves_is_404_and_a_wrong_verb_405_with_allow(shop):
    status, _, error = shop.call("GET", "/v1/nothing-here")
    assert (status, error["code"]) == (404, grpc.StatusCode.NOT_FOUND.value[0])
    status, headers, _ = shop.call("DELETE", "/v1/earns")
    assert (status, headers["allow"]) == (405, "POST")


def test_a_shop_without_a_certificate_is_401(gateway, pki, tmp_path):
    anonymous = Shop(gateway.port, client_context(pki, tmp_path, None))
    status, _, error = anonymous.call("GET", "/v1/ping")
    assert (status, reason_of(error)) == (401, "UNAUTHENTICATED")


def test_a_revoked_certificate_is_401_from_the_next_request(hub, shop, coffee_issued):
    assert shop.call("GET", "/v1/ping")[0] == 200
    revoke = RevokeCredential(coffee_issued.info.serial, changed_by=OPERATOR)
    hub.operator.revoke_credential(revoke)
    status, _, error = shop.call("GET", "/v1/ping")
    assert (status, reason_of(error)) == (401, "CREDENTIAL_REVOKED")


def test_a_partner_over_its_rate_limit_gets_429_with_retry_after(hub, shop):
    hub.operator.set_rate_limit(SetRateLimit("coffee", 1, changed_by=OPERATOR))
    answers = [shop.call("GET", "/v1/ping") for _ in range(5)]
    limited = [answer for answer in answers if answer[0] == 429]
    assert limited, [answer[0] for answer in answers]
    _, headers, error = limited[0]
    assert reason_of(error) == "RATE_LIMITED"
    assert int(headers["retry-after"]) >= 1
    assert detail(error, "RetryInfo")["retryDelay"].endswith("s")


def test_the_request_id_is_echoed_and_reaches_the_hub(shop):
    given = "web-request-0001"
    status, headers, error = shop.call(
        "GET", f"/v1/members/{uuid.uuid4()}/balance", headers={"x-request-id": given}
    )
    assert (status, headers["x-request-id"]) == (404, given)
    assert detail(error, "RequestInfo")["requestId"] == given


def test_a_body_over_the_size_limit_is_refused_before_the_hub(shop):
    status, _, error = shop.call("POST", "/v1/earns", b"{" + b" " * 300_000 + b"}", key())
    assert (status, reason_of(error)) == (413, "MALFORMED_REQUEST")


def test_the_openapi_document_is_served_and_the_checked_in_file_is_current(shop):
    status, _, served = shop.call("GET", "/openapi.json")
    checked_in = (ROOT / "docs" / "openapi.json").read_bytes()
    assert checked_in == rendered(), "docs/openapi.json is stale: run `hub gateway openapi`"
    assert (status, served) == (200, json.loads(checked_in))
    assert served["paths"]["/v1/holds/{hold_id}:capture"]["post"]["operationId"] == (
        "PartnerService_CaptureRedemption"
    )


def test_a_gateway_certificate_that_names_no_partner_is_refused_by_the_hub(hub, pki, mtls_target):
    stub = partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, pki.enrol(hub, WEB)))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Ping(partner_pb2.PingRequest(), timeout=5)
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_query_parameters_fill_the_fields_of_a_read_and_unknown_ones_are_400(shop):
    member_id = enroll(shop)
    earn(shop, member_id)
    earn(shop, member_id)
    status, _, page = shop.call("GET", f"/v1/transactions?member.member_id={member_id}&pageSize=1")
    assert (status, len(page["transactions"])) == (200, 1)
    assert page["nextPageToken"]
    status, _, error = shop.call("GET", "/v1/transactions?pageSizes=1")
    assert (status, detail(error, "BadRequest")["fieldViolations"][0]["field"]) == (
        400,
        "pageSizes",
    )


def relay(hub: bootstrap.Hub, pki: Pki, mtls_target: str, partner_id: str, serial: str):
    """A Ping through a gateway certificate, naming a partner and a certificate serial."""
    stub = partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, pki.enrol(hub, WEB)))
    metadata = (("x-hub-partner-id", partner_id), ("x-hub-partner-serial", serial))
    return stub.Ping(partner_pb2.PingRequest(), metadata=metadata, timeout=5)


def test_a_gateway_cannot_relay_a_partner_with_another_partners_certificate(
    hub, pki, mtls_target, coffee_issued
):
    assert relay(hub, pki, mtls_target, "coffee", coffee_issued.info.serial)
    with pytest.raises(grpc.RpcError) as caught:
        relay(hub, pki, mtls_target, "fuel", coffee_issued.info.serial)
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_revoking_the_gateways_own_certificate_stops_every_relayed_call(
    hub, gateway, shop, tmp_path
):
    assert shop.call("GET", "/v1/ping")[0] == 200
    with hub.engine.connect() as connection:
        serial = connection.execute(
            sa.text("SELECT serial FROM credentials WHERE principal = :uri"), {"uri": WEB.uri}
        ).scalar_one()
    hub.operator.revoke_credential(RevokeCredential(serial, changed_by=OPERATOR))
    status, _, error = shop.call("GET", "/v1/ping")
    assert (status, reason_of(error)) == (401, "CREDENTIAL_REVOKED")


def test_every_partner_rpc_has_a_rest_route_and_no_two_routes_collide():
    methods = [method for service in GATEWAY_SERVICES for method in service.methods]
    unrouted = [method.full_name for method in methods if route_of(method) is None]
    assert unrouted == [], "annotate them with google.api.http in the proto"
    routes = [(route.verb, route.template) for route in all_routes()]
    assert len(routes) == len(set(routes)) == len(methods)


def test_an_idempotency_key_on_a_read_is_ignored_and_one_differing_from_the_body_is_400(shop):
    member_id = enroll(shop)
    status, _, _ = shop.call("GET", f"/v1/members/{member_id}/balance", headers=key())
    assert status == 200
    body = {
        "idempotencyKey": "in-the-body",
        "member": {"memberId": member_id},
        "purchase": {"amountMinor": "100", "currency": "EUR"},
        "orderId": "web-two-keys",
    }
    status, _, error = shop.call("POST", "/v1/earns", body, key())
    assert (status, detail(error, "BadRequest")["fieldViolations"][0]["field"]) == (
        400,
        "idempotency_key",
    )
