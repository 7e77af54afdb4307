import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub.domain import burning, earning
from hub.domain.accounts import (
    COALITION_CAMPAIGNS,
    member_available,
    member_debt,
    member_pending,
    partner_issued,
)
from hub.domain.currencies import currency
from hub.domain.earn_rules import EarnSituation, evaluate
from hub.domain.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidField,
    LineItemsMismatch,
    TooManyLineItems,
)
from hub.domain.limits import LINE_ITEMS_MAX
from hub.domain.lots import LotStatus
from hub.domain.money import Money, Rounding
from hub.domain.partners import ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import LineItem, Purchase, check_purchase
from hub.domain.rates import Rates, RateVersion
from hub.domain.rules import Campaign, Funder, RuleKind, Ruleset, RuleVersion

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EUR = currency("EUR")
UTC_ZONE = ZoneInfo("UTC")
NO_RULES = Ruleset(NOW)


def _partner(pending_period_s: int = 0, expiry: str = "never") -> Partner:
    return Partner(
        "coffee",
        "Coffee",
        EUR,
        Rounding.FLOOR,
        pending_period_s,
        ExpiryPolicy.parse(expiry),
        PartnerStatus.ACTIVE,
    )


def _rate(earn_rate: str = "1", burn_value: str = "0.01") -> RateVersion:
    rates = Rates(Decimal(earn_rate), Decimal(burn_value), Decimal("0.01"), Decimal("0.009"))
    return RateVersion(uuid.uuid4(), "coffee", NOW - timedelta(days=1), rates)


def _calculate(
    purchase: Purchase, partner: Partner, rate: RateVersion, ruleset: Ruleset = NO_RULES
) -> earning.EarnCalculation:
    situation = EarnSituation(partner, rate, purchase, NOW, UTC_ZONE)
    return earning.calculate(evaluate(ruleset, situation), partner, NOW, UTC_ZONE)


def _earn(
    partner: Partner, amount_minor: int, rate: RateVersion | None = None, debt: int = 0
) -> earning.Earning:
    rate = rate or _rate()
    purchase = Purchase(Money(amount_minor, EUR), "order-1")
    calculation = _calculate(purchase, partner, rate)
    return earning.earn(
        transaction_id=uuid.uuid4(),
        lot_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        partner=partner,
        rate=rate,
        purchase=purchase,
        calculation=calculation,
        debt_points=debt,
        now=NOW,
    )


def test_an_instant_earn_credits_available_points_from_the_partners_issued_account():
    result = _earn(_partner(), 1999)
    member_id = result.transaction.member_id
    assert result.calculation.points == 19
    assert result.calculation.status is LotStatus.AVAILABLE
    assert [(e.account, e.amount_points) for e in result.transaction.entries] == [
        (partner_issued("coffee"), -19),
        (member_available(member_id), 19),
    ]
    assert result.lot is not None
    assert result.lot.remaining_points == 19
    assert result.lot.expires_at is None


def test_points_inside_a_pending_period_go_to_the_pending_account_and_mature_later():
    result = _earn(_partner(pending_period_s=48 * 3600, expiry="months:24"), 1000)
    assert result.calculation.status is LotStatus.PENDING
    assert result.calculation.available_at == NOW + timedelta(hours=48)
    assert result.transaction.entries[1].account == member_pending(result.transaction.member_id)
    assert result.lot is not None
    assert result.lot.expires_at == datetime(2028, 11, 22, 10, 0, tzinfo=UTC)


def test_the_transaction_records_the_rates_it_used():
    rate = _rate("0.5")
    assert _earn(_partner(), 1000, rate).transaction.rate_version == rate


def test_a_purchase_too_small_to_earn_records_no_lot():
    result = _earn(_partner(), 50)
    assert result.calculation.points == 0
    assert result.lot is None


