"""The fraud review API through a real mTLS hub: analysts work the queue, look at an account and
act on it; bad input names its field and writes nothing; partners and admins are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import grpc
import pytest
import sqlalchemy as sa

from coalition.hub.v1 import common_pb2, fraud_pb2, fraud_pb2_grpc, partner_pb2, partner_pb2_grpc
from fraud.facts import Operation
from fraud.verdicts import Decision, RuleCode, Verdict
from hub.adapters.tables import holds
from hub.api.policy import POLICY
from hub.domain.errors import FraudDeclined
from hub.domain.flags import Flag, FlagStatus
from hub.domain.holds import HoldStatus
from hub.domain.ids import new_id
from hub.domain.limits import HOLD_TTL_DEFAULT_S
from hub.domain.members import MemberStatus
from tests.conftest import START
from tests.e2e.mtls import ADMIN, ANALYST, COFFEE, Pki
from tests.e2e.test_authorization import _empty_call
from tests.e2e.test_mtls import reason_of
from tests.e2e.test_rules_api import field_of
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, row_counts

FRAUD_METHODS = sorted(m for m in POLICY if m.startswith("/coalition.hub.v1.FraudReviewService/"))
UNKNOWN_ID = "0190d5e2-0000-7000-8000-0000000000ff"
CARD = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000123412341234")


@pytest.fixture
def fraud(hub, pki: Pki, mtls_target: str) -> fraud_pb2_grpc.FraudReviewServiceStub:
    channel = pki.channel(mtls_target, pki.enrol(hub, ANALYST))
    return fraud_pb2_grpc.FraudReviewServiceStub(channel)


@pytest.fixture
def member_id(hub, mtls_target) -> uuid.UUID:
    """A coffee member with 1000 points from coffee and, a minute later, 500 from fuel; an hour
    on, so the tests' redemptions are no burn straight after an earn elsewhere."""
    member = enroll(hub, "coffee", card()).member_id
    earn(hub, member, 100_000, partner_id="coffee")
    hub.clock.advance(timedelta(minutes=1))
    earn(hub, member, 50_000, partner_id="fuel")
    hub.clock.advance(timedelta(hours=1))
    return member


def raise_flag(
    hub,
    member: uuid.UUID,
    *,
    score: int = 50,
    minutes: float = 0,
    hold_id: uuid.UUID | None = None,
    status: FlagStatus = FlagStatus.OPEN,
    rule: RuleCode = RuleCode.CASHIER_ONE_CARD,
    flag_id: uuid.UUID | None = None,
    partner_id: str = "coffee",
) -> Flag:
    """A flag as the fraud checks record it, raised ``minutes`` after START."""
    verdict = Verdict(rule, Decision.REVIEW, score, "cashier C-13: this card on 6 receipts")
    flag = Flag(
        id=flag_id or new_id(),
        raised_at=START + timedelta(minutes=minutes),
        partner_id=partner_id,
        member_id=member,
        operation=Operation.EARN if hold_id is None else Operation.AUTHORIZE,
        decision=Decision.REVIEW,
        score=score,
        verdicts=(verdict,),
        points=100,
        order_id="order-1",
        hold_id=hold_id,
        status=status,
    )
    with hub.uow_factory() as uow:
        uow.fraud.add_flag(flag)
        uow.commit()
    return flag


def put_in_review(hub, hold_id: uuid.UUID) -> None:
    """What the fraud checks do to a redemption they judge REVIEW."""
    with hub.engine.begin() as connection:
        connection.execute(
            sa.update(holds).where(holds.c.id == hold_id).values(status=HoldStatus.IN_REVIEW.value)
        )


def refusal(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=5)
    return caught.value


# -- the queue --------------------------------------------------------------------------------


