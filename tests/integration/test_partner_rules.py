"""What partners asked for at the till (issue 15, item 10), through the use cases, on SQLite and
PostgreSQL: the earn rounding mode, per-category burn shares, and annulling one operation."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import transactions
from hub.domain.currencies import currency
from hub.domain.errors import (
    BelowMinimumRedemption,
    ExceedsCategoryShare,
    ExceedsPayableAmount,
    InvalidField,
    InvalidRate,
    NothingToAnnul,
    TransactionNotFound,
)
from hub.domain.ledger import TransactionKind
from hub.domain.money import EarnRounding, Money
from hub.domain.partners import BurnRules, CategoryShare
from hub.domain.purchases import LineItem, Purchase
from hub.services.commands import AnnulPoints, Attribution, ListTransactions, QuoteBurn
from tests.conftest import add_partner, rates
from tests.integration.helpers import authorize, balance, card, earn, enroll, row_counts

ANALYST = Attribution("spiffe://coalition.hub/staff/analyst/ana", "ticket F-21")
EUR = currency("EUR")

# -- the earn rounding mode ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "points_for_1_50", "points_for_1_40"),
    [(EarnRounding.DOWN, 1, 1), (EarnRounding.HALF_UP, 2, 1), (EarnRounding.UP, 2, 2)],
)
def test_an_earn_rounds_its_base_points_as_the_partner_chose_and_records_the_mode(
    hub, mode, points_for_1_50, points_for_1_40
):
    add_partner(hub, "coffee", rates=rates(earn_rate="0.1"), earn_rounding=mode)
    enroll(hub)
    first = earn(hub, card(), 1500)  # 15.00 EUR at 0.1 points per euro: 1.5 points
    second = earn(hub, card(), 1400)  # 1.4 points
    assert (first.points, second.points) == (points_for_1_50, points_for_1_40)
    assert first.breakdown is not None
    assert first.breakdown.earn_rounding is mode
    page = hub.partner_api().transactions(ListTransactions("coffee", None, 10))
    recorded = {record.id: record.breakdown for record in page.transactions}
    assert recorded[first.transaction_id].earn_rounding is mode
    assert stored_earn_rounding(hub, first.transaction_id) == mode.value


def test_a_partner_rounds_earns_down_unless_it_chose_otherwise(hub):
    add_partner(hub, "coffee", rates=rates(earn_rate="0.1"))
    enroll(hub)
    earned = earn(hub, card(), 1999)
    assert earned.points == 1
    assert hub.operator.get_partner("coffee").partner.earn_rounding is EarnRounding.DOWN
    assert stored_earn_rounding(hub, earned.transaction_id) == "down"


def test_under_up_rounding_a_split_receipt_earns_more_than_the_whole_which_is_the_partners_choice(
    hub,
):
    # The README says so: half-up and up give the member the fraction on every receipt.
    add_partner(hub, "coffee", rates=rates(earn_rate="0.1"), earn_rounding=EarnRounding.UP)
    enroll(hub)
    whole = earn(hub, card(), 2000).points
    split = earn(hub, card(), 1000).points + earn(hub, card(), 1000).points
    assert (whole, split) == (2, 2)
    split_odd = earn(hub, card(), 1100).points + earn(hub, card(), 900).points
    assert split_odd == 3 > whole


def test_the_settlement_rounding_keeps_its_meaning_beside_the_earn_rounding(hub):
    add_partner(hub, "coffee", earn_rounding=EarnRounding.UP)
    partner = hub.operator.get_partner("coffee").partner
    assert (partner.rounding.value, partner.earn_rounding.value) == ("floor", "up")


def stored_earn_rounding(hub: bootstrap.Hub, transaction_id: uuid.UUID) -> str | None:
    with hub.engine.connect() as connection:
        query = sa.select(transactions.c.earn_rounding).where(transactions.c.id == transaction_id)
        return connection.execute(query).scalar_one()


# -- per-category burn shares ----------------------------------------------------------------

CHILDREN_AT_20 = BurnRules(category_shares=(CategoryShare("children", Decimal("0.2")),))
RECEIPT_LINES = (
    LineItem("toy-1", "children", 5000, 1),
    LineItem("milk-1", "grocery", 5000, 1),
)


@pytest.fixture
def shop(hub):
    """A partner whose points are worth 1 EUR each, children's goods payable at most 20 %, and a
    member with 500 points."""
    add_partner(hub, "shop", rates=rates(burn_value="1"), burn_rules=CHILDREN_AT_20)
    enroll(hub, "shop")
    earn(hub, card(), 50_000, partner_id="shop")
    return "shop"


def test_a_category_share_limits_what_points_pay_of_its_lines_and_is_stored(hub, shop):
    # 50 EUR of toys at 20 % and 50 EUR of milk at 100 %: at most 60 EUR with points.
    hold = authorize(
        hub, card(), 60, amount_minor=10_000, partner_id=shop, line_items=RECEIPT_LINES
    )
    assert hold.points == 60
    stored = hub.operator.get_partner(shop).partner.burn_rules
    assert stored.category_shares == (CategoryShare("children", Decimal("0.2")),)


def test_an_authorization_beyond_a_category_share_is_refused_naming_it_and_writes_nothing(
    hub, shop
):
    counts = row_counts(hub)
    with pytest.raises(ExceedsCategoryShare) as refused:
        authorize(hub, card(), 61, amount_minor=10_000, partner_id=shop, line_items=RECEIPT_LINES)
    assert refused.value.metadata == {"payable_minor": "6000", "categories": "children"}
    assert row_counts(hub) == counts


def test_the_partners_own_share_still_refuses_with_its_own_reason(hub):
    rules = BurnRules(
        max_share=Decimal("0.5"), category_shares=(CategoryShare("children", Decimal("0.2")),)
    )
    add_partner(hub, "shop", rates=rates(burn_value="1"), burn_rules=rules)
    enroll(hub, "shop")
    earn(hub, card(), 50_000, partner_id="shop")
    # 50 EUR of toys at 20 % and 50 EUR of milk at 50 %: 35 EUR; without categories, 50 EUR.
    with pytest.raises(ExceedsCategoryShare):
        authorize(hub, card(), 36, amount_minor=10_000, partner_id="shop", line_items=RECEIPT_LINES)
    with pytest.raises(ExceedsPayableAmount):  # the receipt's share, not a category's
        authorize(hub, card(), 51, amount_minor=10_000, partner_id="shop", line_items=RECEIPT_LINES)
    assert (
        authorize(
            hub, card(), 35, amount_minor=10_000, partner_id="shop", line_items=RECEIPT_LINES
        ).points
        == 35
    )


def test_a_burn_quote_on_a_receipt_applies_the_same_rules_as_authorize(hub, shop):
    api = hub.partner_api()
    receipt = Purchase(Money(10_000, EUR), "", RECEIPT_LINES)
    assert api.quote_burn(QuoteBurn(shop, None, points=60, receipt=receipt)).points == 60
    with pytest.raises(ExceedsCategoryShare):
        api.quote_burn(QuoteBurn(shop, None, points=61, receipt=receipt))
    by_amount = QuoteBurn(shop, None, amount=Money(6100, EUR), receipt=receipt)
    with pytest.raises(ExceedsCategoryShare):
        api.quote_burn(by_amount)
    # Without a receipt a quote says what points are worth, as before.
    assert api.quote_burn(QuoteBurn(shop, None, points=61)).points == 61


def test_a_burn_quote_on_a_receipt_refuses_fewer_points_than_the_partners_minimum(hub):
    add_partner(hub, "shop", burn_rules=BurnRules(min_points=10))
    receipt = Purchase(Money(10_000, EUR), "")
    with pytest.raises(BelowMinimumRedemption):
        hub.partner_api().quote_burn(QuoteBurn("shop", None, points=9, receipt=receipt))


@pytest.mark.parametrize(
    ("shares", "error", "field"),
    [
        ((CategoryShare("children", Decimal("1.5")),), InvalidField, "max_share"),
        ((CategoryShare("children", Decimal("-0.1")),), InvalidField, "max_share"),
        ((CategoryShare("", Decimal("0.2")),), InvalidField, "category"),
        ((CategoryShare("x" * 65, Decimal("0.2")),), InvalidField, "category"),
        ((CategoryShare("a\nb", Decimal("0.2")),), InvalidField, "category"),
        (
            (CategoryShare("toys", Decimal("0.2")), CategoryShare("toys", Decimal("0.3"))),
            InvalidField,
            "category",
        ),
        (tuple(CategoryShare(f"c{i}", Decimal(0)) for i in range(65)), InvalidField, "shares"),
    ],
)
def test_a_bad_category_share_is_refused_naming_its_field_and_writes_nothing(
    hub, shares, error, field
):
    counts = row_counts(hub)
    with pytest.raises(error) as refused:
        add_partner(hub, "shop", burn_rules=BurnRules(category_shares=shares))
    assert refused.value.field.startswith("burn_rules.category_shares")
    assert refused.value.field.endswith(field)
    assert row_counts(hub) == counts


def test_a_category_share_that_is_no_decimal_is_refused_as_a_bad_rate():
    from hub.domain.partners import parse_category_shares

    with pytest.raises(InvalidRate):
        parse_category_shares("children=much")
    with pytest.raises(InvalidField):
        parse_category_shares("children")
    assert parse_category_shares(" children=0.2 , alcohol=0 ,") == (
        CategoryShare("children", Decimal("0.2")),
        CategoryShare("alcohol", Decimal(0)),
    )


# -- annulling one operation -----------------------------------------------------------------


@pytest.fixture
def member(hub, coffee):
    """A member with two earns at coffee: 100 points, then 200."""
    return enroll(hub).member_id


def annul_operation(hub, member_id, operation_id, *, points=None):
    command = AnnulPoints(
        uuid.uuid4().hex, member_id, points, None, operation_id, changed_by=ANALYST
    )
    return hub.fraud_api().annul(command)


def test_an_analyst_annuls_what_is_left_of_one_operation_and_it_is_audited(hub, member):
    first = earn(hub, card(), 10_000)
    earn(hub, card(), 20_000)  # newer: annulling newest first would take these
    annulled = annul_operation(hub, member, first.transaction_id)
    assert (annulled.points, annulled.operation_id) == (100, first.transaction_id)
    assert annulled.points_by_partner == (("coffee", 100),)
    assert balance(hub, card()).available_points == 200
    (record,) = hub.operator.list_audit(limit=10, action="member.annul")
    assert (record.event.actor, record.event.reason) == (ANALYST.actor, ANALYST.reason)
    assert record.event.details["operation_id"] == str(first.transaction_id)
    assert record.event.details["points"] == 100
    with hub.engine.connect() as connection:
        query = sa.select(transactions.c.kind, transactions.c.related_id).where(
            transactions.c.id == annulled.transaction_id
        )
        assert tuple(connection.execute(query).one()) == (
            TransactionKind.ANNULMENT.value,
            first.transaction_id,
        )


def test_annulling_an_operation_leaves_its_held_points_and_then_has_nothing_left(hub, member):
    earned = earn(hub, card(), 10_000)
    authorize(hub, card(), 30)
    assert annul_operation(hub, member, earned.transaction_id).points == 70
    counts = row_counts(hub)
    with pytest.raises(NothingToAnnul) as refused:
        annul_operation(hub, member, earned.transaction_id)
    assert refused.value.metadata == {"remaining_points": "30", "reserved_points": "30"}
    assert row_counts(hub) == counts


def test_annulling_an_unknown_operation_or_another_members_is_not_found_and_writes_nothing(
    hub, member
):
    from hub.domain.members import Identifier, IdentifierKind

    other_card = Identifier.parse(IdentifierKind.CARD, "4000999988887777")
    enroll(hub, "coffee", other_card)
    others = earn(hub, other_card, 10_000)
    counts = row_counts(hub)
    for operation_id in (uuid.uuid4(), others.transaction_id):
        with pytest.raises(TransactionNotFound) as refused:
            annul_operation(hub, member, operation_id)
        assert refused.value.metadata["field"] == "operation_id"
    assert row_counts(hub) == counts


def test_an_operation_and_a_number_of_points_together_are_refused(hub, member):
    earned = earn(hub, card(), 10_000)
    counts = row_counts(hub)
    with pytest.raises(InvalidField) as refused:
        annul_operation(hub, member, earned.transaction_id, points=10)
    assert refused.value.field == "points"
    assert row_counts(hub) == counts