def test_a_purchase_in_another_currency_is_refused():
    with pytest.raises(CurrencyMismatch):
        _calculate(Purchase(Money(100, currency("USD")), "o"), _partner(), _rate())


def test_an_earn_above_the_points_limit_is_refused():
    with pytest.raises(InvalidAmount, match="per-operation limit"):
        _calculate(Purchase(Money(10**10, EUR), "o"), _partner(), _rate("1000000"))


def test_line_items_must_add_up_to_the_purchase():
    items = (LineItem("a", "food", 600), LineItem("b", "food", 400, quantity=2))
    check_purchase(Purchase(Money(1000, EUR), "o-1", items))
    with pytest.raises(LineItemsMismatch):
        check_purchase(Purchase(Money(1001, EUR), "o-1", items))


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (LineItem("", "food", 100), "line_items[0].sku"),
        (LineItem("a", "food", 0), "line_items[0].amount_minor"),
        (LineItem("a", "food", 100, quantity=0), "line_items[0].quantity"),
        (LineItem("a" * 65, "food", 100), "line_items[0].sku"),
        (LineItem("a", "fo\x00od", 100), "line_items[0].category"),
    ],
)
def test_a_bad_line_item_is_refused_naming_it(item, field):
    with pytest.raises((InvalidField, InvalidAmount)) as caught:
        check_purchase(Purchase(Money(100, EUR), "o-1", (item,)))
    assert caught.value.field == field


def test_too_many_line_items_are_refused():
    items = tuple(LineItem(f"s{i}", "food", 1) for i in range(LINE_ITEMS_MAX + 1))
    with pytest.raises(TooManyLineItems):
        check_purchase(Purchase(Money(LINE_ITEMS_MAX + 1, EUR), "o-1", items))


def test_an_order_id_is_required():
    with pytest.raises(InvalidField, match="order_id is required"):
        check_purchase(Purchase(Money(100, EUR), ""))


def test_burn_quotes_favour_the_books():
    partner, rates = _partner(), _rate(burn_value="0.03").rates
    assert burning.quote_points(7, partner, rates).value == Money(21, EUR)
    assert burning.quote_amount(Money(100, EUR), partner, rates).points == 34
    with pytest.raises(InvalidAmount):
        burning.quote_points(0, partner, rates)


def test_an_earn_pays_the_members_refund_debt_first():
    result = _earn(_partner(), 1000, debt=4)
    member_id = result.transaction.member_id
    assert result.debt_paid_points == 4
    assert {(e.account, e.amount_points) for e in result.transaction.entries} == {
        (partner_issued("coffee"), -10),
        (member_debt(member_id), 4),
        (member_available(member_id), 6),
    }
    assert result.lot is not None
    assert result.lot.points == 6


def test_an_earn_smaller_than_the_debt_leaves_no_lot():
    result = _earn(_partner(), 300, debt=50)
    assert result.debt_paid_points == 3
    assert result.lot is None


def test_points_the_coalition_funds_are_issued_by_its_campaigns_account():
    campaign = Campaign("Double", starts_at=NOW, multiplier=Decimal(2), funder=Funder.COALITION)
    version = RuleVersion("double", 1, RuleKind.CAMPAIGN, NOW, campaign, NOW, "test")
    partner, rate = _partner(), _rate()
    purchase = Purchase(Money(1000, EUR), "order-1")
    calculation = _calculate(purchase, partner, rate, Ruleset.in_force([version], NOW))
    result = earning.earn(
        transaction_id=uuid.uuid4(),
        lot_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        partner=partner,
        rate=rate,
        purchase=purchase,
        calculation=calculation,
        debt_points=0,
        now=NOW,
    )
    issued = {entry.account: entry.amount_points for entry in result.transaction.entries}
    assert issued[partner_issued("coffee")] == -10
    assert issued[COALITION_CAMPAIGNS] == -10
    assert result.transaction.coalition_funded_points == 10
    assert result.lot is not None
    assert result.lot.points == 20