def test_an_analyst_pages_through_open_flags_highest_score_first_then_oldest(hub, fraud, member_id):
    raised = [
        raise_flag(hub, member_id, score=score, minutes=minute)
        for minute, score in enumerate([30, 90, 60, 90, 10])
    ]
    raise_flag(hub, member_id, score=99, minutes=9, status=FlagStatus.CONFIRMED)
    seen, token, pages = [], "", 0
    while True:
        page = fraud.ListFlags(fraud_pb2.ListFlagsRequest(page_size=2, page_token=token), timeout=5)
        seen += [flag.flag_id for flag in page.flags]
        pages, token = pages + 1, page.next_page_token
        if not token:
            break
    expected = [raised[i].id for i in (1, 3, 2, 0, 4)]
    assert (seen, pages) == ([str(flag_id) for flag_id in expected], 3)


def test_flags_list_by_status_and_by_member(hub, fraud, member_id):
    other = enroll(hub, "coffee", card("4000123412349999")).member_id
    mine = raise_flag(hub, member_id)
    theirs = raise_flag(hub, other)
    confirmed = raise_flag(hub, member_id, status=FlagStatus.CONFIRMED)

    def listed(**fields) -> set[str]:
        return {
            f.flag_id
            for f in fraud.ListFlags(fraud_pb2.ListFlagsRequest(**fields), timeout=5).flags
        }

    assert listed() == {str(mine.id), str(theirs.id)}
    assert listed(status="all") == {str(mine.id), str(theirs.id), str(confirmed.id)}
    assert listed(status="confirmed") == {str(confirmed.id)}
    assert listed(status="false_positive") == set()
    assert listed(member_id=str(other)) == {str(theirs.id)}


def test_get_flag_shows_the_verdicts_and_what_the_operation_placed(hub, fraud, member_id):
    hold = authorize(hub, member_id, 100)
    flag = raise_flag(hub, member_id, score=70, hold_id=hold.hold_id)
    got = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id=str(flag.id)), timeout=5)
    assert (got.member_id, got.partner_id, got.hold_id, got.operation, got.decision) == (
        str(member_id),
        "coffee",
        str(hold.hold_id),
        "authorize",
        "review",
    )
    assert (got.score, got.status, got.raised_at.ToDatetime(tzinfo=UTC)) == (70, "open", START)
    assert [(v.rule, v.score) for v in got.verdicts] == [("cashier_one_card", 70)]


# -- the account ------------------------------------------------------------------------------


def test_an_account_shows_transactions_at_every_partner_lots_holds_flags_and_actions(
    hub, fraud, member_id
):
    hold = authorize(hub, member_id, 100)
    flag = raise_flag(hub, member_id, hold_id=hold.hold_id)
    fraud.FreezeMember(
        fraud_pb2.FreezeMemberRequest(member_id=str(member_id), reason="T-9", flag_id=str(flag.id)),
        timeout=5,
    )
    account = fraud.GetAccount(fraud_pb2.GetAccountRequest(member_id=str(member_id)), timeout=5)
    assert (account.member_id, account.status, account.enrolled_by) == (
        str(member_id),
        "frozen",
        "coffee",
    )
    assert [i.kind for i in account.identifiers] == ["card"]
    assert account.available_points == 1400
    assert sorted((t.kind, t.partner_id, t.points) for t in account.transactions) == sorted(
        [("earn", "coffee", 1000), ("earn", "fuel", 500), ("hold", "coffee", 100)]
    )
    assert sorted((lot.partner_id, lot.points) for lot in account.lots) == [
        ("coffee", 1000),
        ("fuel", 500),
    ]
    assert [(h.hold_id, h.status, h.points) for h in account.holds] == [
        (str(hold.hold_id), "pending", 100)
    ]
    assert [f.flag_id for f in account.flags] == [str(flag.id)]
    assert [(a.action, a.actor, a.reason, a.flag_id) for a in account.actions] == [
        ("freeze", ANALYST.uri, "T-9", str(flag.id))
    ]


# -- actions ----------------------------------------------------------------------------------


