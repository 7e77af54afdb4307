"""The admin and fraud review APIs through a real mTLS hub, for what partners asked for at the
till: a partner's earn rounding mode and category shares, and annulling one operation."""

from __future__ import annotations

import uuid

import grpc
import pytest

from coalition.hub.v1 import admin_pb2, admin_pb2_grpc, common_pb2, fraud_pb2, fraud_pb2_grpc
from tests.e2e.mtls import ADMIN, ANALYST, Pki
from tests.e2e.test_mtls import reason_of
from tests.e2e.test_rules_api import field_of
from tests.integration.helpers import balance, card, earn, enroll, row_counts

RATES = common_pb2.Rates(
    earn_rate="0.1", burn_value="0.5", issue_price="0.0055", redemption_price="0.005"
)


@pytest.fixture
def admin(hub, pki: Pki, mtls_target: str) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))


@pytest.fixture
def fraud(hub, pki: Pki, mtls_target: str) -> fraud_pb2_grpc.FraudReviewServiceStub:
    return fraud_pb2_grpc.FraudReviewServiceStub(pki.channel(mtls_target, pki.enrol(hub, ANALYST)))


def add_request(**fields: object) -> admin_pb2.AddPartnerRequest:
    return admin_pb2.AddPartnerRequest(
        partner_id="grocer",
        name="Green Grocer",
        currency="RUB",
        rates=RATES,
        reason="T-1",
        **fields,  # type: ignore[arg-type]
    )


def test_an_admin_sets_the_earn_rounding_and_category_shares_and_reads_them_back(hub, admin):
    rules = admin_pb2.BurnRules(
        min_points=1,
        max_share="0.5",
        category_shares=[admin_pb2.CategoryShare(category="children", max_share="0.2")],
    )
    added = admin.AddPartner(add_request(earn_rounding="up", burn_rules=rules), timeout=5)
    got = admin.GetPartner(admin_pb2.GetPartnerRequest(partner_id="grocer"), timeout=5)
    for partner in (added, got):
        assert (partner.earn_rounding, partner.rounding) == ("up", "floor")
        assert [(s.category, s.max_share) for s in partner.burn_rules.category_shares] == [
            ("children", "0.2")
        ]
    (record,) = hub.operator.list_audit(limit=1, action="partner.add")
    assert record.event.details["earn_rounding"] == "up"


def test_a_partner_added_without_an_earn_rounding_rounds_down(admin):
    assert admin.AddPartner(add_request(), timeout=5).earn_rounding == "down"


@pytest.mark.parametrize(
    ("fields", "reason", "field"),
    [
        ({"earn_rounding": "nearest"}, "INVALID_FIELD", "earn_rounding"),
        (
            {
                "burn_rules": admin_pb2.BurnRules(
                    min_points=1,
                    category_shares=[
                        admin_pb2.CategoryShare(category="children", max_share="1.01")
                    ],
                )
            },
            "INVALID_FIELD",
            "burn_rules.category_shares.max_share",
        ),
        (
            {
                "burn_rules": admin_pb2.BurnRules(
                    min_points=1,
                    category_shares=[
                        admin_pb2.CategoryShare(category="children", max_share="lots")
                    ],
                )
            },
            "INVALID_RATE",
            "burn_rules.category_shares.max_share",
        ),
        (
            {
                "burn_rules": admin_pb2.BurnRules(
                    min_points=1,
                    category_shares=[admin_pb2.CategoryShare(category="", max_share="0.2")],
                )
            },
            "INVALID_FIELD",
            "burn_rules.category_shares.category",
        ),
    ],
)
def test_bad_partner_rules_are_refused_naming_the_field_and_write_nothing(
    hub, admin, fields, reason, field
):
    before = row_counts(hub)
    with pytest.raises(grpc.RpcError) as refused:
        admin.AddPartner(add_request(**fields), timeout=5)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (reason_of(refused.value), field_of(refused.value)) == (reason, field)
    assert row_counts(hub) == before


def test_an_analyst_annuls_one_operation_over_grpc_and_each_refusal_has_its_reason(hub, fraud):
    member = enroll(hub, "coffee", card()).member_id
    first = earn(hub, member, 10_000)
    earn(hub, member, 20_000)

    def annul(operation_id: str, **fields: object) -> fraud_pb2.Annulment:
        request = fraud_pb2.AnnulPointsRequest(
            idempotency_key=uuid.uuid4().hex,
            member_id=str(member),
            operation_id=operation_id,
            reason="T-9",
            **fields,  # type: ignore[arg-type]
        )
        return fraud.AnnulPoints(request, timeout=5)

    annulled = annul(str(first.transaction_id))
    assert (annulled.points, annulled.operation_id) == (100, str(first.transaction_id))
    assert balance(hub, member).available_points == 200
    before = row_counts(hub)
    refusals = [
        (str(first.transaction_id), {}, grpc.StatusCode.FAILED_PRECONDITION, "NOTHING_TO_ANNUL"),
        (str(uuid.uuid4()), {}, grpc.StatusCode.NOT_FOUND, "TRANSACTION_NOT_FOUND"),
        ("not-an-id", {}, grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID"),
        (
            str(first.transaction_id),
            {"points": 5},
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_FIELD",
        ),
    ]
    for operation_id, fields, code, reason in refusals:
        with pytest.raises(grpc.RpcError) as refused:
            annul(operation_id, **fields)
        assert (refused.value.code(), reason_of(refused.value)) == (code, reason)
    assert row_counts(hub) == before
