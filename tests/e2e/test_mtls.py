"""mTLS through a real hub: who may connect, and refusals from the next call on."""

from __future__ import annotations

import uuid
from datetime import timedelta

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, partner_pb2, partner_pb2_grpc
from hub.services.commands import RevokeCredential, SetPartnerStatus, SetRateLimit
from tests.conftest import OPERATOR
from tests.e2e.mtls import ADMIN, ANALYST, COFFEE, FUEL, Pki, real_now

PING = partner_pb2.PingRequest()


def partner_stub(pki: Pki, mtls_target: str, issued) -> partner_pb2_grpc.PartnerServiceStub:
    return partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, issued))


def reason_of(error: grpc.RpcError) -> str:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def refusal(call, request=PING, **options) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=5, **options)
    return caught.value


def test_a_partner_with_a_recorded_certificate_is_served(hub, pki, mtls_target):
    stub = partner_stub(pki, mtls_target, pki.enrol(hub, COFFEE))
    assert stub.Ping(PING, timeout=5).HasField("server_time")


def test_the_certificate_names_the_caller_and_metadata_cannot_override_it(hub, pki, mtls_target):
    stub = partner_stub(pki, mtls_target, pki.enrol(hub, COFFEE))
    request = partner_pb2.EnrollMemberRequest(idempotency_key=uuid.uuid4().hex)
    request.identifiers.add(kind=1, value="4000123412341234")
    stub.EnrollMember(request, metadata=(("x-hub-partner-id", "fuel"),), timeout=5)
    with hub.engine.connect() as connection:
        enrolled_by = connection.exec_driver_sql("SELECT enrolled_by FROM members").scalar()
    assert enrolled_by == "coffee"


@pytest.mark.parametrize(
    "presented",
    ["none", "expired", "other CA"],
)
def test_callers_without_a_valid_certificate_of_the_coalition_ca_cannot_connect(
    hub, pki, mtls_target, presented
):
    issued = {
        "none": None,
        "expired": pki.authority.issue_client(
            COFFEE, real_now() - timedelta(days=40), valid_days=30
        ),
        "other CA": Pki().enrol(hub, COFFEE),
    }[presented]
    error = refusal(partner_stub(pki, mtls_target, issued).Ping)
    assert error.code() is grpc.StatusCode.UNAVAILABLE


def test_a_certificate_the_hub_has_no_record_of_is_refused(pki, mtls_target):
    error = refusal(partner_stub(pki, mtls_target, pki.issue(COFFEE)).Ping)
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error) == "UNAUTHENTICATED"


def test_a_revoked_certificate_is_refused_from_the_next_call_without_a_restart(
    hub, pki, mtls_target
):
    issued = pki.enrol(hub, COFFEE)
    stub = partner_stub(pki, mtls_target, issued)
    stub.Ping(PING, timeout=5)
    hub.operator.revoke_credential(RevokeCredential(issued.info.serial, changed_by=OPERATOR))
    error = refusal(stub.Ping)
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error) == "CREDENTIAL_REVOKED"


def test_a_disabled_partner_is_refused_from_the_next_call(hub, pki, mtls_target):
    stub = partner_stub(pki, mtls_target, pki.enrol(hub, COFFEE))
    stub.Ping(PING, timeout=5)
    hub.operator.set_partner_status(SetPartnerStatus("coffee", False, changed_by=OPERATOR))
    error = refusal(stub.Ping)
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(error) == "PARTNER_DISABLED"


def test_a_partner_over_its_rate_gets_resource_exhausted_with_a_retry_delay(hub, pki, mtls_target):
    hub.operator.set_rate_limit(SetRateLimit("coffee", 2, changed_by=OPERATOR))
    coffee = partner_stub(pki, mtls_target, pki.enrol(hub, COFFEE))
    fuel = partner_stub(pki, mtls_target, pki.enrol(hub, FUEL))
    errors = []
    for _ in range(6):
        try:
            coffee.Ping(PING, timeout=5)
        except grpc.RpcError as error:
            errors.append(error)
    assert errors, "six calls at once must go over two per second"
    assert {e.code() for e in errors} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert {reason_of(e) for e in errors} == {"RATE_LIMITED"}
    delays = [
        d
        for e in errors
        for d in rpc_status.from_call(e).details
        if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)
    ]
    assert len(delays) == len(errors)
    assert fuel.Ping(PING, timeout=5).HasField("server_time"), "other partners are unaffected"


def test_staff_cannot_call_the_partner_api_nor_partners_the_admin_api(hub, pki, mtls_target):
    analyst = partner_stub(pki, mtls_target, pki.enrol(hub, ANALYST))
    error = refusal(analyst.Ping)
    assert (error.code(), reason_of(error)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ROLE_NOT_ALLOWED",
    )
    partner = admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, COFFEE)))
    error = refusal(partner.ListPartners, admin_pb2.ListPartnersRequest())
    assert (error.code(), reason_of(error)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ROLE_NOT_ALLOWED",
    )


def test_an_admin_changes_a_partner_and_the_change_names_them(hub, pki, mtls_target):
    admin = admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))
    changed = admin.SetPartnerStatus(
        admin_pb2.SetPartnerStatusRequest(partner_id="fuel", active=False, reason="TICKET-1"),
        timeout=5,
    )
    assert changed.status == "disabled"
    records = hub.operator.list_audit(limit=1)
    assert (records[0].event.actor, records[0].event.action) == (ADMIN.uri, "partner.disable")
    assert records[0].event.reason == "TICKET-1"
