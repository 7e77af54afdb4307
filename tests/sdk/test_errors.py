from __future__ import annotations

import socket
from collections.abc import Callable

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2, status_pb2

from coalition.hub.v1 import common_pb2
from partner_sdk import (
    AuthenticationError,
    BelowMinimumRedemption,
    CaptureExceedsHold,
    CertificateError,
    CredentialNotFound,
    CredentialRevoked,
    ExceedsCategoryShare,
    ExceedsPayableAmount,
    FieldViolation,
    HoldAlreadyCaptured,
    HoldAlreadyVoided,
    HoldExpired,
    HoldNotFound,
    HubClient,
    HubError,
    InsufficientPoints,
    InternalError,
    InvalidField,
    InvalidHoldTtl,
    InvalidRequest,
    MemberNotFound,
    NotFound,
    PartnerRateLimited,
    PermissionDenied,
    RateLimited,
    RefundExceedsOriginal,
    Refused,
    RoleNotAllowed,
    ServerBusy,
    TransactionNotFound,
    Unavailable,
)
from partner_sdk.errors import ERROR_CLASSES_BY_REASON

from .fakes import FakePartnerService, hang, packed, plain, rich, trailed

FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
REASONS = [v.name for v in common_pb2.ErrorReason.DESCRIPTOR.values if v.number != 0]


def test_every_error_reason_in_the_proto_has_its_own_class() -> None:
    assert sorted(ERROR_CLASSES_BY_REASON) == sorted(REASONS)


@pytest.mark.parametrize("reason", REASONS)
def test_each_reason_from_the_hub_raises_its_typed_error(
    fake_hub: FakePartnerService, client: HubClient, reason: str
) -> None:
    error_class = ERROR_CLASSES_BY_REASON[reason]
    code = error_class.codes[0]
    fake_hub.fail_next(rich(code, reason, metadata={"field": "purchase.amount_minor"}))

    with pytest.raises(error_class) as raised:
        client.earn("m_1", amount_minor=100, currency="EUR", order_id="o-1", retry=None)

    error = raised.value
    assert type(error) is error_class
    assert (error.code, error.reason) == (code, reason)
    assert error.details == {"field": "purchase.amount_minor"}
    assert error.message == f"refused: {reason.lower()}"
    assert error.request_id == fake_hub.received[0].request_id
    assert isinstance(error.__cause__, grpc.RpcError)


# A call of each new method that can meet the reasons below.
CALLS: dict[str, Callable[[HubClient], object]] = {
    "authorize": lambda c: c.authorize(
        "m_1", amount_minor=800, currency="EUR", order_id="o-1", points=300, ttl_s=60
    ),
    "capture": lambda c: c.capture("h_1", points=200),
    "void": lambda c: c.void("h_1"),
    "get_hold": lambda c: c.get_hold("h_404"),
    "refund_earn": lambda c: c.refund_earn("t_404", amount_minor=500, currency="EUR"),
    "refund_redemption": lambda c: c.refund_redemption("h_1", points=100),
}
REDEMPTION_REASONS = [
    ("INVALID_HOLD_TTL", InvalidHoldTtl, InvalidRequest, "authorize"),
    ("CAPTURE_EXCEEDS_HOLD", CaptureExceedsHold, InvalidRequest, "capture"),
    ("HOLD_NOT_FOUND", HoldNotFound, NotFound, "get_hold"),
    ("TRANSACTION_NOT_FOUND", TransactionNotFound, NotFound, "refund_earn"),
    ("INSUFFICIENT_POINTS", InsufficientPoints, Refused, "authorize"),
    ("BELOW_MINIMUM_REDEMPTION", BelowMinimumRedemption, Refused, "authorize"),
    ("EXCEEDS_PAYABLE_AMOUNT", ExceedsPayableAmount, Refused, "authorize"),
    # A kind of EXCEEDS_PAYABLE_AMOUNT: a till that catches that one catches this too.
    ("EXCEEDS_CATEGORY_SHARE", ExceedsCategoryShare, ExceedsPayableAmount, "authorize"),
    ("HOLD_ALREADY_CAPTURED", HoldAlreadyCaptured, Refused, "void"),
    ("HOLD_ALREADY_VOIDED", HoldAlreadyVoided, Refused, "capture"),
    ("HOLD_EXPIRED", HoldExpired, Refused, "capture"),
    ("REFUND_EXCEEDS_ORIGINAL", RefundExceedsOriginal, Refused, "refund_redemption"),
]


@pytest.mark.parametrize(("reason", "error_class", "family", "call"), REDEMPTION_REASONS)
def test_redemption_and_refund_reasons_raise_their_class_under_the_class_of_their_code(
    fake_hub: FakePartnerService,
    client: HubClient,
    reason: str,
    error_class: type[HubError],
    family: type[HubError],
    call: str,
) -> None:
    fake_hub.fail_next(rich(family.codes[0], reason, metadata={"hold_id": "h_1"}))

    with pytest.raises(family) as raised:
        CALLS[call](client)

    assert type(raised.value) is error_class
    assert (raised.value.code, raised.value.reason) == (family.codes[0], reason)
    assert raised.value.details == {"hold_id": "h_1"}
    assert len(fake_hub.received) == 1


