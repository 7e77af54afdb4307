"""Rules at the till: the operator sets tiers, exclusions, a double-points week, a welcome and a
review bonus; a new member's receipts show every point, a tier upgrade, and what ends with the
campaign."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hub import bootstrap
from hub.cli.common import print_table
from hub.cli.demo.output import DemoError, money
from hub.cli.demo.partners import PARTNERS_BY_ID, new_order_id
from hub.domain.rules import (
    Campaign,
    EventKind,
    EventRule,
    Exclusions,
    Funder,
    Tier,
    TierBenefits,
    TierScheme,
    WelcomeBonus,
)
from hub.services.commands import Attribution, EndRule, ListRules, PutRule
from partner_sdk import Breakdown, HubClient, Identifier, LineItem

CAMPAIGN_ID = "coffee-double-week"
RULES_OPERATOR = Attribution("spiffe://coalition.hub/staff/admin/demo", "demo earning rules")
RECEIPT_WIDTH = 44


def set_up_rules(hub: bootstrap.Hub, now: datetime) -> None:
    """What an operator does with ``hub rules``: tiers, coffee's benefits and exclusions, a
    coalition-funded double-points week, a welcome bonus and a review bonus."""
    definitions: list[tuple[str, object]] = [
        ("", TierScheme((Tier("base", 0), Tier("silver", 300), Tier("gold", 1500)))),
        (
            "",
            TierBenefits(
                "coffee",
                multipliers={"silver": Decimal("1.5"), "gold": Decimal(2)},
                burn_values={"gold": Decimal("0.6")},
            ),
        ),
        (
            "",
            Exclusions(
                "coffee",
                earn_categories=("gift-cards",),
                discounted_earn=False,
                burn_categories=("gift-cards",),
            ),
        ),
        (
            CAMPAIGN_ID,
            Campaign(
                "Double points week",
                starts_at=now,
                ends_at=now + timedelta(days=7),
                multiplier=Decimal(2),
                partner_id="coffee",
                priority=10,
                budget_points=50_000,
                funder=Funder.COALITION,
            ),
        ),
        ("welcome", WelcomeBonus(50, Funder.COALITION)),
        ("coffee-review", EventRule("coffee", EventKind.REVIEW, 25, max_per_member=1)),
    ]
    for rule_id, definition in definitions:
        command = PutRule(rule_id, definition, changed_by=RULES_OPERATOR)  # type: ignore[arg-type]
        hub.operator.put_rule(command)
    listed = hub.operator.list_rules(ListRules())
    print("\nRules in force (set as `hub rules ...` would)")
    print_table(
        ("rule", "kind", "partner", "version"),
        [(v.rule_id, v.kind.value, v.partner_id or "all", v.version) for v in listed.in_force],
    )


def show_rules_at_the_till(hub: bootstrap.Hub, coffee: HubClient) -> None:
    card = Identifier.card("7999000000000001")
    member = coffee.enroll(card)
    print(f"\nA new member enrols at coffee: welcome bonus {member.welcome_points} points")
    basket = [
        LineItem("latte", "coffee", 45_000),
        LineItem("gift-card-1000", "gift-cards", 100_000),
        LineItem("croissant", "pastry", 15_000, discounted=True),
    ]
    first = _quote_then_earn(coffee, card, basket, "Quote and receipt: latte, gift card, croissant")
    big = [LineItem("beans-1kg", "coffee", 300_000)]
    crossing = _quote_then_earn(coffee, card, big, "A kilo of beans crosses the silver threshold")
    if crossing.tier_after != "silver" or first.tier_after:
        raise DemoError(f"expected an upgrade to silver, got {crossing.tier_after!r}")
    _quote_then_earn(coffee, card, [LineItem("latte", "coffee", 50_000)], "Next latte, at silver")
    grant = coffee.grant_event(card, "review")
    print(f"\nThe member reviews the shop: +{grant.points} points ({grant.rule_id})")
    _end_campaign(hub, coffee, card)
    tier = coffee.balance(card).tier
    if tier is not None:
        print(
            f"Balance: {coffee.balance(card).available_points} points, tier {tier.tier}, "
            f"{tier.to_next_tier} qualifying points to {tier.next_tier or 'the top'}"
        )


def _quote_then_earn(
    coffee: HubClient, card: Identifier, basket: list[LineItem], title: str
) -> Breakdown:
    total = sum(line.amount_minor for line in basket)
    quote = coffee.quote_earn(amount_minor=total, currency="RUB", member=card, line_items=basket)
    earned = coffee.earn(
        card,
        amount_minor=total,
        currency="RUB",
        order_id=new_order_id(PARTNERS_BY_ID["coffee"]),
        line_items=basket,
    )
    if quote.breakdown != earned.breakdown or earned.breakdown is None:
        raise DemoError("the earn did not post what the quote promised")
    print(f"\n{title} ({money(total, 'RUB')})")
    for line in earned.breakdown.receipt_lines(width=RECEIPT_WIDTH):
        print(f"  | {line}")
    print(f"  earn posted {earned.points} points: exactly what the quote promised")
    return earned.breakdown


def _end_campaign(hub: bootstrap.Hub, coffee: HubClient, card: Identifier) -> None:
    latte = [LineItem("latte", "coffee", 50_000)]
    before = coffee.quote_earn(amount_minor=50_000, currency="RUB", member=card, line_items=latte)
    hub.operator.end_rule(EndRule(CAMPAIGN_ID, changed_by=RULES_OPERATOR))
    after = coffee.quote_earn(amount_minor=50_000, currency="RUB", member=card, line_items=latte)
    print(
        f"The operator ends the double-points week: a latte now earns {after.points} points "
        f"instead of {before.points}; past receipts keep their breakdown"
    )
