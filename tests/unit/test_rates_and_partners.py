import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub.domain.currencies import currency
from hub.domain.errors import InvalidField, InvalidRate, NoRateInForce, PartnerDisabled, RateInPast
from hub.domain.money import Rounding
from hub.domain.partners import (
    ExpiryKind,
    ExpiryPolicy,
    Partner,
    PartnerStatus,
    check_partner_id,
    check_partner_settings,
)
from hub.domain.rates import Rates, RateVersion, check_schedulable, in_force, parse_rate

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1", "0.1"), ("100", "100"), ("1e2", "100"), ("0.1000", "0.1"), ("0", "0")],
)
def test_rates_parse_to_canonical_decimals(text, expected):
    assert str(parse_rate(text, field="earn_rate")) == expected


@pytest.mark.parametrize("text", ["-1", "abc", "NaN", "Infinity", "1000001", "0.00000000001"])
def test_bad_rates_are_refused(text):
    with pytest.raises(InvalidRate):
        parse_rate(text, field="earn_rate")


def test_burn_value_must_be_positive():
    with pytest.raises(InvalidRate) as caught:
        Rates.parse(earn_rate="1", burn_value="0", issue_price="0.01", redemption_price="0.01")
    assert caught.value.field == "burn_value"


def _version(effective_from: datetime, earn_rate: str) -> RateVersion:
    rates = Rates(Decimal(earn_rate), Decimal("0.01"), Decimal("0.01"), Decimal("0.01"))
    return RateVersion(uuid.uuid4(), "coffee", effective_from, rates)


def test_the_rate_in_force_is_the_latest_that_has_started():
    versions = [
        _version(T0, "1"),
        _version(T0 + timedelta(days=1), "2"),
        _version(T0 + timedelta(days=9), "3"),
    ]
    assert in_force(versions, T0 + timedelta(days=2)).rates.earn_rate == 2
    assert in_force(versions, T0 + timedelta(days=1)).rates.earn_rate == 2
    assert in_force(versions, T0 + timedelta(hours=23)).rates.earn_rate == 1


def test_no_rate_is_in_force_before_the_first_version():
    with pytest.raises(NoRateInForce):
        in_force([_version(T0, "1")], T0 - timedelta(seconds=1))


def test_a_rate_change_cannot_be_scheduled_in_the_past():
    check_schedulable(T0, T0)
    with pytest.raises(RateInPast):
        check_schedulable(T0 - timedelta(microseconds=1), T0)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("never", None),
        ("months:1", datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),  # the 31st clamps to February's end
        ("months:13", datetime(2027, 2, 28, 12, 0, tzinfo=UTC)),
        ("end-of-month:1", datetime(2026, 3, 1, tzinfo=UTC)),
        ("end-of-month:12", datetime(2027, 2, 1, tzinfo=UTC)),
    ],
)
def test_expiry_policies_compute_when_points_expire(policy, expected):
    assert ExpiryPolicy.parse(policy).expires_at(T0, UTC_ZONE) == expected


def test_end_of_month_expiry_follows_the_coalition_time_zone():
    moscow = ZoneInfo("Europe/Moscow")
    earned = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # already April 1st in Moscow
    expires = ExpiryPolicy(ExpiryKind.END_OF_MONTH, 0).expires_at(earned, moscow)
    assert expires == datetime(2026, 5, 1, tzinfo=moscow).astimezone(UTC)


@pytest.mark.parametrize(
    "text", ["sometimes", "months", "months:0", "months:121", "never:3", "end-of-month:x"]
)
def test_bad_expiry_policies_are_refused(text):
    with pytest.raises(InvalidField):
        ExpiryPolicy.parse(text)


@pytest.mark.parametrize("partner_id", ["Coffee", "c", "1coffee", "coffee_co", "x" * 33])
def test_malformed_partner_ids_are_refused(partner_id):
    with pytest.raises(InvalidField):
        check_partner_id(partner_id)


def test_partner_settings_are_checked():
    check_partner_settings("Coffee", Rounding.HALF_EVEN, 0)
    with pytest.raises(InvalidField):
        check_partner_settings("Coffee", Rounding.CEILING, 0)
    with pytest.raises(InvalidField):
        check_partner_settings("", Rounding.FLOOR, 0)
    with pytest.raises(InvalidField):
        check_partner_settings("Coffee", Rounding.FLOOR, -1)


def test_a_disabled_partner_is_refused():
    partner = Partner(
        "coffee",
        "Coffee",
        currency("EUR"),
        Rounding.FLOOR,
        0,
        ExpiryPolicy.parse("never"),
        PartnerStatus.DISABLED,
    )
    with pytest.raises(PartnerDisabled):
        partner.require_active()
