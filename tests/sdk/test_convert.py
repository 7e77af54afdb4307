from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from partner_sdk import (
    HoldStatus,
    Identifier,
    IdentifierKind,
    LineItem,
    MemberStatus,
    Money,
    PointOfSale,
    PointsStatus,
    TransactionKind,
)
from partner_sdk import _convert as convert

from .fakes import HOLD, LATER, MEMBER, NOW, RATES


def earn_response(**fields: object) -> partner_pb2.EarnResponse:
    response = partner_pb2.EarnResponse(
        transaction_id="t_1",
        member_id="m_1",
        points=7,
        status=common_pb2.POINTS_STATUS_AVAILABLE,
        available_at=NOW,
        rates=RATES,
        created_at=NOW,
    )
    for name, value in fields.items():
        setattr(response, name, value)
    return response


def test_rates_are_exact_decimals_parsed_from_their_strings() -> None:
    rates = convert.rates(
        common_pb2.Rates(
            earn_rate="0.1",
            burn_value="0.0100",
            issue_price="12345678901234567890.123456789",
            redemption_price="1E-3",
            effective_from=NOW,
        )
    )

    assert rates.earn_rate == Decimal("0.1")
    assert str(rates.burn_value) == "0.0100"
    assert rates.issue_price == Decimal("12345678901234567890.123456789")
    assert rates.redemption_price == Decimal("0.001")
    assert rates.effective_from == NOW


@pytest.mark.parametrize("text", ["", "ten", "NaN", "Infinity", "0.1.2"])
def test_a_rate_that_is_not_a_decimal_number_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="earn_rate"):
        convert.decimal(text, "earn_rate")


def test_unset_expiry_becomes_none_and_set_times_are_utc_aware() -> None:
    earned = convert.earned(earn_response())

    assert earned.expires_at is None
    assert earned.created_at == NOW
    assert earned.created_at.tzinfo is UTC


def test_a_set_expiry_is_kept() -> None:
    response = earn_response()
    response.expires_at.FromDatetime(LATER)

    assert convert.earned(response).expires_at == LATER


def test_a_time_the_hub_always_sets_is_required() -> None:
    response = earn_response()
    response.ClearField("created_at")

    with pytest.raises(ValueError, match="created_at"):
        convert.earned(response)


def test_statuses_become_lower_case_strings() -> None:
    earned = convert.earned(earn_response(status=common_pb2.POINTS_STATUS_PENDING))
    member = convert.member(MEMBER)

    assert earned.status == "pending"
    assert earned.status is PointsStatus.PENDING
    assert member.status == MemberStatus.ACTIVE == "active"
    assert member.identifier_kinds == (IdentifierKind.CARD,)


def test_an_erased_member_reads_as_erased() -> None:
    erased = partner_pb2.Member(
        member_id="m_1", status=partner_pb2.MEMBER_STATUS_ERASED, enrolled_at=NOW
    )

    assert convert.member(erased).status is MemberStatus.ERASED


def test_enum_values_from_a_newer_hub_become_unknown() -> None:
    member = partner_pb2.Member(member_id="m_1", status=7, enrolled_at=NOW, identifier_kinds=[9])

    converted = convert.member(member)

    assert converted.status is MemberStatus.UNKNOWN
    assert converted.identifier_kinds == (IdentifierKind.UNKNOWN,)


def test_a_member_is_named_by_id_or_by_identifier() -> None:
    by_id = convert.member_ref_pb("m_1")
    by_phone = convert.member_ref_pb(Identifier.phone("+4915112345678"))

    assert by_id == common_pb2.MemberRef(member_id="m_1")
    assert by_phone.identifier == common_pb2.Identifier(
        kind=common_pb2.IDENTIFIER_KIND_PHONE, value="+4915112345678"
    )
    assert convert.member_ref_pb(None) is None


