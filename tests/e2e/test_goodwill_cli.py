"""``hub goodwill`` as analysts and operators run it, and GoodwillService over gRPC: a real
mTLS hub, two people with their own certificates, four eyes between them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import grpc
import pytest

from coalition.hub.v1 import common_pb2, goodwill_pb2, goodwill_pb2_grpc
from hub.domain.principals import Principal, Role
from tests.e2e.staff import ADA, ANA, OLGA, StaffDesk
from tests.e2e.test_mtls import reason_of
from tests.integration.helpers import balance, card, enroll, row_counts

ANA_AS_OPERATOR = Principal.staff(Role.OPERATOR, "ana")
_CREDIT_ID = re.compile(r"^([0-9a-f-]{36}) (\w+)", re.MULTILINE)


@pytest.fixture
def member(hub, coffee) -> uuid.UUID:
    return enroll(hub, coffee).member_id


@pytest.fixture
def desk(hub, member, tmp_path) -> Iterator[StaffDesk]:
    opened = StaffDesk.open(hub, tmp_path)
    yield opened
    opened.close()


def stub(desk: StaffDesk, person: Principal) -> goodwill_pb2_grpc.GoodwillServiceStub:
    channel = desk.pki.channel(desk.target, desk.pki.enrol(desk.hub, person))
    return goodwill_pb2_grpc.GoodwillServiceStub(channel)  # type: ignore[no-untyped-call]


def requested(desk: StaffDesk, member: uuid.UUID, points: int) -> tuple[str, str]:
    ran = desk.run(
        ANA, "goodwill", "request", str(member), str(points), "--partner", "coffee",
        "--reason", "complaint C-9",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    found = _CREDIT_ID.search(ran.out)
    assert found is not None, ran.out
    return found.group(1), found.group(2)


def test_an_analyst_asks_and_an_operator_approves_at_the_cli(desk, hub, member):
    credit_id, status = requested(desk, member, 2_500)
    assert status == "pending"
    assert balance(hub, card()).available_points == 0

    listed = desk.run(ADA, "goodwill", "list")
    assert credit_id in listed.out

    ran = desk.run(ADA, "goodwill", "approve", credit_id, "--reason", "ticket checked")

    assert ran.code == 0, ran.err
    assert f"{credit_id} posted by {ADA.uri}" in ran.out
    assert balance(hub, card()).available_points == 2_500
    assert "no pending goodwill credits" in desk.run(ADA, "goodwill", "list").out


def test_a_small_credit_is_posted_at_once_at_the_cli(desk, hub, member):
    _, status = requested(desk, member, 300)

    assert status == "posted"
    assert balance(hub, card()).available_points == 300


def test_the_requester_approving_in_another_role_is_refused_at_the_cli(desk, hub, member):
    credit_id, _ = requested(desk, member, 2_500)
    desk.profile(ANA_AS_OPERATOR)  # her operator certificate, on record before counting
    counts = row_counts(hub)

    ran = desk.run(ANA_AS_OPERATOR, "goodwill", "approve", credit_id, "--reason", "mine")

    assert ran.code != 0
    assert "SAME_OFFICER" in ran.err
    assert row_counts(hub) == counts


def test_a_rejected_credit_cannot_be_approved_at_the_cli(desk, member):
    credit_id, _ = requested(desk, member, 2_500)
    assert desk.run(ADA, "goodwill", "reject", credit_id, "--reason", "duplicate").code == 0

    ran = desk.run(ADA, "goodwill", "approve", credit_id, "--reason", "oops")

    assert ran.code != 0
    assert "GOODWILL_CREDIT_DECIDED" in ran.err


def test_a_coalition_funded_credit_at_the_cli(desk, hub, member):
    ran = desk.run(
        ADA, "goodwill", "request", str(member), "40", "--coalition", "--reason", "outage",
    )  # fmt: skip

    assert ran.code == 0, ran.err
    assert "paid by coalition" in ran.out
    assert balance(hub, card()).available_points == 40


def test_officers_may_not_credit_goodwill(desk, member):
    ran = desk.run(OLGA, "goodwill", "list")

    assert ran.code != 0
    assert "ROLE_NOT_ALLOWED" in ran.err


def _ask(member: uuid.UUID, **fields: object) -> goodwill_pb2.RequestCreditRequest:
    defaults: dict[str, object] = {
        "idempotency_key": uuid.uuid4().hex,
        "member_id": str(member),
        "points": 10,
        "funder": common_pb2.FUNDER_PARTNER,
        "partner_id": "coffee",
        "reason": "complaint C-9",
    }
    return goodwill_pb2.RequestCreditRequest(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({"points": 0}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_AMOUNT"),
        ({"points": 1_000_001}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_AMOUNT"),
        ({"reason": ""}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ({"funder": 0}, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ({"partner_id": "nobody"}, grpc.StatusCode.NOT_FOUND, "PARTNER_NOT_FOUND"),
        ({"member_id": str(uuid.uuid4())}, grpc.StatusCode.NOT_FOUND, "MEMBER_NOT_FOUND"),
    ],
)
def test_bad_requests_get_their_reason_over_grpc_and_write_nothing(
    desk, hub, member, fields, code, reason
):
    analyst = stub(desk, ANA)
    counts = row_counts(hub)

    with pytest.raises(grpc.RpcError) as refused:
        analyst.RequestCredit(_ask(member, **fields))

    assert (refused.value.code(), reason_of(refused.value)) == (code, reason)
    assert row_counts(hub) == counts


def test_approving_over_grpc_posts_once_and_a_second_approval_is_refused(desk, hub, member):
    asked = stub(desk, ANA).RequestCredit(_ask(member, points=5_000)).credit
    assert asked.status == goodwill_pb2.GOODWILL_STATUS_PENDING

    approval = goodwill_pb2.ApproveCreditRequest(credit_id=asked.credit_id, reason="ok")
    approved = stub(desk, ADA).ApproveCredit(approval).credit
    with pytest.raises(grpc.RpcError) as again:
        stub(desk, ADA).ApproveCredit(approval)

    assert approved.status == goodwill_pb2.GOODWILL_STATUS_POSTED
    assert approved.transaction_id
    assert reason_of(again.value) == "GOODWILL_CREDIT_DECIDED"
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert balance(hub, card()).available_points == 5_000


def test_an_unknown_credit_is_not_found_over_grpc(desk):
    approval = goodwill_pb2.ApproveCreditRequest(credit_id=str(uuid.uuid4()), reason="ok")
    with pytest.raises(grpc.RpcError) as refused:
        stub(desk, ADA).ApproveCredit(approval)

    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert reason_of(refused.value) == "GOODWILL_CREDIT_NOT_FOUND"
