"""Authorization through a real mTLS hub: the whole matrix of principals × RPCs, and partners
that cannot touch each other's business."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf import symbol_database

from coalition.hub.v1 import common_pb2, partner_pb2, partner_pb2_grpc
from hub.api.policy import HUB_SERVICES, POLICY
from hub.domain.principals import Principal
from tests.e2e.mtls import ADMIN, ANALYST, COFFEE, FUEL, OFFICER, Pki
from tests.e2e.test_mtls import reason_of

PRINCIPALS = (COFFEE, ANALYST, OFFICER, ADMIN)
CARD = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")


def test_every_rpc_of_every_hub_service_has_a_policy():
    methods = {f"/{s.full_name}/{m.name}" for s in HUB_SERVICES for m in s.methods}
    assert methods == set(POLICY)


def _empty_call(channel: grpc.Channel, method: str) -> tuple[grpc.StatusCode, str]:
    service_name, method_name = method.strip("/").split("/")
    descriptor = next(s for s in HUB_SERVICES if s.full_name == service_name)
    input_type = descriptor.methods_by_name[method_name].input_type
    request_class = symbol_database.Default().GetSymbol(input_type.full_name)
    call = channel.unary_unary(method, request_serializer=lambda m: m.SerializeToString())
    try:
        call(request_class(), timeout=5)
    except grpc.RpcError as error:
        return error.code(), reason_of(error)
    return grpc.StatusCode.OK, ""


@pytest.mark.parametrize("principal", PRINCIPALS, ids=str)
def test_each_principal_reaches_exactly_the_rpcs_its_role_is_granted(
    hub, pki, mtls_target, principal: Principal
):
    channel = pki.channel(mtls_target, pki.enrol(hub, principal))
    refused, reached = set(), set()
    for method in POLICY:
        code, reason = _empty_call(channel, method)
        assert code is not grpc.StatusCode.UNAUTHENTICATED, method
        if code is grpc.StatusCode.PERMISSION_DENIED:
            assert reason == "ROLE_NOT_ALLOWED", method
            refused.add(method)
        else:
            reached.add(method)
    assert reached == {method for method, roles in POLICY.items() if principal.role in roles}
    assert refused == set(POLICY) - reached


# -- partners see only their own business ------------------------------------------------------


def _stub(pki: Pki, mtls_target: str, hub, principal) -> partner_pb2_grpc.PartnerServiceStub:
    return partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, pki.enrol(hub, principal)))


def _key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def coffee_business(hub, pki, mtls_target):
    """Coffee's member, earn, and a pending and a captured hold; then fuel's stub."""
    coffee = _stub(pki, mtls_target, hub, COFFEE)
    member = coffee.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key=_key(), identifiers=[CARD]), timeout=5
    )
    ref = common_pb2.MemberRef(member_id=member.member_id)
    earned = coffee.Earn(
        partner_pb2.EarnRequest(
            idempotency_key=_key(),
            member=ref,
            purchase=common_pb2.Money(amount_minor=50_000, currency="EUR"),
            order_id="order-1",
        ),
        timeout=5,
    )
    holds = [
        coffee.AuthorizeRedemption(
            partner_pb2.AuthorizeRedemptionRequest(
                idempotency_key=_key(),
                member=ref,
                purchase=common_pb2.Money(amount_minor=1_000, currency="EUR"),
                order_id=f"order-{n}",
                points=10,
            ),
            timeout=5,
        )
        for n in (2, 3)
    ]
    coffee.CaptureRedemption(
        partner_pb2.CaptureRedemptionRequest(idempotency_key=_key(), hold_id=holds[1].hold_id),
        timeout=5,
    )
    return coffee, _stub(pki, mtls_target, hub, FUEL), earned, holds


def test_another_partners_holds_and_transactions_answer_not_found(coffee_business):
    coffee, fuel, earned, (pending, captured) = coffee_business
    attempts = {
        "GetHold": (fuel.GetHold, partner_pb2.GetHoldRequest(hold_id=pending.hold_id)),
        "Capture": (
            fuel.CaptureRedemption,
            partner_pb2.CaptureRedemptionRequest(idempotency_key=_key(), hold_id=pending.hold_id),
        ),
        "Void": (
            fuel.VoidRedemption,
            partner_pb2.VoidRedemptionRequest(idempotency_key=_key(), hold_id=pending.hold_id),
        ),
        "RefundRedemption": (
            fuel.RefundRedemption,
            partner_pb2.RefundRedemptionRequest(
                idempotency_key=_key(), hold_id=captured.hold_id, points=10
            ),
        ),
        "RefundEarn": (
            fuel.RefundEarn,
            partner_pb2.RefundEarnRequest(
                idempotency_key=_key(),
                transaction_id=earned.transaction_id,
                amount=common_pb2.Money(amount_minor=100, currency="EUR"),
            ),
        ),
    }
    for name, (call, request) in attempts.items():
        with pytest.raises(grpc.RpcError) as caught:
            call(request, timeout=5)
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND, name
        assert reason_of(caught.value) in {"HOLD_NOT_FOUND", "TRANSACTION_NOT_FOUND"}, name
    still = coffee.GetHold(partner_pb2.GetHoldRequest(hold_id=pending.hold_id), timeout=5)
    assert still.status == partner_pb2.HOLD_STATUS_PENDING


def test_a_partner_lists_only_its_own_transactions(coffee_business):
    coffee, fuel, earned, _ = coffee_business
    ours = coffee.ListTransactions(partner_pb2.ListTransactionsRequest(), timeout=5)
    theirs = fuel.ListTransactions(partner_pb2.ListTransactionsRequest(), timeout=5)
    assert earned.transaction_id in {t.transaction_id for t in ours.transactions}
    assert list(theirs.transactions) == []