def test_bad_request_details_become_field_violations(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    violation = error_details_pb2.BadRequest.FieldViolation(
        field="purchase.currency", description="must be the partner's currency"
    )
    bad_request = error_details_pb2.BadRequest(field_violations=[violation])
    fake_hub.fail_next(rich(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", bad_request))

    with pytest.raises(InvalidField) as raised:
        client.ping()

    assert raised.value.field_violations == (
        FieldViolation("purchase.currency", "must be the partner's currency"),
    )


def test_the_request_id_named_by_the_hub_wins_over_the_one_sent(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.NOT_FOUND, "MEMBER_NOT_FOUND", request_id="hub-id-1"))

    with pytest.raises(MemberNotFound) as raised:
        client.lookup("m_404")

    assert raised.value.request_id == "hub-id-1"


def test_retry_info_becomes_retry_after_seconds(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    retry_info = error_details_pb2.RetryInfo(retry_delay=Duration(seconds=1, nanos=500_000_000))
    fake_hub.fail_next(rich(grpc.StatusCode.RESOURCE_EXHAUSTED, "SERVER_BUSY", retry_info))

    with pytest.raises(ServerBusy) as raised:
        client.ping(retry=None)

    assert raised.value.retry_after_s == 1.5


def test_a_plain_unavailable_without_details_is_unavailable(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(plain(grpc.StatusCode.UNAVAILABLE, "upstream connect error"))

    with pytest.raises(Unavailable) as raised:
        client.ping(retry=None)

    assert (raised.value.code, raised.value.reason) == (grpc.StatusCode.UNAVAILABLE, "")
    assert raised.value.message == "upstream connect error"
    assert raised.value.request_id == fake_hub.received[0].request_id


def test_a_refused_connection_is_unavailable_with_the_transports_details() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = HubClient(f"127.0.0.1:{closed_port}", partner_id="coffee", retry=None)
    with client, pytest.raises(Unavailable) as raised:
        client.ping()

    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert raised.value.message  # what the transport said, e.g. "failed to connect..."
    assert raised.value.request_id  # the id the SDK sent, for the partner's own logs


def test_a_call_past_its_timeout_is_unavailable_with_deadline_exceeded(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(hang)

    with pytest.raises(Unavailable) as raised:
        client.ping(timeout_s=0.05)

    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert fake_hub.methods() == ["Ping"]


def test_a_reason_this_sdk_does_not_know_falls_back_to_the_class_of_its_code(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.FAILED_PRECONDITION, "LOYALTY_TIER_TOO_LOW"))

    with pytest.raises(Refused) as raised:
        client.ping()

    assert type(raised.value) is Refused
    assert raised.value.reason == "LOYALTY_TIER_TOO_LOW"


def test_a_reason_from_another_domain_is_not_taken_for_the_hubs(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.NOT_FOUND, "MEMBER_NOT_FOUND", domain="proxy.example"))

    with pytest.raises(NotFound) as raised:
        client.ping()

    assert type(raised.value) is NotFound
    assert raised.value.reason == "MEMBER_NOT_FOUND"


def test_a_reason_contradicting_the_status_code_yields_the_class_of_the_code(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.INTERNAL, "MEMBER_NOT_FOUND"))

    with pytest.raises(InternalError) as raised:
        client.ping()

    assert type(raised.value) is InternalError


def _status_details(code: grpc.StatusCode, message: str, reason: str) -> bytes:
    info = error_details_pb2.ErrorInfo(reason=reason, domain="hub.coalition")
    status = status_pb2.Status(code=code.value[0], message=message, details=[packed(info)])
    return status.SerializeToString()


def test_status_details_in_the_trailers_give_the_typed_error(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    details = _status_details(FAILED_PRECONDITION, "too few points", "INSUFFICIENT_POINTS")
    fake_hub.fail_next(trailed(FAILED_PRECONDITION, "too few points", details))

    with pytest.raises(InsufficientPoints) as raised:
        client.ping()

    assert raised.value.reason == "INSUFFICIENT_POINTS"
    assert raised.value.request_id == fake_hub.received[0].request_id


@pytest.mark.parametrize(
    "details",
    [
        b"\xff\xfe not a status",
        _status_details(grpc.StatusCode.NOT_FOUND, "too few points", "MEMBER_NOT_FOUND"),
        _status_details(FAILED_PRECONDITION, "rewritten by a proxy", "INSUFFICIENT_POINTS"),
    ],
    ids=["garbled", "other-code", "other-message"],
)
def test_status_details_garbled_or_contradicting_the_call_give_the_class_of_its_code(
    fake_hub: FakePartnerService, client: HubClient, details: bytes
) -> None:
    fake_hub.fail_next(trailed(FAILED_PRECONDITION, "too few points", details))

    with pytest.raises(Refused) as raised:
        client.ping()

    assert type(raised.value) is Refused
    assert (raised.value.reason, raised.value.message) == ("", "too few points")


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, AuthenticationError),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, RateLimited),
        (grpc.StatusCode.UNKNOWN, InternalError),
        (grpc.StatusCode.UNIMPLEMENTED, HubError),
    ],
)
def test_a_plain_status_maps_to_the_class_of_its_code(
    fake_hub: FakePartnerService, client: HubClient, code: grpc.StatusCode, error_class: type
) -> None:
    fake_hub.fail_next(plain(code, "no details"))

    with pytest.raises(error_class) as raised:
        client.ping()

    assert type(raised.value) is error_class
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("error_class", "family", "code"),
    [
        (CredentialRevoked, AuthenticationError, grpc.StatusCode.UNAUTHENTICATED),
        (RoleNotAllowed, PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
        (CredentialNotFound, NotFound, grpc.StatusCode.NOT_FOUND),
        (PartnerRateLimited, RateLimited, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ],
)
def test_the_security_reasons_sit_under_the_class_of_their_code(
    fake_hub: FakePartnerService,
    client: HubClient,
    error_class: type[HubError],
    family: type[HubError],
    code: grpc.StatusCode,
) -> None:
    fake_hub.fail_next(rich(code, error_class.declared_reason))

    with pytest.raises(family) as raised:
        client.ping(retry=None)

    assert type(raised.value) is error_class
    assert raised.value.code == code


CONNECT_FAILED = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:4433: "
HANDSHAKE_FAILED = "Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: error:1000007d:"


@pytest.mark.parametrize(
    ("transport_message", "problem"),
    [
        (
            CONNECT_FAILED + HANDSHAKE_FAILED + "SSL routines:OPENSSL_internal:"
            "CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate",
            "did not verify against the CA",
        ),
        (
            CONNECT_FAILED + HANDSHAKE_FAILED + "SSL routines:OPENSSL_internal:"
            "CERTIFICATE_VERIFY_FAILED: certificate has expired",
            "did not verify against the CA",
        ),
        (
            CONNECT_FAILED + "Custom verification check failed with error: UNAUTHENTICATED: "
            "Hostname Verification Check failed.",
            "does not name the host",
        ),
        (CONNECT_FAILED + "Peer name hub.example is not in peer certificate", "name the host"),
        (
            CONNECT_FAILED + HANDSHAKE_FAILED + "SSL routines:OPENSSL_internal:"
            "TLSV1_ALERT_UNKNOWN_CA",
            "refused this client's certificate",
        ),
        (
            CONNECT_FAILED + HANDSHAKE_FAILED + "SSL routines:OPENSSL_internal:"
            "SSLV3_ALERT_CERTIFICATE_EXPIRED",
            "refused this client's certificate",
        ),
    ],
)
def test_a_connection_failing_on_a_certificate_is_a_certificate_error(
    fake_hub: FakePartnerService, client: HubClient, transport_message: str, problem: str
) -> None:
    fake_hub.fail_next(plain(grpc.StatusCode.UNAVAILABLE, transport_message))

    with pytest.raises(CertificateError) as raised:
        client.ping()

    assert problem in raised.value.message
    assert raised.value.message.endswith(transport_message)
    assert (raised.value.code, raised.value.reason) == (grpc.StatusCode.UNAVAILABLE, "")
    assert len(fake_hub.received) == 1


@pytest.mark.parametrize(
    "transport_message",
    [
        CONNECT_FAILED + "Failed to connect to remote host: Connection refused",
        "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:4433: "
        "Socket closed",
        CONNECT_FAILED + HANDSHAKE_FAILED + "SSL routines:OPENSSL_internal:"
        "WRONG_VERSION_NUMBER: Invalid certificate verification context: OK",
        "upstream connect error or disconnect/reset before headers. reset reason: connection "
        "failure, transport failure reason: TLS error: CERTIFICATE_VERIFY_FAILED",
    ],
    ids=["refused", "socket-closed", "plaintext-hub", "proxy-upstream"],
)
def test_a_connection_failing_for_other_reasons_stays_unavailable(
    fake_hub: FakePartnerService, client: HubClient, transport_message: str
) -> None:
    fake_hub.fail_next(plain(grpc.StatusCode.UNAVAILABLE, transport_message))

    with pytest.raises(Unavailable) as raised:
        client.ping(retry=None)

    assert type(raised.value) is Unavailable
    assert raised.value.message == transport_message


def test_repr_shows_code_reason_and_request_id() -> None:
    error = MemberNotFound("no such member", request_id="req-1")

    assert repr(error) == (
        "MemberNotFound(code=NOT_FOUND, reason='MEMBER_NOT_FOUND', request_id='req-1', "
        "message='no such member')"
    )
    assert str(error) == "no such member [MEMBER_NOT_FOUND, request id req-1]"


def test_partners_can_raise_typed_errors_from_their_own_fakes() -> None:
    error = ServerBusy("slow down", retry_after_s=2.0)

    assert (error.code, error.reason, error.retry_after_s) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "SERVER_BUSY",
        2.0,
    )
