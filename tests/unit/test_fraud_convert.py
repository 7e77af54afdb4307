"""The fraud review API's conversions: requests to commands (defaults and refusals naming the
field), results to messages, and the servicer's business date."""

import contextvars
import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from coalition.hub.v1 import common_pb2, fraud_pb2
from fraud.facts import Location, Operation
from fraud.verdicts import Decision, RuleCode, Verdict
from hub.api import fraud_convert as convert
from hub.api import interceptors
from hub.api.fraud_servicer import FraudReviewServicer
from hub.bootstrap import FraudUseCases
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import InvalidAmount, InvalidField, MalformedId
from hub.domain.flags import ActionKind, AnalystAction, Flag, FlagStatus
from hub.domain.holds import Hold, HoldStatus
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.money import Money
from hub.domain.principals import Principal, Role
from hub.domain.purchases import Channel, PointOfSale
from hub.domain.rates import Rates, RateVersion
from hub.domain.short_ids import parse_id_or_prefix
from hub.services import commands
from hub.services.ports.reviews import AccountTransaction, QueuedFlag
from hub.services.results import (
    AccountStatusView,
    AccountView,
    Annulled,
    FlagPage,
    FraudReportLine,
    FraudReportView,
    ReviewedHold,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ANALYST = Principal.staff(Role.ANALYST, "ana")
MEMBER_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000001")
FLAG_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000002")
HOLD_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000003")
TRANSACTION_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000004")
LINKED_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000005")
TODAY = date(2026, 11, 22)
FLAG = Flag(
    id=FLAG_ID,
    raised_at=NOW,
    partner_id="coffee",
    member_id=MEMBER_ID,
    operation=Operation.AUTHORIZE,
    decision=Decision.REVIEW,
    score=70,
    verdicts=(
        Verdict(RuleCode.CASHIER_ONE_CARD, Decision.REVIEW, 40, "cashier C-13: 6 receipts"),
        Verdict(RuleCode.EARN_THEN_BURN, Decision.REVIEW, 30, "earned at fuel 3 min ago"),
    ),
    points=500,
    order_id="order-1",
    hold_id=HOLD_ID,
)


def whole(text, kind, *, field):
    """Ids as the servicer resolves them, for requests naming whole ids only."""
    found = parse_id_or_prefix(text, field=field)
    assert isinstance(found, uuid.UUID), "a prefix needs the resolve_id use case"
    return found


def list_flags(request):
    return convert.list_flags(request, whole)


def flag_id(request):
    return convert.flag_id(request, whole)


def get_account(request):
    return convert.get_account(request, whole)


def freeze(request, by=ANALYST):
    return convert.freeze(request, by, whole)


def unfreeze(request, by=ANALYST):
    return convert.unfreeze(request, by, whole)


def annul(request, by=ANALYST):
    return convert.annul(request, by, whole)


def release_hold(request, by=ANALYST):
    return convert.release_hold(request, by, whole)


def decline_hold(request, by=ANALYST):
    return convert.decline_hold(request, by, whole)


def resolve_flag(request, by=ANALYST):
    return convert.resolve_flag(request, by, whole)


def refused(error: type[Exception], convert_call, *args):
    with pytest.raises(error) as caught:
        convert_call(*args)
    return caught.value


# -- listing ----------------------------------------------------------------------------------


def test_an_empty_listing_asks_for_open_flags_fifty_at_a_time():
    command = list_flags(fraud_pb2.ListFlagsRequest())
    assert command == commands.ListFlags(FlagStatus.OPEN, None, 50, "")


def test_all_lists_every_status_and_a_member_and_page_pass_through():
    request = fraud_pb2.ListFlagsRequest(
        status="all", member_id=str(MEMBER_ID), page_size=200, page_token="abc"
    )
    assert list_flags(request) == commands.ListFlags(None, MEMBER_ID, 200, "abc")


@pytest.mark.parametrize("status", ["open", "confirmed", "false_positive"])
def test_each_flag_status_can_be_listed(status):
    assert list_flags(fraud_pb2.ListFlagsRequest(status=status)).status == status


@pytest.mark.parametrize("status", ["OPEN", "closed", "any", " all"])
def test_an_unknown_status_is_an_invalid_field(status):
    error = refused(InvalidField, list_flags, fraud_pb2.ListFlagsRequest(status=status))
    assert (error.reason, error.field) == ("INVALID_FIELD", "status")


@pytest.mark.parametrize("page_size", [-1, 501, 1000])
def test_a_page_size_outside_1_to_500_is_an_invalid_field(page_size):
    request = fraud_pb2.ListFlagsRequest(page_size=page_size)
    assert refused(InvalidField, list_flags, request).field == "page_size"


def test_a_malformed_member_id_in_a_listing_is_named():
    request = fraud_pb2.ListFlagsRequest(member_id="not-a-uuid")
    error = refused(MalformedId, list_flags, request)
    assert (error.reason, error.field) == ("MALFORMED_ID", "member_id")


# -- ids --------------------------------------------------------------------------------------

MALFORMED_IDS = [
    (flag_id, fraud_pb2.GetFlagRequest(flag_id="x"), "flag_id"),
    (get_account, fraud_pb2.GetAccountRequest(member_id=""), "member_id"),
    (
        lambda r: freeze(r, ANALYST),
        fraud_pb2.FreezeMemberRequest(member_id="12", reason="T-1"),
        "member_id",
    ),
    (
        lambda r: freeze(r, ANALYST),
        fraud_pb2.FreezeMemberRequest(member_id=str(MEMBER_ID), reason="T-1", flag_id="f"),
        "flag_id",
    ),
    (
        lambda r: unfreeze(r, ANALYST),
        fraud_pb2.UnfreezeMemberRequest(member_id="zz", reason="T-1"),
        "member_id",
    ),
    (
        lambda r: annul(r, ANALYST),
        fraud_pb2.AnnulPointsRequest(idempotency_key="k", member_id="m", reason="T-1"),
        "member_id",
    ),
    (
        lambda r: release_hold(r, ANALYST),
        fraud_pb2.ReviewHoldRequest(hold_id="h", reason="T-1"),
        "hold_id",
    ),
    (
        lambda r: decline_hold(r, ANALYST),
        fraud_pb2.ReviewHoldRequest(hold_id=str(HOLD_ID), reason="T-1", flag_id="g" * 36),
        "flag_id",
    ),
    (
        lambda r: resolve_flag(r, ANALYST),
        fraud_pb2.ResolveFlagRequest(flag_id="", resolution="confirmed", note="n"),
        "flag_id",
    ),
]


@pytest.mark.parametrize(("call", "request_message", "field"), MALFORMED_IDS)
def test_a_malformed_id_is_refused_naming_its_field(call, request_message, field):
    error = refused(MalformedId, call, request_message)
    assert (error.reason, error.field) == ("MALFORMED_ID", field)


# -- staff actions ----------------------------------------------------------------------------


def test_a_freeze_names_the_member_the_flag_and_the_analyst_with_the_reason():
    request = fraud_pb2.FreezeMemberRequest(
        member_id=str(MEMBER_ID), reason="T-9 card sharing", flag_id=str(FLAG_ID)
    )
    command = freeze(request, ANALYST)
    assert command == commands.FreezeMember(
        MEMBER_ID, FLAG_ID, changed_by=commands.Attribution(ANALYST.uri, "T-9 card sharing")
    )


def test_an_unfreeze_without_a_flag_answers_none():
    request = fraud_pb2.UnfreezeMemberRequest(member_id=str(MEMBER_ID), reason="cleared")
    assert unfreeze(request, ANALYST).flag_id is None


def test_hold_reviews_carry_the_hold_and_flag():
    request = fraud_pb2.ReviewHoldRequest(hold_id=str(HOLD_ID), reason="ok", flag_id=str(FLAG_ID))
    released, declined = (
        release_hold(request, ANALYST),
        decline_hold(request, ANALYST),
    )
    assert (released.hold_id, released.flag_id, released.changed_by.reason) == (
        HOLD_ID,
        FLAG_ID,
        "ok",
    )
    assert isinstance(declined, commands.DeclineHold)
    assert (declined.hold_id, declined.changed_by.actor) == (HOLD_ID, ANALYST.uri)


WITHOUT_REASON = [
    (freeze, fraud_pb2.FreezeMemberRequest(member_id=str(MEMBER_ID))),
    (unfreeze, fraud_pb2.UnfreezeMemberRequest(member_id=str(MEMBER_ID), reason="  ")),
    (annul, fraud_pb2.AnnulPointsRequest(idempotency_key="k", member_id=str(MEMBER_ID))),
    (release_hold, fraud_pb2.ReviewHoldRequest(hold_id=str(HOLD_ID))),
    (decline_hold, fraud_pb2.ReviewHoldRequest(hold_id=str(HOLD_ID), reason="\t")),
]


@pytest.mark.parametrize(("call", "request_message"), WITHOUT_REASON)
def test_an_action_without_a_reason_is_an_invalid_field(call, request_message):
    error = refused(InvalidField, call, request_message, ANALYST)
    assert (error.reason, error.field) == ("INVALID_FIELD", "reason")


def test_annulling_zero_points_annuls_all_of_them_and_a_positive_number_that_many():
    request = fraud_pb2.AnnulPointsRequest(
        idempotency_key="k-1", member_id=str(MEMBER_ID), reason="confirmed fraud"
    )
    assert annul(request, ANALYST) == commands.AnnulPoints(
        "k-1",
        MEMBER_ID,
        None,
        None,
        changed_by=commands.Attribution(ANALYST.uri, "confirmed fraud"),
    )
    request.points = 250
    assert annul(request, ANALYST).points == 250


def test_annulling_negative_points_is_an_invalid_amount():
    request = fraud_pb2.AnnulPointsRequest(
        idempotency_key="k", member_id=str(MEMBER_ID), points=-1, reason="T-1"
    )
    error = refused(InvalidAmount, annul, request, ANALYST)
    assert (error.reason, error.field) == ("INVALID_AMOUNT", "points")


@pytest.mark.parametrize("resolution", ["confirmed", "false_positive"])
def test_a_flag_resolves_with_the_note_as_the_analysts_reason(resolution):
    request = fraud_pb2.ResolveFlagRequest(
        flag_id=str(FLAG_ID), resolution=resolution, note="checked CCTV"
    )
    assert resolve_flag(request, ANALYST) == commands.ResolveFlag(
        FLAG_ID,
        FlagStatus(resolution),
        changed_by=commands.Attribution(ANALYST.uri, "checked CCTV"),
    )


@pytest.mark.parametrize("resolution", ["", "open", "all", "CONFIRMED", "fraud"])
def test_a_resolution_other_than_confirmed_or_false_positive_is_an_invalid_field(resolution):
    request = fraud_pb2.ResolveFlagRequest(flag_id=str(FLAG_ID), resolution=resolution, note="n")
    assert refused(InvalidField, resolve_flag, request, ANALYST).field == "resolution"


def test_a_resolution_without_a_note_is_an_invalid_field():
    request = fraud_pb2.ResolveFlagRequest(flag_id=str(FLAG_ID), resolution="confirmed", note=" ")
    assert refused(InvalidField, resolve_flag, request, ANALYST).field == "note"


# -- report -----------------------------------------------------------------------------------


def test_an_empty_report_request_is_today_for_one_day():
    assert convert.report(fraud_pb2.GetReportRequest(), TODAY) == commands.FraudReport(TODAY, 1)


def test_a_report_takes_a_date_and_up_to_92_days():
    request = fraud_pb2.GetReportRequest(date="2026-02-28", days=92)
    assert convert.report(request, TODAY) == commands.FraudReport(date(2026, 2, 28), 92)


@pytest.mark.parametrize("text", ["2026-02-30", "20261122", "2026-1-5", "22.11.2026", "today"])
def test_a_malformed_report_date_is_an_invalid_field(text):
    request = fraud_pb2.GetReportRequest(date=text)
    error = refused(InvalidField, convert.report, request, TODAY)
    assert (error.reason, error.field) == ("INVALID_FIELD", "date")


@pytest.mark.parametrize("days", [-1, 93])
def test_report_days_outside_1_to_92_are_an_invalid_field(days):
    request = fraud_pb2.GetReportRequest(days=days)
    assert refused(InvalidField, convert.report, request, TODAY).field == "days"


# -- responses --------------------------------------------------------------------------------


def test_a_flag_message_carries_its_verdicts_and_leaves_absent_ids_empty():
    message = convert.flag_message(FLAG)
    assert (message.flag_id, message.member_id, message.hold_id, message.transaction_id) == (
        str(FLAG_ID),
        str(MEMBER_ID),
        str(HOLD_ID),
        "",
    )
    assert (message.operation, message.decision, message.score, message.status) == (
        "authorize",
        "review",
        70,
        "open",
    )
    assert [(v.rule, v.decision, v.score, v.detail) for v in message.verdicts] == [
        ("cashier_one_card", "review", 40, "cashier C-13: 6 receipts"),
        ("earn_then_burn", "review", 30, "earned at fuel 3 min ago"),
    ]
    assert message.raised_at.ToDatetime(tzinfo=UTC) == NOW
    assert not message.HasField("resolved_at")


def test_a_resolved_flag_shows_who_resolved_it_when_and_why():
    resolved = FLAG.resolve(FlagStatus.FALSE_POSITIVE, ANALYST.uri, "regular", NOW)
    message = convert.flag_message(resolved)
    assert (message.status, message.resolved_by, message.note) == (
        "false_positive",
        ANALYST.uri,
        "regular",
    )
    assert message.resolved_at.ToDatetime(tzinfo=UTC) == NOW


def test_a_flag_page_keeps_the_order_and_the_token():
    page = convert.flag_page(FlagPage((QueuedFlag(FLAG), QueuedFlag(FLAG)), "next"))
    assert ([f.flag_id for f in page.flags], page.next_page_token) == ([str(FLAG_ID)] * 2, "next")


def _account() -> AccountView:
    rate = RateVersion(uuid.uuid4(), "coffee", NOW, Rates(*(Decimal("0.01"),) * 4))
    hold = Hold(
        HOLD_ID,
        "coffee",
        MEMBER_ID,
        "order-1",
        500,
        Money(500, currency("EUR")),
        rate,
        HoldStatus.IN_REVIEW,
        NOW,
        NOW + timedelta(minutes=15),
        TRANSACTION_ID,
    )
    lot = Lot(
        uuid.uuid4(),
        MEMBER_ID,
        "fuel",
        TRANSACTION_ID,
        1000,
        800,
        500,
        LotStatus.AVAILABLE,
        NOW,
        NOW,
        None,
    )
    pos = PointOfSale(
        Channel.POS, "S-1", "T-2", "C-13", Location(Decimal("55.755800"), Decimal("37.617300"))
    )
    earned = AccountTransaction(
        TRANSACTION_ID,
        TransactionKind.EARN,
        NOW,
        "fuel",
        1000,
        "order-0",
        Money(100_000, currency("EUR")),
        pos,
        None,
    )
    annulment = AccountTransaction(
        uuid.uuid4(), TransactionKind.ANNULMENT, NOW, None, -200, None, None, None, TRANSACTION_ID
    )
    action = AnalystAction(
        uuid.uuid4(), NOW, ANALYST.uri, ActionKind.FREEZE, MEMBER_ID, "T-9", flag_id=FLAG_ID
    )
    member = Member(
        MEMBER_ID,
        MemberStatus.FROZEN,
        NOW,
        (IdentifierKind.CARD, IdentifierKind.PHONE),
        tier="gold",
    )
    return AccountView(
        member=member,
        enrolled_by="coffee",
        available_points=300,
        pending_points=0,
        debt_points=20,
        linked_member_ids=(LINKED_ID,),
        transactions=(earned, annulment),
        lots=(lot,),
        holds=(hold,),
        flags=(FLAG,),
        actions=(action,),
    )


def test_an_account_message_shows_the_member_balances_and_links():
    message = convert.account_message(_account())
    assert (message.member_id, message.status, message.enrolled_by, message.tier) == (
        str(MEMBER_ID),
        "frozen",
        "coffee",
        "gold",
    )
    assert (message.available_points, message.pending_points, message.debt_points) == (300, 0, 20)
    assert [i.kind for i in message.identifiers] == ["card", "phone"]
    assert list(message.linked_member_ids) == [str(LINKED_ID)]
    assert [f.flag_id for f in message.flags] == [str(FLAG_ID)]


def test_an_account_message_shows_transactions_at_every_partner_with_their_till():
    earned, annulled = convert.account_message(_account()).transactions
    assert (earned.kind, earned.partner_id, earned.points, earned.order_id) == (
        "earn",
        "fuel",
        1000,
        "order-0",
    )
    assert earned.purchase == common_pb2.Money(amount_minor=100_000, currency="EUR")
    assert earned.point_of_sale == common_pb2.PointOfSale(
        channel=common_pb2.CHANNEL_POS,
        store_id="S-1",
        terminal_id="T-2",
        cashier_id="C-13",
        latitude="55.7558",
        longitude="37.6173",
    )
    assert (annulled.kind, annulled.partner_id, annulled.order_id) == ("annulment", "", "")
    assert (annulled.related_id, annulled.HasField("point_of_sale")) == (str(TRANSACTION_ID), False)
    assert not annulled.HasField("purchase")


def test_an_account_message_shows_lots_holds_and_the_analysts_actions():
    message = convert.account_message(_account())
    [lot], [hold], [action] = message.lots, message.holds, message.actions
    assert (lot.partner_id, lot.points, lot.remaining_points, lot.reserved_points) == (
        "fuel",
        1000,
        800,
        500,
    )
    assert (lot.status, lot.HasField("expires_at")) == ("available", False)
    assert (hold.hold_id, hold.status, hold.points, hold.order_id) == (
        str(HOLD_ID),
        "in_review",
        500,
        "order-1",
    )
    assert hold.expires_at.ToDatetime(tzinfo=UTC) == NOW + timedelta(minutes=15)
    assert (action.action, action.actor, action.reason, action.flag_id, action.hold_id) == (
        "freeze",
        ANALYST.uri,
        "T-9",
        str(FLAG_ID),
        "",
    )


def test_status_annulment_reviewed_hold_and_report_messages():
    status = convert.account_status_message(AccountStatusView(MEMBER_ID, MemberStatus.FROZEN))
    annulment = convert.annulment_message(
        Annulled(TRANSACTION_ID, MEMBER_ID, 700, (("coffee", 500), ("fuel", 200)), NOW)
    )
    hold = convert.reviewed_hold_message(
        ReviewedHold(HOLD_ID, MEMBER_ID, "coffee", HoldStatus.DECLINED, 500, NOW)
    )
    report = convert.report_message(
        FraudReportView((FraudReportLine(TODAY, "coffee", "cashier_one_card", 5, 2, 1, 2, 700),))
    )
    assert (status.member_id, status.status) == (str(MEMBER_ID), "frozen")
    assert (annulment.points, dict(annulment.points_by_partner)) == (
        700,
        {"coffee": 500, "fuel": 200},
    )
    assert (hold.status, hold.partner_id, hold.points) == ("declined", "coffee", 500)
    assert list(report.rows) == [
        fraud_pb2.ReportRow(
            date="2026-11-22",
            partner_id="coffee",
            rule="cashier_one_card",
            raised=5,
            confirmed=2,
            false_positives=1,
            open=2,
            points_annulled=700,
        )
    ]


# -- servicer ---------------------------------------------------------------------------------


def _servicer(now: datetime, zone: str, **bound) -> FraudReviewServicer:
    def unused(command):
        raise AssertionError("not this use case")

    fields = {f.name: unused for f in dataclasses.fields(FraudUseCases)}
    use_cases = FraudUseCases(**fields | {"resolve_id": whole} | bound)
    return FraudReviewServicer(use_cases, ManualClock(now), ZoneInfo(zone))


def test_the_report_defaults_to_today_in_the_coalitions_time_zone():
    seen = []

    def report(command):
        seen.append(command)
        return FraudReportView(())

    late_evening_utc = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
    servicer = _servicer(late_evening_utc, "Europe/Moscow", report=report)
    servicer.GetReport(fraud_pb2.GetReportRequest(), None)
    assert seen == [commands.FraudReport(date(2026, 11, 23), 1)]


def test_the_servicer_acts_as_the_calling_analyst():
    seen = []

    def freeze(command):
        seen.append(command)
        return AccountStatusView(command.member_id, MemberStatus.FROZEN)

    servicer = _servicer(NOW, "UTC", freeze=freeze)
    request = fraud_pb2.FreezeMemberRequest(member_id=str(MEMBER_ID), reason="T-9")

    def call():
        interceptors._principal.set(ANALYST)
        return servicer.FreezeMember(request, None)

    response = contextvars.copy_context().run(call)
    assert [c.changed_by.actor for c in seen] == [ANALYST.uri]
    assert response == fraud_pb2.AccountStatus(member_id=str(MEMBER_ID), status="frozen")