def test_an_earn_request_carries_purchase_lines_and_point_of_sale() -> None:
    request = convert.earn_request(
        Identifier.card("4000123456789010"),
        Money(1050, "EUR"),
        "order-1",
        [LineItem("sku-1", "coffee", 1050, quantity=3, discounted=True)],
        PointOfSale(channel="pos", store_id="s-1", terminal_id="t-9", cashier_id="c-4"),
        "key-1",
    )

    assert request.idempotency_key == "key-1"
    assert request.purchase == common_pb2.Money(amount_minor=1050, currency="EUR")
    assert request.order_id == "order-1"
    assert request.line_items[0] == common_pb2.LineItem(
        sku="sku-1", category="coffee", amount_minor=1050, quantity=3, discounted=True
    )
    assert request.point_of_sale == common_pb2.PointOfSale(
        channel=common_pb2.CHANNEL_POS, store_id="s-1", terminal_id="t-9", cashier_id="c-4"
    )


def test_an_earn_request_without_point_of_sale_leaves_it_unset() -> None:
    request = convert.earn_request("m_1", Money(1, "EUR"), "o", (), None, None)

    assert not request.HasField("point_of_sale")
    assert request.idempotency_key


def test_a_burn_quote_is_by_points_or_by_amount() -> None:
    by_points = convert.quote_burn_request(None, 500, None, None)
    by_amount = convert.quote_burn_request("m_1", None, 250, "EUR")

    assert by_points.burn.WhichOneof("target") == "points"
    assert by_points.burn.points == 500
    assert by_amount.burn.amount == common_pb2.Money(amount_minor=250, currency="EUR")
    assert by_amount.member.member_id == "m_1"


@pytest.mark.parametrize(
    ("points", "amount_minor", "currency"),
    [(None, None, None), (5, 100, "EUR"), (None, 100, None), (5, None, "EUR")],
)
def test_a_burn_quote_needs_exactly_one_target(
    points: int | None, amount_minor: int | None, currency: str | None
) -> None:
    with pytest.raises(ValueError, match="by points or by amount"):
        convert.quote_burn_request(None, points, amount_minor, currency)


def test_a_quote_answered_with_the_wrong_result_is_refused() -> None:
    response = partner_pb2.QuoteResponse(
        burn=partner_pb2.BurnQuoteResult(points=1), rates=RATES, quoted_at=NOW
    )

    with pytest.raises(ValueError, match="earn"):
        convert.earn_quote(response)


def test_a_transaction_without_a_purchase_has_none() -> None:
    message = partner_pb2.Transaction(transaction_id="t_1", rates=RATES, created_at=NOW)

    transaction = convert.transaction(message)

    assert transaction.purchase is None
    assert transaction.available_at is None


def test_times_before_the_epoch_and_with_nanoseconds_survive() -> None:
    stamp = partner_pb2.PingResponse()
    stamp.server_time.FromDatetime(datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=UTC))

    assert convert.server_time(stamp) == datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=UTC)


def hold_message(**fields: object) -> partner_pb2.Hold:
    message = partner_pb2.Hold()
    message.CopyFrom(HOLD)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (partner_pb2.HOLD_STATUS_PENDING, HoldStatus.PENDING),
        (partner_pb2.HOLD_STATUS_CAPTURED, HoldStatus.CAPTURED),
        (partner_pb2.HOLD_STATUS_VOIDED, HoldStatus.VOIDED),
        (partner_pb2.HOLD_STATUS_EXPIRED, HoldStatus.EXPIRED),
        (partner_pb2.HOLD_STATUS_UNSPECIFIED, HoldStatus.UNKNOWN),
        (9, HoldStatus.UNKNOWN),
    ],
)
def test_hold_statuses_become_their_lower_case_names_or_unknown(
    status: int, expected: HoldStatus
) -> None:
    assert convert.hold(hold_message(status=status)).status is expected


