"""What each receipt line earns, and what returning lines gives back."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain import receipt_lines
from hub.domain.breakdown import Breakdown
from hub.domain.currencies import currency
from hub.domain.earn_rules import EarnSituation, evaluate, tier_after_refund
from hub.domain.errors import InvalidAmount, InvalidField, RefundExceedsOriginal
from hub.domain.money import Money, Rounding
from hub.domain.partners import ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import LineItem, Purchase
from hub.domain.rates import Rates, RateVersion
from hub.domain.receipt_lines import ReturnedLine
from hub.domain.refunds import (
    NO_PRIOR_REFUNDS,
    EarnRecord,
    PriorRefunds,
    RefundAsked,
    check_asked,
    plan_earn_refund,
)
from hub.domain.rules import (
    KIND_OF,
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    Exclusions,
    MemberFacts,
    RuleKind,
    Ruleset,
    RuleVersion,
    Tier,
    TierBenefits,
    TierScheme,
    singleton_rule_id,
)
from hub.services import codec

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
RUB = currency("RUB")
PARTNER_ID = "grocer"
D = Decimal


def _ruleset(*rules: tuple[str, Definition]) -> Ruleset:
    versions = [
        RuleVersion(rule_id, 1, KIND_OF[type(d)], EPOCH, d, EPOCH, "operator")
        for rule_id, d in rules
    ]
    return Ruleset.in_force(versions, NOW)


def _situation(lines: tuple[LineItem, ...], *, earn_rate: str = "0.1", first: bool = False):
    partner = Partner(
        PARTNER_ID, "Grocer", RUB, Rounding.FLOOR, 0, ExpiryPolicy.parse("never"),
        PartnerStatus.ACTIVE,
    )  # fmt: skip
    rates = Rates(D(earn_rate), D("1"), D("0.01"), D("0.009"))
    total = sum(line.amount_minor for line in lines)
    return EarnSituation(
        partner=partner,
        rate=RateVersion(uuid.uuid4(), PARTNER_ID, EPOCH, rates),
        purchase=Purchase(Money(total, RUB), "order-1", lines),
        at=NOW,
        zone=ZoneInfo("UTC"),
        facts=MemberFacts(tier="gold", earns_at_partner=0 if first else 3),
    )


GIFT_CARD = LineItem("gift-900", "gift-cards", 90_000)
MILK = LineItem("milk-1", "dairy", 10_000)
NO_GIFT_CARDS = (
    singleton_rule_id(RuleKind.EXCLUSIONS, PARTNER_ID),
    Exclusions(PARTNER_ID, earn_categories=("gift-cards",)),
)


def _earn(lines: tuple[LineItem, ...], *rules: tuple[str, Definition], first: bool = False):
    breakdown = evaluate(_ruleset(*rules), _situation(lines, first=first))
    purchase = Money(sum(line.amount_minor for line in lines), RUB)
    record = EarnRecord(uuid.uuid4(), PARTNER_ID, uuid.uuid4(), breakdown.points, purchase,
                        order_id="order-1", breakdown=breakdown)  # fmt: skip
    return breakdown, record


def _lines(*returned: tuple[int, int]) -> RefundAsked:
    """Returned lines as (index, quantity)."""
    return RefundAsked(
        lines=tuple(
            ReturnedLine(position, index=index, quantity=quantity)
            for position, (index, quantity) in enumerate(returned)
        )
    )


def _prior(*plans) -> PriorRefunds:
    shares: dict[int, Fraction] = {}
    for plan in plans:
        for index, share in plan.shares:
            shares[index] = shares.get(index, Fraction(0)) + share
    return PriorRefunds(
        sum(p.amount.amount_minor for p in plans), sum(p.points for p in plans), shares
    )


# --- What each line earned ----------------------------------------------------------------


def test_an_excluded_gift_card_earns_nothing_and_the_milk_earns_every_point() -> None:
    breakdown, _ = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    assert breakdown.points == 10
    assert [item.points for item in breakdown.items] == [0, 10]
    assert breakdown.receipt_points == 0


def test_a_category_campaign_adds_its_extra_to_its_own_lines_only() -> None:
    coffee = LineItem("beans", "coffee", 5_000)
    double_coffee = Campaign("coffee x2", EPOCH, multiplier=D(2), categories=("coffee",))
    breakdown, _ = _earn((coffee, MILK), ("c", double_coffee))
    assert breakdown.points == 15 + 5  # base on 150 RUB, and the coffee's 5 doubled
    assert [item.points for item in breakdown.items] == [10, 10]


def test_fixed_and_first_purchase_bonuses_belong_to_the_receipt_not_to_a_line() -> None:
    fixed = Campaign("welcome", EPOCH, bonus_points=50)
    first = Campaign("first x3", EPOCH, multiplier=D(3), first_purchase=True)
    breakdown, _ = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS, ("f", fixed), ("p", first), first=True)
    assert breakdown.receipt_points == 50 + 20
    assert [item.points for item in breakdown.items] == [0, 10]
    assert breakdown.points == 80


def test_a_tier_multiplier_is_shared_by_the_lines_like_the_base() -> None:
    tiers = ("tiers", TierScheme((Tier("blue", 0), Tier("gold", 1000))))
    benefits = (
        singleton_rule_id(RuleKind.TIER_BENEFITS, PARTNER_ID),
        TierBenefits(PARTNER_ID, multipliers={"gold": D(2)}),
    )
    breakdown, _ = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS, tiers, benefits)
    assert [item.points for item in breakdown.items] == [0, 20]


def test_a_cap_cut_leaves_the_lines_what_was_posted() -> None:
    cap = ("cap", Cap(limit_points=7, period=CapPeriod.DAY))
    breakdown, _ = _earn((MILK, MILK), cap)
    assert breakdown.points == 7
    assert sum(item.points for item in breakdown.items) == 7


@given(
    st.lists(st.integers(1, 100_000), min_size=1, max_size=12),
    st.sampled_from(["0.1", "0.03", "1", "0.7"]),
)
def test_lines_always_add_up_to_the_posted_line_points(amounts, earn_rate) -> None:
    lines = tuple(LineItem(f"sku-{i}", "any", amount) for i, amount in enumerate(amounts))
    breakdown = evaluate(_ruleset(), _situation(lines, earn_rate=earn_rate))
    items = breakdown.items
    assert sum(item.points for item in items) + breakdown.receipt_points == breakdown.points
    for item in items:  # each line is its exact share rounded one way or the other
        exact = receipt_lines.exact_value(item.exact_points)
        assert item.points in (int(exact), -(-exact.numerator // exact.denominator))


def test_allocation_gives_the_units_left_to_the_largest_remainders_lowest_index_first() -> None:
    thirds = [Fraction(1, 3)] * 3
    assert receipt_lines.allocate(thirds) == (1, 0, 0)
    assert receipt_lines.allocate([Fraction(5, 2), Fraction(7, 2)]) == (3, 3)


# --- Refunds by line ----------------------------------------------------------------------


def test_returning_the_milk_takes_back_its_10_points_and_the_gift_card_none() -> None:
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    assert plan_earn_refund(earn, _lines((1, 1)), NO_PRIOR_REFUNDS).points == 10
    assert plan_earn_refund(earn, _lines((0, 1)), NO_PRIOR_REFUNDS).points == 0


def test_an_amount_alone_is_charged_against_the_earning_lines_first() -> None:
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    plan = plan_earn_refund(earn, RefundAsked(amount=Money(10_000, RUB)), NO_PRIOR_REFUNDS)
    assert plan.points == 10
    assert plan.shares == ((1, Fraction(1)),)


def test_the_whole_receipt_gives_back_the_receipt_bonuses_too() -> None:
    fixed = Campaign("bonus", EPOCH, bonus_points=50)
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS, ("f", fixed))
    milk = plan_earn_refund(earn, _lines((1, 1)), NO_PRIOR_REFUNDS)
    assert milk.points == 10
    rest = plan_earn_refund(earn, _lines((0, 1)), _prior(milk))
    assert rest.points == 50
    whole = plan_earn_refund(earn, RefundAsked(whole_receipt=True), NO_PRIOR_REFUNDS)
    assert (whole.points, whole.amount.amount_minor) == (60, 100_000)


def test_a_line_returned_beyond_what_was_bought_is_refused_naming_it() -> None:
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    with pytest.raises(RefundExceedsOriginal) as refused:
        plan_earn_refund(earn, _lines((0, 1), (1, 2)), NO_PRIOR_REFUNDS)
    assert refused.value.metadata["field"] == "lines[1]"
    with pytest.raises(RefundExceedsOriginal) as refused:
        plan_earn_refund(earn, _lines((5, 1)), NO_PRIOR_REFUNDS)
    assert refused.value.metadata["field"] == "lines[0]"


def test_a_line_cannot_be_refunded_twice() -> None:
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    milk = plan_earn_refund(earn, _lines((1, 1)), NO_PRIOR_REFUNDS)
    with pytest.raises(RefundExceedsOriginal):
        plan_earn_refund(earn, _lines((1, 1)), _prior(milk))


def test_returning_the_lines_rounded_down_still_charges_their_exact_share() -> None:
    # Ten 5 RUB lines at 0.1 point/RUB: 5 points, one each on five lines, none on the others.
    lines = tuple(LineItem(f"sku-{i}", "any", 500) for i in range(10))
    breakdown, earn = _earn(lines)
    zero_lines = [item.index for item in breakdown.items if item.points == 0]
    plan = plan_earn_refund(earn, _lines(*((i, 1) for i in zero_lines)), NO_PRIOR_REFUNDS)
    assert plan.points == 3  # ceil(5 * 25 / 50): the member keeps 2 of the 5, not 5


def test_returned_lines_are_checked_before_anything_is_read() -> None:
    with pytest.raises(InvalidField) as refused:
        check_asked(RefundAsked(lines=(ReturnedLine(0, index=1, quantity=0),)))
    assert refused.value.field == "lines[0].quantity"
    with pytest.raises(InvalidField) as refused:
        check_asked(RefundAsked(lines=(ReturnedLine(0, index=1, sku="x", quantity=1),)))
    assert refused.value.field == "lines[0].index"
    with pytest.raises(InvalidAmount) as amount_refused:
        check_asked(RefundAsked(lines=(ReturnedLine(0, sku="x", amount_minor=0),)))
    assert amount_refused.value.field == "lines[0].amount_minor"
    with pytest.raises(InvalidField):
        check_asked(RefundAsked(Money(1, RUB), whole_receipt=True))


def test_an_earn_stored_without_lines_refunds_by_amount_as_before() -> None:
    _, earn = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    old = EarnRecord(earn.id, PARTNER_ID, earn.member_id, 10, earn.purchase)
    plan = plan_earn_refund(old, RefundAsked(amount=Money(10_000, RUB)), NO_PRIOR_REFUNDS)
    assert plan.points == 1  # ceil(10 * 100 / 1000)
    with pytest.raises(RefundExceedsOriginal):
        plan_earn_refund(old, _lines((1, 1)), NO_PRIOR_REFUNDS)


_returns = st.lists(
    st.tuples(
        st.integers(0, 5), st.integers(1, 4), st.sampled_from(["quantity", "line", "amount"])
    ),
    min_size=1,
    max_size=30,
)


def _asked(lines, index, size, how, plans) -> RefundAsked | None:
    """A return of ``size`` of line ``index`` (or ``size`` * 97 minor units without a line),
    cut to what is left; ``None`` if nothing is."""
    prior = _prior(*plans)
    if how == "amount":
        exact_left = sum(
            (1 - prior.shares.get(i, Fraction(0))) * line.amount_minor
            for i, line in enumerate(lines)
        )
        amount = min(size * 97, int(exact_left))
        return RefundAsked(Money(amount, RUB)) if amount >= 1 else None
    left = 1 - prior.shares.get(index, Fraction(0))
    item = lines[index]
    if how == "line":
        amount = min(size * 97, int(left * item.amount_minor))
        line = ReturnedLine(0, index=index, amount_minor=amount)
        return RefundAsked(lines=(line,)) if amount >= 1 else None
    quantity = min(size, int(left * item.quantity))
    return _lines((index, quantity)) if quantity >= 1 else None


@given(
    st.lists(st.tuples(st.integers(1, 30_000), st.integers(1, 4)), min_size=1, max_size=6),
    _returns,
    st.booleans(),
)
def test_refunding_every_line_in_any_order_and_split_gives_back_exactly_the_earn(
    bought, returns, with_bonus
) -> None:
    lines = tuple(LineItem(f"sku-{i}", "any", a, quantity=q) for i, (a, q) in enumerate(bought))
    rules = [("f", Campaign("bonus", EPOCH, bonus_points=7))] if with_bonus else []
    _, earn = _earn(lines, *rules)
    plans = []
    for index, size, how in returns:
        if index >= len(lines):
            continue
        asked = _asked(lines, index, size, how, plans)
        if asked is None:
            continue
        plans.append(plan_earn_refund(earn, asked, _prior(*plans)))
        assert 0 <= sum(p.points for p in plans) <= earn.points
        assert sum(p.amount.amount_minor for p in plans) <= earn.purchase.amount_minor
    if not receipt_lines.fully_returned(earn.breakdown.items, _prior(*plans).shares):
        plans.append(plan_earn_refund(earn, RefundAsked(whole_receipt=True), _prior(*plans)))
    assert sum(p.points for p in plans) == earn.points
    assert sum(p.amount.amount_minor for p in plans) == earn.purchase.amount_minor


# --- Tiers --------------------------------------------------------------------------------

SCHEME = TierScheme((Tier("blue", 0), Tier("silver", 1000), Tier("gold", 5000)))


def test_a_refund_crossing_the_tiers_threshold_drops_the_tier_to_what_is_left() -> None:
    assert tier_after_refund(SCHEME, "gold", 5_200, 900) == "blue"
    assert tier_after_refund(SCHEME, "gold", 5_200, 4_000) == "silver"
    assert tier_after_refund(SCHEME, "gold", 5_200, 5_000) is None


def test_a_member_already_below_its_threshold_keeps_the_tier_until_the_review() -> None:
    assert tier_after_refund(SCHEME, "gold", 3_000, 2_000) is None


def test_a_breakdown_stored_before_lines_were_kept_reads_back_without_items() -> None:
    breakdown, _ = _earn((GIFT_CARD, MILK), NO_GIFT_CARDS)
    stored = json.loads(codec.encode(breakdown))
    del stored["items"], stored["receipt_points"]
    old = codec.decode(json.dumps(stored), Breakdown)
    assert (old.items, old.receipt_points, old.points) == ((), 0, 10)
