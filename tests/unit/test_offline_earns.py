"""When an earn sent after its sale may post (pure rules), and how the partner API reads the
sale's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api import convert
from hub.domain.errors import InvalidField, OfflineWindowExceeded
from hub.domain.limits import OFFLINE_WINDOW_MAX_S, PURCHASE_CLOCK_SKEW_S
from hub.domain.offline import check_not_future, check_offline_window, check_within_window

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SKEW = timedelta(seconds=PURCHASE_CLOCK_SKEW_S)
DAY_S = 24 * 3600


def test_a_sale_inside_the_window_posts_and_one_without_a_time_is_now():
    check_within_window(NOW - timedelta(seconds=DAY_S), DAY_S, NOW)
    check_within_window(None, 0, NOW)


def test_the_window_tolerates_a_till_clock_a_little_behind():
    check_within_window(NOW - timedelta(seconds=DAY_S) - SKEW, DAY_S, NOW)
    check_within_window(NOW - SKEW, 0, NOW)


def test_a_sale_before_the_window_is_refused_naming_the_window_and_the_sale():
    sold = NOW - timedelta(seconds=DAY_S) - SKEW - timedelta(seconds=1)
    with pytest.raises(OfflineWindowExceeded) as refused:
        check_within_window(sold, DAY_S, NOW)
    assert refused.value.metadata == {
        "offline_window_s": str(DAY_S),
        "purchased_at": sold.isoformat(),
    }
    assert "24 h" in refused.value.message


def test_a_sale_beyond_the_skew_in_the_future_is_bad_input():
    check_not_future(NOW + SKEW, NOW)
    with pytest.raises(InvalidField) as refused:
        check_within_window(NOW + SKEW + timedelta(seconds=1), DAY_S, NOW)
    assert refused.value.field == "purchased_at"


@pytest.mark.parametrize("window_s", [0, 1, OFFLINE_WINDOW_MAX_S])
def test_windows_from_none_to_thirty_days_are_accepted(window_s):
    assert check_offline_window(window_s) == window_s


@pytest.mark.parametrize("window_s", [-1, OFFLINE_WINDOW_MAX_S + 1])
def test_windows_out_of_bounds_are_refused(window_s):
    with pytest.raises(InvalidField):
        check_offline_window(window_s)


def earn_request(**fields: object) -> partner_pb2.EarnRequest:
    return partner_pb2.EarnRequest(
        idempotency_key="key-1",
        member=common_pb2.MemberRef(member_id="0190d5e2-0000-7000-8000-000000000001"),
        purchase=common_pb2.Money(amount_minor=1050, currency="EUR"),
        order_id="r-1",
        **fields,
    )


def test_an_earn_carries_its_sale_time_to_its_command_and_none_when_unset():
    stamp = Timestamp()
    stamp.FromDatetime(NOW)
    assert convert.earn(earn_request(purchased_at=stamp), "coffee").purchase.purchased_at == NOW
    assert convert.earn(earn_request(), "coffee").purchase.purchased_at is None


def test_a_sale_time_no_datetime_can_hold_is_bad_input_not_a_crash():
    with pytest.raises(InvalidField) as refused:
        convert.earn(earn_request(purchased_at=Timestamp(seconds=10**12)), "coffee")
    assert refused.value.field == "purchased_at"