def test_an_analyst_freezes_and_unfreezes_a_member_once_each_and_the_audit_log_says_who(
    hub, fraud, member_id
):
    freeze = fraud_pb2.FreezeMemberRequest(member_id=str(member_id), reason="T-9")
    unfreeze = fraud_pb2.UnfreezeMemberRequest(member_id=str(member_id), reason="cleared")
    frozen = fraud.FreezeMember(freeze, timeout=5)
    assert frozen == fraud_pb2.AccountStatus(member_id=str(member_id), status="frozen")
    assert hub.inspect_member(member_id).member.status is MemberStatus.FROZEN
    before = row_counts(hub)
    again = refusal(fraud.FreezeMember, freeze)
    assert (again.code(), reason_of(again)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "MEMBER_ALREADY_FROZEN",
    )
    assert row_counts(hub) == before
    active = fraud.UnfreezeMember(unfreeze, timeout=5)
    assert active == fraud_pb2.AccountStatus(member_id=str(member_id), status="active")
    before = row_counts(hub)
    not_frozen = refusal(fraud.UnfreezeMember, unfreeze)
    assert (not_frozen.code(), reason_of(not_frozen)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "MEMBER_NOT_FROZEN",
    )
    assert row_counts(hub) == before
    records = hub.operator.list_audit(limit=10, actor=ANALYST.uri)
    assert [r.event.reason for r in records] == ["cleared", "T-9"]


def test_annulling_zero_points_takes_every_point_per_issuing_partner_once_per_key(
    hub, fraud, member_id
):
    request = fraud_pb2.AnnulPointsRequest(
        idempotency_key="annul-1", member_id=str(member_id), reason="T-9 confirmed"
    )
    annulled = fraud.AnnulPoints(request, timeout=5)
    replayed = fraud.AnnulPoints(request, timeout=5)
    assert (annulled.member_id, annulled.points, dict(annulled.points_by_partner)) == (
        str(member_id),
        1500,
        {"coffee": 1000, "fuel": 500},
    )
    assert replayed.transaction_id == annulled.transaction_id
    assert balance(hub, member_id).available_points == 0


def test_annulling_some_points_takes_the_newest_lots_first(hub, fraud, member_id):
    annulled = fraud.AnnulPoints(
        fraud_pb2.AnnulPointsRequest(
            idempotency_key="annul-2", member_id=str(member_id), points=300, reason="T-9"
        ),
        timeout=5,
    )
    assert (annulled.points, dict(annulled.points_by_partner)) == (300, {"fuel": 300})
    assert balance(hub, member_id).available_points == 1200


def test_a_released_hold_is_capturable_with_its_full_lifetime_again(hub, fraud, member_id):
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    now = hub.clock.advance(timedelta(minutes=10))
    released = fraud.ReleaseHold(
        fraud_pb2.ReviewHoldRequest(hold_id=str(hold.hold_id), reason="customer verified"),
        timeout=5,
    )
    assert (released.hold_id, released.member_id, released.partner_id) == (
        str(hold.hold_id),
        str(member_id),
        "coffee",
    )
    assert (released.status, released.points) == ("pending", 100)
    assert released.expires_at.ToDatetime(tzinfo=UTC) == now + timedelta(seconds=HOLD_TTL_DEFAULT_S)
    assert capture(hub, hold.hold_id).captured_points == 100


def test_a_hold_not_in_review_cannot_be_released_and_nothing_changes(hub, fraud, member_id):
    hold = authorize(hub, member_id, 100)
    before = row_counts(hub)
    error = refusal(
        fraud.ReleaseHold, fraud_pb2.ReviewHoldRequest(hold_id=str(hold.hold_id), reason="ok")
    )
    assert (error.code(), reason_of(error)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "HOLD_NOT_IN_REVIEW",
    )
    assert row_counts(hub) == before


