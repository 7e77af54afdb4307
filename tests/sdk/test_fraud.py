"""The partner side of the fraud checks: store locations out, holds in review and refusals in."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import grpc
import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from partner_sdk import (
    AsyncHubClient,
    FraudDeclined,
    HoldInReview,
    HoldStatus,
    HubClient,
    Money,
    PointOfSale,
    Refused,
)
from partner_sdk import _convert as convert

from .fakes import HOLD, FakeClock, FakePartnerService, rich

MOSCOW = PointOfSale(
    channel="pos",
    store_id="store-7",
    terminal_id="till-2",
    cashier_id="cashier-4",
    latitude="55.7558",
    longitude=Decimal("37.6173"),
)


def test_a_store_location_is_kept_as_exact_decimals_whether_given_as_text_or_decimal() -> None:
    assert (MOSCOW.latitude, MOSCOW.longitude) == (Decimal("55.7558"), Decimal("37.6173"))
    assert isinstance(MOSCOW.latitude, Decimal)
    assert PointOfSale(latitude="-90", longitude="180") == PointOfSale(
        latitude=Decimal(-90), longitude=Decimal(180)
    )


@pytest.mark.parametrize(("latitude", "longitude"), [(55.7558, 37.6173), ("55.7558", 37.6173)])
def test_a_float_coordinate_is_refused_rather_than_rounded(
    latitude: object, longitude: object
) -> None:
    with pytest.raises(TypeError, match="Decimal or a decimal string"):
        PointOfSale(latitude=latitude, longitude=longitude)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("latitude", "longitude", "problem"),
    [
        ("55.7558", None, "both latitude and longitude"),
        (None, Decimal("37.6173"), "both latitude and longitude"),
        ("north", "37.6173", "latitude"),
        ("NaN", "37.6173", "latitude"),
        ("90.1", "37.6173", "latitude"),
        ("55.7558", "-180.000001", "longitude"),
        ("55.7558", "Infinity", "longitude"),
    ],
)
def test_a_half_given_or_impossible_location_is_refused_before_sending(
    latitude: str | Decimal | None, longitude: str | Decimal | None, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        PointOfSale(latitude=latitude, longitude=longitude)


def test_a_point_of_sale_sends_its_location_as_plain_decimal_strings() -> None:
    far_east = PointOfSale(latitude=Decimal("1E+1"), longitude=Decimal("-179.999999"))

    assert convert.point_of_sale_pb(MOSCOW) == common_pb2.PointOfSale(
        channel=common_pb2.CHANNEL_POS,
        store_id="store-7",
        terminal_id="till-2",
        cashier_id="cashier-4",
        latitude="55.7558",
        longitude="37.6173",
    )
    message = convert.point_of_sale_pb(far_east)
    assert message is not None
    assert (message.latitude, message.longitude) == ("10", "-179.999999")


def test_a_point_of_sale_without_a_location_sends_none() -> None:
    message = convert.point_of_sale_pb(PointOfSale(store_id="store-7"))

    assert message is not None
    assert (message.latitude, message.longitude) == ("", "")


def test_earn_and_authorize_send_the_store_location(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.earn("m_1", amount_minor=1050, currency="EUR", order_id="r-1", point_of_sale=MOSCOW)
    client.authorize(
        "m_1", amount_minor=800, currency="EUR", order_id="r-2", points=5, point_of_sale=MOSCOW
    )

    for received in fake_hub.received:
        pos = received.request.point_of_sale
        assert (pos.latitude, pos.longitude) == ("55.7558", "37.6173")


def test_the_async_client_sends_the_store_location(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async def earn() -> None:
        async with AsyncHubClient(
            fake_hub.target, partner_id="coffee", retry=clock.policy()
        ) as client:
            await client.earn(
                "m_1", amount_minor=1050, currency="EUR", order_id="r-1", point_of_sale=MOSCOW
            )

    asyncio.run(earn())

    assert fake_hub.received[0].request.point_of_sale.latitude == "55.7558"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (partner_pb2.HOLD_STATUS_IN_REVIEW, HoldStatus.IN_REVIEW),
        (partner_pb2.HOLD_STATUS_DECLINED, HoldStatus.DECLINED),
    ],
)
def test_holds_in_review_and_declined_read_as_such(status: int, expected: HoldStatus) -> None:
    message = partner_pb2.Hold()
    message.CopyFrom(HOLD)
    message.status = status  # type: ignore[assignment]

    hold = convert.hold(message)

    assert hold.status is expected
    assert hold.value == Money(300, "EUR")


# What the fraud checks make each call raise, and the call that meets it.
FRAUD_REFUSALS = [
    ("FRAUD_DECLINED", FraudDeclined, "earn"),
    ("FRAUD_DECLINED", FraudDeclined, "authorize"),
    ("FRAUD_DECLINED", FraudDeclined, "capture"),
    ("HOLD_IN_REVIEW", HoldInReview, "capture"),
]


def _call(client: HubClient, name: str) -> object:
    if name == "earn":
        return client.earn("m_1", amount_minor=1050, currency="EUR", order_id="r-1")
    if name == "authorize":
        return client.authorize("m_1", amount_minor=800, currency="EUR", order_id="r-2", points=5)
    return client.capture("h_1")


@pytest.mark.parametrize(("reason", "error_class", "call"), FRAUD_REFUSALS)
def test_fraud_refusals_raise_their_class_once_and_are_never_retried(
    fake_hub: FakePartnerService,
    client: HubClient,
    reason: str,
    error_class: type[Refused],
    call: str,
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.FAILED_PRECONDITION, reason))

    with pytest.raises(Refused) as raised:
        _call(client, call)

    assert type(raised.value) is error_class
    assert raised.value.reason == reason
    assert len(fake_hub.received) == 1


def test_the_async_client_raises_hold_in_review_on_capture(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.FAILED_PRECONDITION, "HOLD_IN_REVIEW"))

    async def capture() -> object:
        async with AsyncHubClient(
            fake_hub.target, partner_id="coffee", retry=clock.policy()
        ) as client:
            return await client.capture("h_1")

    with pytest.raises(HoldInReview):
        asyncio.run(capture())
    assert len(fake_hub.received) == 1