def test_a_pending_hold_has_no_resolution_time_and_a_resolved_one_keeps_it() -> None:
    captured = hold_message(status=partner_pb2.HOLD_STATUS_CAPTURED, captured_points=200)
    captured.resolved_at.FromDatetime(LATER)

    pending = convert.hold(hold_message())
    resolved = convert.hold(captured)

    assert pending.resolved_at is None
    assert (resolved.resolved_at, resolved.captured_points) == (LATER, 200)
    assert resolved.value == Money(300, "EUR")
    assert resolved.expires_at.tzinfo is UTC


def test_a_hold_without_an_expiry_is_refused() -> None:
    message = hold_message()
    message.ClearField("expires_at")

    with pytest.raises(ValueError, match="expires_at"):
        convert.hold(message)


def test_an_authorize_request_sends_the_payment_as_points_or_as_an_amount() -> None:
    def authorize(
        points: int | None, pay_amount_minor: int | None
    ) -> partner_pb2.AuthorizeRedemptionRequest:
        return convert.authorize_request(
            "m_1",
            Money(800, "JPY"),
            "o-1",
            points=points,
            pay_amount_minor=pay_amount_minor,
            line_items=(),
            ttl_s=None,
            point_of_sale=None,
            idempotency_key="k",
        )

    by_points = authorize(0, None)
    by_amount = authorize(None, 250)

    # Zero is still a choice of points; the hub, not the oneof, refuses it.
    assert (by_points.WhichOneof("payment"), by_points.points) == ("points", 0)
    assert by_amount.amount == common_pb2.Money(amount_minor=250, currency="JPY")
    assert by_points.ttl_s == by_amount.ttl_s == 0


def test_a_capture_request_for_all_points_sends_zero() -> None:
    assert convert.capture_request("h_1", None, "k").points == 0
    assert convert.capture_request("h_1", 1, "k").points == 1


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (partner_pb2.TRANSACTION_KIND_EARN, TransactionKind.EARN),
        (partner_pb2.TRANSACTION_KIND_HOLD, TransactionKind.HOLD),
        (partner_pb2.TRANSACTION_KIND_CAPTURE, TransactionKind.CAPTURE),
        (partner_pb2.TRANSACTION_KIND_VOID, TransactionKind.VOID),
        (partner_pb2.TRANSACTION_KIND_HOLD_EXPIRY, TransactionKind.HOLD_EXPIRY),
        (partner_pb2.TRANSACTION_KIND_REFUND_EARN, TransactionKind.REFUND_EARN),
        (partner_pb2.TRANSACTION_KIND_REFUND_REDEMPTION, TransactionKind.REFUND_REDEMPTION),
        (42, TransactionKind.UNKNOWN),
    ],
)
def test_every_transaction_kind_has_its_name(kind: int, expected: TransactionKind) -> None:
    message = partner_pb2.Transaction(kind=kind, rates=RATES, created_at=NOW)

    assert convert.transaction(message).kind is expected


def test_a_transaction_names_what_it_resolves_or_reverses_and_empty_stays_empty() -> None:
    capture = partner_pb2.Transaction(
        transaction_id="t_c1",
        kind=partner_pb2.TRANSACTION_KIND_CAPTURE,
        rates=RATES,
        created_at=NOW,
        related_transaction_id="t_h1",
    )
    earn = partner_pb2.Transaction(transaction_id="t_1", rates=RATES, created_at=NOW)

    assert convert.transaction(capture).related_transaction_id == "t_h1"
    assert convert.transaction(earn).related_transaction_id == ""


def test_a_balance_without_debt_owes_nothing() -> None:
    balance = convert.balance(partner_pb2.Balance(member_id="m_1", as_of=NOW))

    assert balance.debt_points == 0


def test_an_earn_says_how_many_of_its_points_paid_debt() -> None:
    assert convert.earned(earn_response(debt_paid_points=3)).debt_paid_points == 3
    assert convert.earned(earn_response()).debt_paid_points == 0


def test_a_transaction_without_rates_has_none() -> None:
    message = partner_pb2.Transaction(
        transaction_id="t_2", kind=partner_pb2.TRANSACTION_KIND_REFUND_EARN, created_at=NOW
    )
    assert convert.transaction(message).rates is None