def test_a_declined_hold_gives_the_points_back_and_its_capture_is_fraud_declined(
    hub, fraud, member_id
):
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    declined = fraud.DeclineHold(
        fraud_pb2.ReviewHoldRequest(hold_id=str(hold.hold_id), reason="stolen card"), timeout=5
    )
    assert (declined.status, declined.points) == ("declined", 100)
    assert balance(hub, member_id).available_points == 1500
    with pytest.raises(FraudDeclined):
        capture(hub, hold.hold_id)


def test_a_flag_is_resolved_once_with_the_analysts_note(hub, fraud, member_id):
    flag = raise_flag(hub, member_id)
    request = fraud_pb2.ResolveFlagRequest(
        flag_id=str(flag.id), resolution="false_positive", note="regular customer"
    )
    resolved = fraud.ResolveFlag(request, timeout=5)
    assert (resolved.status, resolved.resolved_by, resolved.note) == (
        "false_positive",
        ANALYST.uri,
        "regular customer",
    )
    assert resolved.resolved_at.ToDatetime(tzinfo=UTC) == hub.clock.now()
    before = row_counts(hub)
    request.resolution = "confirmed"
    again = refusal(fraud.ResolveFlag, request)
    assert (again.code(), reason_of(again)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "FLAG_ALREADY_RESOLVED",
    )
    assert row_counts(hub) == before
    got = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id=str(flag.id)), timeout=5)
    assert got.status == "false_positive"


# -- the report -------------------------------------------------------------------------------


