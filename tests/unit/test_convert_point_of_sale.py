"""The partner API's point of sale: store location in, and back out as decimal strings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from fraud.facts import Location
from hub.api import convert
from hub.domain.errors import InvalidField
from hub.domain.purchases import Channel, PointOfSale


def pos_message(latitude: str = "", longitude: str = "") -> common_pb2.PointOfSale:
    return common_pb2.PointOfSale(
        channel=common_pb2.CHANNEL_POS,
        store_id="store-7",
        terminal_id="till-2",
        cashier_id="cashier-4",
        latitude=latitude,
        longitude=longitude,
    )


def earn_request(pos: common_pb2.PointOfSale) -> partner_pb2.EarnRequest:
    return partner_pb2.EarnRequest(
        idempotency_key="key-1",
        member=common_pb2.MemberRef(member_id="0190d5e2-0000-7000-8000-000000000001"),
        purchase=common_pb2.Money(amount_minor=1050, currency="EUR"),
        order_id="r-1",
        point_of_sale=pos,
    )


def test_a_store_location_becomes_the_point_of_sales_location_in_exact_decimals() -> None:
    pos = convert.point_of_sale(pos_message("55.7558", "-37.6173"))

    assert pos == PointOfSale(
        Channel.POS,
        "store-7",
        "till-2",
        "cashier-4",
        Location(Decimal("55.755800"), Decimal("-37.617300")),
    )


def test_a_point_of_sale_without_a_location_has_none() -> None:
    assert convert.point_of_sale(pos_message()).location is None


def test_an_earn_carries_the_store_location_to_its_command() -> None:
    cmd = convert.earn(earn_request(pos_message("59.9343", "30.3351")), "coffee")

    assert cmd.purchase.point_of_sale.location == Location(
        Decimal("59.934300"), Decimal("30.335100")
    )


def test_an_authorization_carries_the_store_location_to_its_command() -> None:
    request = partner_pb2.AuthorizeRedemptionRequest(
        idempotency_key="key-2",
        member=common_pb2.MemberRef(member_id="0190d5e2-0000-7000-8000-000000000001"),
        purchase=common_pb2.Money(amount_minor=800, currency="EUR"),
        order_id="r-2",
        points=100,
        point_of_sale=pos_message("0", "180"),
    )

    cmd = convert.authorize(request, "fuel")

    assert cmd.purchase.point_of_sale.location == Location(Decimal(0), Decimal(180))


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("55.7558", "", "point_of_sale.longitude"),
        ("", "37.6173", "point_of_sale.latitude"),
        ("north", "37.6173", "point_of_sale.latitude"),
        ("55.7558", "37,6173", "point_of_sale.longitude"),
        ("NaN", "37.6173", "point_of_sale.latitude"),
        ("Infinity", "37.6173", "point_of_sale.latitude"),
        ("90.000001", "37.6173", "point_of_sale.latitude"),
        ("-91", "37.6173", "point_of_sale.latitude"),
        ("55.7558", "180.5", "point_of_sale.longitude"),
        ("55.7558", "-1E+3", "point_of_sale.longitude"),
    ],
)
def test_a_bad_or_half_given_location_is_refused_naming_its_field(
    latitude: str, longitude: str, field: str
) -> None:
    with pytest.raises(InvalidField) as raised:
        convert.earn(earn_request(pos_message(latitude, longitude)), "coffee")

    assert raised.value.field == field
    assert raised.value.metadata == {"field": field}


def test_a_quote_refuses_a_bad_location_like_an_earn() -> None:
    request = partner_pb2.QuoteRequest(
        earn=partner_pb2.EarnQuote(
            purchase=common_pb2.Money(amount_minor=1050, currency="EUR"),
            point_of_sale=pos_message("95", "37.6173"),
        )
    )

    with pytest.raises(InvalidField, match="latitude"):
        convert.quote_earn(request, "coffee")


@pytest.mark.parametrize(
    ("degrees", "text"),
    [
        (Decimal("55.755800"), "55.7558"),
        (Decimal("-37.617300"), "-37.6173"),
        (Decimal("10.000000"), "10"),
        (Decimal("1E+1"), "10"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("-0.000000"), "0"),
        (Decimal("180"), "180"),
    ],
)
def test_a_coordinate_goes_out_as_the_shortest_plain_decimal_string(
    degrees: Decimal, text: str
) -> None:
    assert convert.coordinate_text(degrees) == text


def test_a_point_of_sale_goes_back_out_with_its_location_as_decimal_strings() -> None:
    pos = PointOfSale(
        Channel.ONLINE,
        "web",
        "",
        "",
        Location(Decimal("48.856600"), Decimal("2.352200")),
    )

    message = convert.point_of_sale_message(pos)

    assert message == common_pb2.PointOfSale(
        channel=common_pb2.CHANNEL_ONLINE, store_id="web", latitude="48.8566", longitude="2.3522"
    )
    assert convert.point_of_sale(message) == pos


def test_a_point_of_sale_without_a_location_goes_out_without_one() -> None:
    message = convert.point_of_sale_message(PointOfSale(Channel.POS, "store-7"))

    assert message is not None
    assert (message.latitude, message.longitude) == ("", "")
    assert convert.point_of_sale_message(None) is None


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_goes_back_out_as_itself(channel: Channel) -> None:
    message = convert.point_of_sale_message(PointOfSale(channel))

    assert message is not None
    assert convert.point_of_sale(message).channel is channel
