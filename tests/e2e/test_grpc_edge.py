"""The gRPC edge as a client with only the stubs sees it: statuses, details, health, reflection."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api.server import MESSAGE_SIZE_MAX_BYTES

COFFEE = (("x-hub-partner-id", "coffee"),)
CARD = common_pb2.MemberRef(
    identifier=common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")
)


def details_of(error: grpc.RpcError) -> dict[str, object]:
    status = rpc_status.from_call(error)
    found: dict[str, object] = {}
    for detail in status.details:
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.RequestInfo,
            error_details_pb2.BadRequest,
        ):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind.__name__] = message
    return found


def call_error(method, request, metadata=COFFEE) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        method(request, metadata=metadata)
    return caught.value


def earn_request(**fields) -> partner_pb2.EarnRequest:
    values = {
        "idempotency_key": uuid.uuid4().hex,
        "member": CARD,
        "purchase": common_pb2.Money(amount_minor=1000, currency="EUR"),
        "order_id": uuid.uuid4().hex,
    }
    return partner_pb2.EarnRequest(**(values | fields))


@pytest.fixture
def enrolled(stub, coffee):
    stub.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key="e-1", identifiers=[CARD.identifier]),
        metadata=COFFEE,
    )


def test_an_error_carries_its_reason_request_id_and_field(stub, enrolled):
    error = call_error(
        stub.Earn, earn_request(purchase=common_pb2.Money(amount_minor=-1, currency="EUR"))
    )
    details = details_of(error)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert details["ErrorInfo"].reason == "INVALID_AMOUNT"
    assert details["ErrorInfo"].domain == "hub.coalition"
    assert details["BadRequest"].field_violations[0].field == "purchase.amount_minor"
    trailing = dict(error.trailing_metadata())
    assert details["RequestInfo"].request_id == trailing["x-request-id"]


def test_a_callers_request_id_is_kept(stub, enrolled):
    error = call_error(
        stub.Earn,
        earn_request(member=common_pb2.MemberRef(member_id=str(uuid.uuid4()))),
        metadata=(*COFFEE, ("x-request-id", "pos-17-000042")),
    )
    assert details_of(error)["RequestInfo"].request_id == "pos-17-000042"
    assert details_of(error)["ErrorInfo"].reason == "MEMBER_NOT_FOUND"


@pytest.mark.parametrize(
    ("request_fields", "code", "reason"),
    [
        (
            {"purchase": common_pb2.Money(amount_minor=1000, currency="XXX")},
            grpc.StatusCode.INVALID_ARGUMENT,
            "UNKNOWN_CURRENCY",
        ),
        (
            {"purchase": common_pb2.Money(amount_minor=1000, currency="USD")},
            grpc.StatusCode.INVALID_ARGUMENT,
            "CURRENCY_MISMATCH",
        ),
        (
            {"member": common_pb2.MemberRef(member_id="42")},
            grpc.StatusCode.INVALID_ARGUMENT,
            "MALFORMED_ID",
        ),
        ({"member": common_pb2.MemberRef()}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ({"order_id": "x" * 65}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ({"idempotency_key": ""}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_IDEMPOTENCY_KEY"),
        (
            {"line_items": [common_pb2.LineItem(sku="a", amount_minor=1)] * 201},
            grpc.StatusCode.INVALID_ARGUMENT,
            "TOO_MANY_LINE_ITEMS",
        ),
        (
            {"line_items": [common_pb2.LineItem(sku="a", amount_minor=999)]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "LINE_ITEMS_MISMATCH",
        ),
        (
            {
                "member": common_pb2.MemberRef(
                    identifier=common_pb2.Identifier(
                        kind=common_pb2.IDENTIFIER_KIND_PHONE, value="12"
                    )
                )
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_IDENTIFIER",
        ),
    ],
)
def test_bad_earn_requests_get_the_right_code_and_reason(
    stub, enrolled, request_fields, code, reason
):
    error = call_error(stub.Earn, earn_request(**request_fields))
    assert (error.code(), details_of(error)["ErrorInfo"].reason) == (code, reason)


def test_a_call_without_a_caller_is_unauthenticated(stub, coffee):
    error = call_error(stub.Ping, partner_pb2.PingRequest(), metadata=())
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert details_of(error)["ErrorInfo"].reason == "UNAUTHENTICATED"


def test_an_oversized_message_is_refused_before_it_reaches_the_hub(stub, coffee):
    error = call_error(stub.Earn, earn_request(order_id="x" * MESSAGE_SIZE_MAX_BYTES))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED


def test_the_standard_health_service_reports_serving(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "coalition.hub.v1.PartnerService"):
        response = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_partner_service(channel):
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    response = next(reflection.ServerReflectionInfo(iter([request])))
    names = {service.name for service in response.list_services_response.service}
    assert {"coalition.hub.v1.PartnerService", "grpc.health.v1.Health"} <= names