def test_the_report_counts_flags_per_day_partner_and_rule_and_defaults_to_today(
    hub, fraud, member_id
):
    raise_flag(hub, member_id, status=FlagStatus.CONFIRMED)
    raise_flag(hub, member_id, status=FlagStatus.FALSE_POSITIVE)
    raise_flag(hub, member_id)
    raise_flag(hub, member_id, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    today = fraud.GetReport(fraud_pb2.GetReportRequest(), timeout=5)
    explicit = fraud.GetReport(fraud_pb2.GetReportRequest(date="2026-11-22", days=1), timeout=5)
    yesterday = fraud.GetReport(fraud_pb2.GetReportRequest(date="2026-11-21"), timeout=5)
    rows = sorted(
        (r.date, r.partner_id, r.rule, r.raised, r.confirmed, r.false_positives, r.open)
        for r in today.rows
    )
    assert rows == [
        ("2026-11-22", "coffee", "cashier_one_card", 3, 1, 1, 1),
        ("2026-11-22", "coffee", "member_velocity_count", 1, 0, 0, 1),
    ]
    assert explicit == today
    assert list(yesterday.rows) == []


# -- refusals ---------------------------------------------------------------------------------

M = str(uuid.uuid4())
BAD_INPUT = [
    ("ListFlags", fraud_pb2.ListFlagsRequest(member_id="nope"), "MALFORMED_ID", "member_id"),
    ("ListFlags", fraud_pb2.ListFlagsRequest(status="closed"), "INVALID_FIELD", "status"),
    ("ListFlags", fraud_pb2.ListFlagsRequest(page_size=501), "INVALID_FIELD", "page_size"),
    ("ListFlags", fraud_pb2.ListFlagsRequest(page_size=-1), "INVALID_FIELD", "page_size"),
    (
        "ListFlags",
        fraud_pb2.ListFlagsRequest(page_token="bm90IGEgdG9rZW4"),
        "INVALID_PAGE_TOKEN",
        "page_token",
    ),
    (
        "ListFlags",
        fraud_pb2.ListFlagsRequest(expiring_within_s=86_401),
        "INVALID_FIELD",
        "expiring_within_s",
    ),
    ("GetFlag", fraud_pb2.GetFlagRequest(flag_id="0190d5e"), "MALFORMED_ID", "flag_id"),
    ("ListFlagGroups", fraud_pb2.ListFlagGroupsRequest(by="partner"), "INVALID_FIELD", "by"),
    (
        "ListFlagGroups",
        fraud_pb2.ListFlagGroupsRequest(by="rule", page_size=501),
        "INVALID_FIELD",
        "page_size",
    ),
    (
        "ResolveFlags",
        fraud_pb2.ResolveFlagsRequest(resolution="confirmed", note="n"),
        "INVALID_FIELD",
        "member_id",
    ),
    (
        "ResolveFlags",
        fraud_pb2.ResolveFlagsRequest(member_id=M, rule="r", resolution="confirmed", note="n"),
        "INVALID_FIELD",
        "member_id",
    ),
    (
        "ResolveFlags",
        fraud_pb2.ResolveFlagsRequest(rule="no such; rule", resolution="confirmed", note="n"),
        "INVALID_FIELD",
        "rule",
    ),
    (
        "ResolveFlags",
        fraud_pb2.ResolveFlagsRequest(member_id=M, resolution="open", note="n"),
        "INVALID_FIELD",
        "resolution",
    ),
    (
        "ResolveFlags",
        fraud_pb2.ResolveFlagsRequest(rule="cashier_one_card", resolution="confirmed"),
        "INVALID_FIELD",
        "note",
    ),
    (
        "GetMemberTimeline",
        fraud_pb2.GetMemberTimelineRequest(member_id="m"),
        "MALFORMED_ID",
        "member_id",
    ),
    (
        "GetMemberTimeline",
        fraud_pb2.GetMemberTimelineRequest(member_id=M, page_size=501),
        "INVALID_FIELD",
        "page_size",
    ),
    ("GetFlag", fraud_pb2.GetFlagRequest(flag_id="1234"), "MALFORMED_ID", "flag_id"),
    ("GetAccount", fraud_pb2.GetAccountRequest(), "MALFORMED_ID", "member_id"),
    (
        "FreezeMember",
        fraud_pb2.FreezeMemberRequest(member_id="x", reason="T-9"),
        "MALFORMED_ID",
        "member_id",
    ),
    ("FreezeMember", fraud_pb2.FreezeMemberRequest(member_id=M), "INVALID_FIELD", "reason"),
    (
        "UnfreezeMember",
        fraud_pb2.UnfreezeMemberRequest(member_id=M, reason="T-9", flag_id="f"),
        "MALFORMED_ID",
        "flag_id",
    ),
    (
        "AnnulPoints",
        fraud_pb2.AnnulPointsRequest(idempotency_key="k", member_id=M, points=-5, reason="T-9"),
        "INVALID_AMOUNT",
        "points",
    ),
    (
        "AnnulPoints",
        fraud_pb2.AnnulPointsRequest(idempotency_key="k", member_id=M, reason=" "),
        "INVALID_FIELD",
        "reason",
    ),
    (
        "ReleaseHold",
        fraud_pb2.ReviewHoldRequest(hold_id="h", reason="ok"),
        "MALFORMED_ID",
        "hold_id",
    ),
    ("DeclineHold", fraud_pb2.ReviewHoldRequest(hold_id=M), "INVALID_FIELD", "reason"),
    (
        "ResolveFlag",
        fraud_pb2.ResolveFlagRequest(flag_id=M, resolution="open", note="n"),
        "INVALID_FIELD",
        "resolution",
    ),
    (
        "ResolveFlag",
        fraud_pb2.ResolveFlagRequest(flag_id=M, resolution="confirmed"),
        "INVALID_FIELD",
        "note",
    ),
    ("GetReport", fraud_pb2.GetReportRequest(date="22.11.2026"), "INVALID_FIELD", "date"),
    ("GetReport", fraud_pb2.GetReportRequest(days=93), "INVALID_FIELD", "days"),
]


@pytest.mark.parametrize(
    ("method", "request_message", "reason", "field"),
    BAD_INPUT,
    ids=[f"{m}-{f}-{r}" for m, _, r, f in BAD_INPUT],
)
def test_bad_input_is_an_invalid_argument_naming_its_field_and_writes_nothing(
    hub, fraud, member_id, method, request_message, reason, field
):
    raise_flag(hub, member_id)
    before = row_counts(hub)
    error = refusal(getattr(fraud, method), request_message)
    assert (error.code(), reason_of(error), field_of(error)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        reason,
        field,
    )
    assert row_counts(hub) == before


def test_unknown_flags_members_and_holds_are_not_found(hub, fraud):
    attempts = [
        (fraud.GetFlag, fraud_pb2.GetFlagRequest(flag_id=UNKNOWN_ID), "FLAG_NOT_FOUND"),
        (
            fraud.ResolveFlag,
            fraud_pb2.ResolveFlagRequest(flag_id=UNKNOWN_ID, resolution="confirmed", note="n"),
            "FLAG_NOT_FOUND",
        ),
        (fraud.GetAccount, fraud_pb2.GetAccountRequest(member_id=UNKNOWN_ID), "MEMBER_NOT_FOUND"),
        (
            fraud.FreezeMember,
            fraud_pb2.FreezeMemberRequest(member_id=UNKNOWN_ID, reason="T-9"),
            "MEMBER_NOT_FOUND",
        ),
        (
            fraud.ReleaseHold,
            fraud_pb2.ReviewHoldRequest(hold_id=UNKNOWN_ID, reason="ok"),
            "HOLD_NOT_FOUND",
        ),
    ]
    before = row_counts(hub)
    for call, request, reason in attempts:
        error = refusal(call, request)
        assert (error.code(), reason_of(error)) == (grpc.StatusCode.NOT_FOUND, reason), reason
    assert row_counts(hub) == before


@pytest.mark.parametrize("principal", [COFFEE, ADMIN], ids=str)
def test_partners_and_admins_may_not_call_any_fraud_review_rpc(hub, pki, mtls_target, principal):
    channel = pki.channel(mtls_target, pki.enrol(hub, principal))
    outcomes = {method: _empty_call(channel, method) for method in FRAUD_METHODS}
    assert len(outcomes) == 13
    assert set(outcomes.values()) == {(grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")}


# -- from the till to the analyst -------------------------------------------------------------


def test_a_cashier_swiping_one_card_raises_a_flag_the_analyst_resolves(
    hub, pki, mtls_target, fraud
):
    coffee = partner_pb2_grpc.PartnerServiceStub(pki.channel(mtls_target, pki.enrol(hub, COFFEE)))
    member = coffee.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key="enrol-1", identifiers=[CARD]), timeout=5
    )
    for receipt in range(5):
        hub.clock.advance(timedelta(minutes=30))
        coffee.Earn(
            partner_pb2.EarnRequest(
                idempotency_key=f"earn-{receipt}",
                member=common_pb2.MemberRef(member_id=member.member_id),
                purchase=common_pb2.Money(amount_minor=1_000, currency="EUR"),
                order_id=f"order-{receipt}",
                point_of_sale=common_pb2.PointOfSale(
                    channel=common_pb2.CHANNEL_POS, store_id="S-1", cashier_id="C-13"
                ),
            ),
            timeout=5,
        )
    [flag] = fraud.ListFlags(
        fraud_pb2.ListFlagsRequest(member_id=member.member_id), timeout=5
    ).flags
    assert (flag.operation, flag.decision, flag.partner_id, flag.order_id) == (
        "earn",
        "review",
        "coffee",
        "order-4",
    )
    assert "cashier_one_card" in {v.rule for v in flag.verdicts}
    assert flag.purchase == common_pb2.Money(amount_minor=1_000, currency="EUR")
    assert flag.member_identifiers[0].masked.startswith("card ••••")
    assert CARD.value not in str(flag)
    resolved = fraud.ResolveFlag(
        fraud_pb2.ResolveFlagRequest(
            flag_id=flag.flag_id, resolution="confirmed", note="CCTV: cashier's own card"
        ),
        timeout=5,
    )
    assert (resolved.status, resolved.resolved_by) == ("confirmed", ANALYST.uri)
    assert fraud.ListFlags(fraud_pb2.ListFlagsRequest(), timeout=5).flags == []
