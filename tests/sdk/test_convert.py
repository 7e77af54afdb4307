from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from coalition.hub.v1 import common_pb2, partner_pb2

from partner_sdk import (
    Identifier,
    IdentifierKind,
    LineItem,
    MemberStatus,
    Money,
    PointOfSale,
    PointsStatus,
)
from partner_sdk import _convert as convert

from .fakes import LATER, MEMBER, NOW, RATES


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
