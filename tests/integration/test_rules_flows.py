"""Rules through the use cases, on SQLite and PostgreSQL: what partners see at the till."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import campaign_budgets, entries
from hub.domain.accounts import COALITION_CAMPAIGNS, partner_issued
from hub.domain.breakdown import ExclusionReason, LineKind
from hub.domain.contacts import Contact
from hub.domain.currencies import currency
from hub.domain.errors import EventLimitReached, InvalidField, MemberNotActive, RuleNotFound
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.domain.purchases import LineItem
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    EventKind,
    EventRule,
    Exclusions,
    Funder,
    ReviewPeriod,
    Tier,
    TierBenefits,
    TierScheme,
    WelcomeBonus,
)
from hub.services.commands import (
    EnrollMember,
    GetBalance,
    GrantEvent,
    ListTransactions,
    PutRule,
    QuoteEarn,
    RefundEarn,
)
from tests.conftest import OPERATOR, START, settings_for
from tests.integration.helpers import (
    authorize,
    capture,
    card,
    earn,
    enroll,
)

EUR = currency("EUR")
EUR_LINES = (
    LineItem("latte", "coffee", 800),
    LineItem("cigarettes", "tobacco", 1200),
)


def put(hub: bootstrap.Hub, definition: object, rule_id: str = "", **options: object) -> None:
    command = PutRule(rule_id, definition, changed_by=OPERATOR, **options)  # type: ignore[arg-type]
    hub.operator.put_rule(command)


def double_points(**overrides: object) -> Campaign:
    fields: dict[str, object] = {
        "label": "Double points",
        "starts_at": START,
        "multiplier": Decimal(2),
        "partner_id": "coffee",
    }
    fields.update(overrides)
    return Campaign(**fields)  # type: ignore[arg-type]


def tiers(hub: bootstrap.Hub, silver: int = 100) -> None:
    put(hub, TierScheme((Tier("base", 0), Tier("silver", silver)), review=ReviewPeriod.MONTH))
    put(hub, TierBenefits("coffee", multipliers={"silver": Decimal(2)}))


def balance(hub: bootstrap.Hub, member: object) -> object:
    return hub.partner_api().balance(GetBalance("coffee", member))  # type: ignore[arg-type]


def account_balance(hub: bootstrap.Hub, account_id: uuid.UUID) -> int:
    with hub.engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(entries.c.amount_points), 0)).where(
                entries.c.account_id == account_id
            )
        ).scalar_one()
    return int(total)


def test_quote_and_earn_give_the_same_breakdown_which_the_transaction_keeps(hub, coffee):
    put(hub, Exclusions("coffee", earn_categories=("tobacco",)))
    put(hub, double_points(), "double-nov")
    enroll(hub)
    quote = hub.partner_api().quote_earn(QuoteEarn("coffee", card(), Money(2000, EUR), EUR_LINES))
    earned = earn(hub, card(), 2000, line_items=EUR_LINES)
    assert quote.breakdown == earned.breakdown
    breakdown = earned.breakdown
    assert breakdown is not None
    assert (breakdown.points, breakdown.eligible_minor) == (16, 800)
    assert [(line.kind, line.points) for line in breakdown.lines] == [
        (LineKind.BASE, 8),
        (LineKind.CAMPAIGN, 8),
    ]
    [excluded] = breakdown.excluded
    assert (excluded.sku, excluded.reason) == ("cigarettes", ExclusionReason.CATEGORY)
    [stored] = hub.partner_api().transactions(ListTransactions("coffee", card(), 10)).transactions
    assert stored.breakdown == breakdown


def test_a_rule_change_does_not_rewrite_a_stored_breakdown(hub, coffee, clock):
    put(hub, double_points(), "double-nov")
    enroll(hub)
    earned = earn(hub, card(), 1000)
    put(hub, double_points(multiplier=Decimal(3)), "double-nov")
    [stored] = hub.partner_api().transactions(ListTransactions("coffee", card(), 10)).transactions
    assert stored.breakdown == earned.breakdown
    assert earn(hub, card(), 1000).points == 30


def test_the_earn_that_crosses_the_threshold_upgrades_and_the_next_earn_gets_the_multiplier(
    hub, coffee
):
    tiers(hub, silver=100)
    enroll(hub)
    assert balance(hub, card()).tier.tier == "base"
    first = earn(hub, card(), 9900)
    assert (first.points, first.breakdown.tier, first.breakdown.tier_after) == (99, "base", "")
    crossing = earn(hub, card(), 100)
    assert (crossing.breakdown.tier, crossing.breakdown.tier_after) == ("base", "silver")
    after = earn(hub, card(), 1000)
    assert after.points == 20
    assert [line.kind for line in after.breakdown.lines] == [LineKind.BASE, LineKind.TIER]
    tier = balance(hub, card()).tier
    assert (tier.tier, tier.next_tier, tier.qualifying, tier.to_next_tier) == ("silver", "", 120, 0)


def test_a_tier_review_downgrades_at_the_period_start_once(hub, coffee, clock):
    tiers(hub, silver=100)
    enroll(hub)
    earn(hub, card(), 10_000)
    earn(hub, card(), 100)
    assert balance(hub, card()).tier.tier == "silver"
    assert hub.operator.sweep().tiers_changed == 0  # still qualifies this period
    clock.advance(timedelta(days=400))
    assert hub.operator.sweep().tiers_changed == 1
    assert balance(hub, card()).tier.tier == "base"
    assert hub.operator.sweep().tiers_changed == 0


def test_a_coalition_funded_campaign_is_issued_by_the_coalition_and_refunded_to_it(hub, coffee):
    put(hub, double_points(funder=Funder.COALITION), "coalition-double")
    enroll(hub)
    earned = earn(hub, card(), 1000)
    assert (earned.points, earned.breakdown.coalition_funded_points) == (20, 10)
    assert account_balance(hub, COALITION_CAMPAIGNS.id) == -10
    assert account_balance(hub, partner_issued("coffee").id) == -10
    refund = RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, Money(1000, EUR))
    hub.partner_api().refund_earn(refund)
    assert account_balance(hub, COALITION_CAMPAIGNS.id) == 0
    assert account_balance(hub, partner_issued("coffee").id) == 0


def test_a_monthly_cap_cuts_what_is_beyond_it_and_says_so(hub, coffee):
    put(hub, Cap(CapPeriod.MONTH, 150), "monthly-150")
    enroll(hub)
    assert earn(hub, card(), 10_000).points == 100
    capped = earn(hub, card(), 10_000)
    assert capped.points == 50
    [cut] = capped.breakdown.caps
    assert (cut.rule_id, cut.limit_points, cut.cut_points) == ("monthly-150", 150, 50)
    assert earn(hub, card(), 10_000).points == 0


def test_a_campaign_stops_by_itself_when_its_budget_is_spent(hub, coffee):
    put(hub, double_points(budget_points=15), "budgeted")
    enroll(hub)
    assert earn(hub, card(), 1000).points == 20
    limited = earn(hub, card(), 1000)
    assert limited.points == 15
    assert limited.breakdown.lines[-1].note == "budget"
    assert earn(hub, card(), 1000).points == 10
    assert hub.operator.rule_history("budgeted").budget_spent_points == 15


def test_first_purchase_and_birthday_campaigns(hub, coffee, clock):
    put(hub, double_points(bonus_points=50, multiplier=None, first_purchase=True), "first")
    put(
        hub,
        double_points(label="Birthday", multiplier=Decimal(3), birthday=True),
        "birthday",
    )
    today = clock.now().date()
    born = date(1990, today.month, today.day)
    command = EnrollMember("coffee", uuid.uuid4().hex, (card(),), Contact(birth_date=born))
    hub.partner_api().enroll(command)
    first = earn(hub, card(), 1000)
    assert {line.rule_id: line.points for line in first.breakdown.lines} == {
        "": 10,
        "birthday": 20,
        "first": 50,
    }
    clock.advance(timedelta(days=1))
    assert earn(hub, card(), 1000).points == 10


def test_a_welcome_bonus_is_credited_at_enrollment(hub, coffee):
    put(hub, WelcomeBonus(50), "welcome")
    member = enroll(hub)
    assert member.welcome_points == 50
    assert balance(hub, card()).available_points == 50
    assert account_balance(hub, COALITION_CAMPAIGNS.id) == -50


def grant(hub, member, event, referred=None):
    command = GrantEvent("coffee", uuid.uuid4().hex, member, event, referred)
    return hub.partner_api().grant_event(command)


def test_event_bonuses_stay_within_their_per_member_limit(hub, coffee):
    put(hub, EventRule("coffee", EventKind.REVIEW, 20, max_per_member=1), "review")
    enroll(hub)
    granted = grant(hub, card(), EventKind.REVIEW)
    assert (granted.points, granted.rule_id, granted.funder) == (20, "review", Funder.PARTNER)
    with pytest.raises(EventLimitReached):
        grant(hub, card(), EventKind.REVIEW)
    with pytest.raises(RuleNotFound):
        grant(hub, card(), EventKind.PROFILE_COMPLETED)
    [bonus] = hub.partner_api().transactions(ListTransactions("coffee", card(), 10)).transactions
    assert (bonus.kind, bonus.points) == (TransactionKind.BONUS, 20)


def test_a_referral_rewards_both_sides_and_a_member_is_referred_once(hub, coffee):
    rule = EventRule("coffee", EventKind.REFERRAL, 100, max_per_member=5, referee_points=30)
    put(hub, rule, "referral")
    referrer = enroll(hub)
    referee = enroll(hub, "coffee", card("50005000"))
    other = enroll(hub, "coffee", card("60006000"))
    granted = grant(hub, referrer.member_id, EventKind.REFERRAL, referee.member_id)
    assert (granted.points, granted.referee_points) == (100, 30)
    assert balance(hub, referee.member_id).available_points == 30
    with pytest.raises(EventLimitReached):
        grant(hub, other.member_id, EventKind.REFERRAL, referee.member_id)
    with pytest.raises(InvalidField):
        grant(hub, referrer.member_id, EventKind.REFERRAL, referrer.member_id)
    with pytest.raises(InvalidField):
        grant(hub, referrer.member_id, EventKind.REFERRAL)


def test_a_tier_with_a_better_burn_value_pays_more_per_point(hub, coffee):
    put(hub, TierScheme((Tier("base", 0), Tier("gold", 10))))
    put(hub, TierBenefits("coffee", burn_values={"gold": Decimal("0.02")}))
    enroll(hub)
    earn(hub, card(), 50_000)
    hold = authorize(hub, card(), 100)
    assert hold.value.amount_minor == 200
    assert capture(hub, hold.hold_id).value.amount_minor == 200


def test_another_replica_sees_a_rule_change_at_its_next_call(hub, coffee, database_url, clock):
    replica = bootstrap.build(settings_for(database_url), clock=clock)
    try:
        enroll(hub)
        assert earn(replica, card(), 1000).points == 10
        put(hub, double_points(), "double-nov")
        assert earn(replica, card(), 1000).points == 20
    finally:
        replica.close()


def test_a_frozen_member_gets_no_event_bonus(hub, coffee):
    put(hub, EventRule("coffee", EventKind.REVIEW, 20, max_per_member=1), "review")
    enroll(hub)
    with hub.engine.begin() as connection:
        connection.execute(sa.text("UPDATE members SET status = 'frozen'"))
    with pytest.raises(MemberNotActive):
        grant(hub, card(), EventKind.REVIEW)


def test_scheduled_rules_take_effect_at_their_time(hub, coffee, clock):
    tomorrow = clock.now() + timedelta(days=1)
    put(hub, double_points(starts_at=START), "double", effective_from=tomorrow)
    enroll(hub)
    assert earn(hub, card(), 1000).points == 10
    clock.advance(timedelta(days=1))
    assert earn(hub, card(), 1000).points == 20


@pytest.mark.postgres
def test_concurrent_earns_never_overspend_a_campaign_budget(pg_url, clock):
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import add_partner

    racers = 16
    wired = bootstrap.build(replace(settings_for(pg_url), threads=racers + 2), clock=clock)
    try:
        add_partner(wired, "coffee")
        put(wired, double_points(multiplier=None, bonus_points=7, budget_points=50), "budget")
        members = [card(f"{7000_0000 + i}") for i in range(racers)]
        for member in members:
            enroll(wired, "coffee", member)
        with ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(lambda m: earn(wired, m, 1000), members))
        bonuses = sum(result.points - 10 for result in results)
        assert bonuses == 50
        with wired.engine.connect() as connection:
            spent = connection.execute(sa.select(campaign_budgets.c.spent_points)).scalar_one()
        assert spent == 50
        assert wired.operator.verify_ledger().violations == ()
    finally:
        wired.close()
