"""Earning through the use cases, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from hub.domain.currencies import currency
from hub.domain.errors import (
    CurrencyMismatch,
    DuplicateOrder,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    LineItemsMismatch,
    MemberNotFound,
    NoRateInForce,
    PartnerDisabled,
    Unauthenticated,
)
from hub.domain.lots import LotStatus
from hub.domain.money import Money
from hub.domain.partners import ExpiryPolicy
from hub.domain.purchases import LineItem
from hub.services.commands import (
    GetBalance,
    ListTransactions,
    QuoteBurn,
    QuoteEarn,
    SetPartnerStatus,
    SetRate,
)
from tests.conftest import OPERATOR, add_partner, rates
from tests.integration.helpers import card, earn, earn_command, enroll, row_counts


def balance(hub, member, partner_id="coffee"):
    return hub.partner_api().balance(GetBalance(partner_id, member))


def test_an_earn_credits_available_points_and_records_its_lot(hub, coffee):
    member = enroll(hub)
    earned = earn(hub, card(), 1999)
    assert (earned.points, earned.status, earned.member_id) == (
        19,
        LotStatus.AVAILABLE,
        member.member_id,
    )
    assert balance(hub, card()).available_points == 19
    [lot] = hub.inspect_member(member.member_id).lots
    assert (lot.partner_id, lot.points, lot.remaining_points, lot.earn_transaction_id) == (
        "coffee",
        19,
        19,
        earned.transaction_id,
    )


def test_points_earned_in_a_pending_period_are_pending_until_they_mature(hub, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600, expiry=ExpiryPolicy.parse("months:12"))
    enroll(hub, "fuel")
    earned = earn(hub, card(), 5000, partner_id="fuel")
    assert earned.status is LotStatus.PENDING
    assert earned.available_at == clock.now() + timedelta(hours=48)
    assert earned.expires_at == clock.now().replace(year=clock.now().year + 1)
    assert (
        balance(hub, card(), "fuel").available_points,
        balance(hub, card(), "fuel").pending_points,
    ) == (0, 50)


def test_the_balance_reports_points_expiring_within_thirty_days(hub, clock):
    add_partner(hub, "air", expiry=ExpiryPolicy.parse("months:1"))
    add_partner(hub, "shop", expiry=ExpiryPolicy.parse("months:2"))
    enroll(hub, "air")
    earn(hub, card(), 3000, partner_id="air")
    earn(hub, card(), 700, partner_id="shop")
    clock.advance(timedelta(days=1))
    result = balance(hub, card(), "air")
    assert (result.available_points, result.expiring_points) == (37, 30)


def test_a_replayed_earn_returns_the_original_response_and_credits_once(hub, coffee):
    enroll(hub)
    command = earn_command(card(), 2500, key="retry-me")
    first = hub.partner_api().earn(command)
    counts = row_counts(hub)
    assert hub.partner_api().earn(command) == first
    assert row_counts(hub) == counts
    assert balance(hub, card()).available_points == 25


def test_the_same_key_with_a_different_request_is_refused(hub, coffee):
    enroll(hub)
    hub.partner_api().earn(earn_command(card(), 2500, key="k-1", order_id="o-1"))
    with pytest.raises(IdempotencyKeyReused):
        hub.partner_api().earn(earn_command(card(), 2600, key="k-1", order_id="o-1"))


def test_a_second_earn_for_the_same_order_is_refused(hub, coffee):
    enroll(hub)
    earn(hub, card(), 1000, order_id="receipt-7")
    counts = row_counts(hub)
    with pytest.raises(DuplicateOrder):
        earn(hub, card(), 1000, order_id="receipt-7")
    assert row_counts(hub) == counts


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"currency_code": "USD"}, CurrencyMismatch),
        ({"line_items": (LineItem("sku", "food", 999),)}, LineItemsMismatch),
        ({"key": "has spaces"}, InvalidIdempotencyKey),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(hub, coffee, options, error):
    enroll(hub)
    counts = row_counts(hub)
    with pytest.raises(error):
        earn(hub, card(), 1000, **options)
    assert row_counts(hub) == counts


def test_unknown_members_are_not_found(hub, coffee):
    with pytest.raises(MemberNotFound):
        earn(hub, uuid.uuid4())
    with pytest.raises(MemberNotFound):
        earn(hub, card("5555666677778888"))


def test_an_unknown_calling_partner_is_unauthenticated(hub, coffee):
    enroll(hub)
    with pytest.raises(Unauthenticated):
        earn(hub, card(), partner_id="ghost")


def test_a_disabled_partner_can_neither_earn_nor_read(hub, coffee):
    enroll(hub)
    hub.operator.set_partner_status(SetPartnerStatus("coffee", active=False, changed_by=OPERATOR))
    with pytest.raises(PartnerDisabled):
        earn(hub, card())
    with pytest.raises(PartnerDisabled):
        balance(hub, card())


def test_a_future_rate_change_leaves_todays_earns_untouched(hub, coffee, clock):
    enroll(hub)
    tomorrow = clock.now() + timedelta(days=1)
    hub.operator.set_rate(SetRate("coffee", rates(earn_rate="3"), tomorrow, changed_by=OPERATOR))
    today = earn(hub, card(), 1000)
    clock.advance(timedelta(days=1))
    after = earn(hub, card(), 1000)
    assert (today.points, today.rate_version.rates.earn_rate) == (10, Decimal(1))
    assert (after.points, after.rate_version.rates.earn_rate) == (30, Decimal(3))
    history = hub.partner_api().transactions(ListTransactions("coffee", None, 10)).transactions
    assert [t.rate_version.rates.earn_rate for t in history] == [Decimal(3), Decimal(1)]


def test_a_partner_without_a_rate_in_force_cannot_earn(hub, clock):
    add_partner(hub, "late", effective_from=clock.now() + timedelta(hours=1))
    enroll(hub, "late")
    with pytest.raises(NoRateInForce):
        earn(hub, card(), partner_id="late")


def test_a_purchase_too_small_to_earn_is_still_recorded_once(hub, coffee):
    enroll(hub)
    earned = earn(hub, card(), 99, order_id="tiny")
    assert earned.points == 0
    with pytest.raises(DuplicateOrder):
        earn(hub, card(), 99, order_id="tiny")


def test_quotes_write_nothing_and_match_the_earn(hub, coffee):
    enroll(hub)
    counts = row_counts(hub)
    quote = hub.partner_api().quote_earn(QuoteEarn("coffee", card(), Money(4321, currency("EUR"))))
    burn = hub.partner_api().quote_burn(QuoteBurn("coffee", None, points=250))
    assert row_counts(hub) == counts
    assert (quote.points, burn.value) == (43, Money(250, currency("EUR")))
    assert earn(hub, card(), 4321).points == quote.points


def test_history_is_the_calling_partners_own_paged_newest_first(hub, coffee, clock):
    add_partner(hub, "fuel")
    enroll(hub)
    for amount in (100, 200, 300, 400, 500):
        earn(hub, card(), amount)
        clock.advance(timedelta(seconds=1))
    earn(hub, card(), 900, partner_id="fuel")
    api, seen, token = hub.partner_api(), [], ""
    while True:
        page = api.transactions(ListTransactions("coffee", card(), 2, token))
        seen += [t.purchase.amount_minor for t in page.transactions]
        if not (token := page.next_page_token):
            break
    assert seen == [500, 400, 300, 200, 100]
