"""The admin API through a real mTLS hub: changes act at once and name who made them."""

from __future__ import annotations

import grpc
import pytest

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, common_pb2, partner_pb2, partner_pb2_grpc
from tests.e2e.mtls import ADMIN, COFFEE, Pki
from tests.e2e.test_mtls import reason_of
from tests.integration.helpers import card, enroll

PING = partner_pb2.PingRequest()


@pytest.fixture
def admin(hub, pki: Pki, mtls_target: str) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))


def test_an_admin_onboards_a_partner_with_rates_and_a_rate_limit(hub, admin):
    rates = common_pb2.Rates(
        earn_rate="0.1", burn_value="0.5", issue_price="0.0055", redemption_price="0.005"
    )
    added = admin.AddPartner(
        admin_pb2.AddPartnerRequest(
            partner_id="grocer", name="Green Grocer", currency="RUB", rates=rates, reason="T-1"
        ),
        timeout=5,
    )
    limited = admin.SetPartnerRateLimit(
        admin_pb2.SetPartnerRateLimitRequest(
            partner_id="grocer", rate_limit_per_s=50, reason="T-2"
        ),
        timeout=5,
    )
    assert (added.status, added.current_rates.earn_rate) == ("active", "0.1")
    assert limited.rate_limit_per_s == 50
    actions = [r.event.action for r in hub.operator.list_audit(limit=2)]
    assert actions == ["partner.set_rate_limit", "partner.add"]


def test_a_change_without_a_reason_is_refused_and_writes_nothing(hub, admin):
    with pytest.raises(grpc.RpcError) as refused:
        admin.SetPartnerStatus(
            admin_pb2.SetPartnerStatusRequest(partner_id="coffee", active=False), timeout=5
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert hub.operator.get_partner("coffee").partner.status.value == "active"


def test_an_admin_revokes_a_certificate_and_its_holder_is_refused_next_call(
    hub, pki, mtls_target, admin
):
    issued = pki.enrol(hub, COFFEE)
    till = partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, issued))
    till.Ping(PING, timeout=5)
    revoked = admin.RevokeCredential(
        admin_pb2.RevokeCredentialRequest(serial=issued.info.serial, reason="till stolen"),
        timeout=5,
    )
    assert revoked.revoked_by == ADMIN.uri
    with pytest.raises(grpc.RpcError) as refused:
        till.Ping(PING, timeout=5)
    assert reason_of(refused.value) == "CREDENTIAL_REVOKED"
    listed = admin.ListCredentials(
        admin_pb2.ListCredentialsRequest(principal=COFFEE.uri), timeout=5
    )
    assert [c.serial for c in listed.credentials] == [issued.info.serial]


def test_revoking_an_unknown_certificate_answers_not_found(admin):
    with pytest.raises(grpc.RpcError) as refused:
        admin.RevokeCredential(
            admin_pb2.RevokeCredentialRequest(serial="abc", reason="typo"), timeout=5
        )
    assert (refused.value.code(), reason_of(refused.value)) == (
        grpc.StatusCode.NOT_FOUND,
        "CREDENTIAL_NOT_FOUND",
    )


def test_an_admin_erases_a_member_and_the_erasure_is_audited(hub, admin):
    member = enroll(hub, "coffee", card())
    erased = admin.EraseMember(
        admin_pb2.EraseMemberRequest(member_id=str(member.member_id), reason="GDPR request"),
        timeout=5,
    )
    assert erased.member_id == str(member.member_id)
    [record] = hub.operator.list_audit(limit=1, action="member.erase")
    assert (record.event.actor, record.event.reason) == (ADMIN.uri, "GDPR request")
