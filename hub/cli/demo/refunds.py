"""Refunds: points follow the money back, spent points become debt that the next earn pays off."""

from __future__ import annotations

from dataclasses import dataclass

from hub.cli.common import print_table
from hub.cli.demo.output import DemoError, card_label, money
from hub.cli.demo.partners import PARTNERS_BY_ID, new_order_id
from hub.cli.demo.redemptions import Outcome, Redemption
from hub.cli.demo.shopping import Receipt, purchase
from partner_sdk import HubClient, Identifier, LineItem, ReturnedLine

REDEMPTION_REFUND_PERCENT = 30
RETURNED_FUEL_MINOR = 6_000


@dataclass(frozen=True)
class RefundPlan:
    """Receipts of three different members, kept out of the redemptions so that what a refund
    takes back depends only on the story told for it."""

    in_full: Receipt
    partly: Receipt
    spent: Receipt
    """Its member spends every point before this purchase is refunded."""

    def cards(self) -> set[Identifier]:
        return {self.in_full.card, self.partly.card, self.spent.card}


def plan_refunds(receipts: list[Receipt]) -> RefundPlan:
    taken: set[Identifier] = set()
    picks = []
    for partner_id in ("coffee", "fuel", "airline"):
        receipt = next(
            r for r in receipts if r.partner.partner_id == partner_id and r.card not in taken
        )
        taken.add(receipt.card)
        picks.append(receipt)
    return RefundPlan(*picks)


def refund_receipts(
    clients: dict[str, HubClient], plan: RefundPlan, redemptions: list[Redemption]
) -> None:
    print("\nRefunds: points follow the money back; points already spent become debt")
    spent_points = _spend_everything(clients["coffee"], plan.spent.card)
    print(
        f"  {card_label(plan.spent.card)} spends all {spent_points:,} of their points at coffee; "
        "then the airline refunds their ticket"
    )
    # Bought and returned the same day: inside the fuel partner's 48 h window, still pending.
    returned = purchase(clients, plan.partly.partner, plan.partly.card, RETURNED_FUEL_MINOR)
    refunds = [
        ("in full", plan.in_full, plan.in_full.amount_minor),
        ("a third", plan.partly, plan.partly.amount_minor // 3),
        ("in full", returned, returned.amount_minor),
        ("in full", plan.spent, plan.spent.amount_minor),
    ]
    rows = [
        _refund_earn(clients, receipt, how, amount_minor) for how, receipt, amount_minor in refunds
    ]
    headers = ("member", "receipt", "refunded", "points reversed", "from pending")
    print_table((*headers, "from available", "became debt"), rows)
    _pay_off_debt(clients["airline"], plan.spent)
    _refund_redemption(clients, redemptions)


def show_refund_of_one_line(coffee: HubClient) -> None:
    """A receipt of a gift card (which earns nothing at coffee) and a latte: returning the gift
    card moves no points, returning the latte takes back exactly the latte's."""
    card = Identifier.card("7999000000000002")
    coffee.enroll(card)
    order_id = new_order_id(PARTNERS_BY_ID["coffee"])
    basket = [LineItem("gift-card-900", "gift-cards", 90_000), LineItem("latte", "coffee", 10_000)]
    earned = coffee.earn(card, amount_minor=100_000, currency="RUB", order_id=order_id,
                         line_items=basket)  # fmt: skip
    by_line = [item.points for item in earned.breakdown.items] if earned.breakdown else []
    gift = coffee.refund_earn(
        order_id=order_id, lines=[ReturnedLine(sku="gift-card-900", quantity=1)]
    )
    latte = coffee.refund_earn(order_id=order_id, lines=[ReturnedLine(sku="latte", quantity=1)])
    print(
        f"\nRefunds by line ({order_id}): a gift card and a latte earn {earned.points} points, "
        f"{by_line} by line; returning the gift card takes back {gift.points_reversed}, "
        f"the latte {latte.points_reversed}"
    )
    if gift.points_reversed != 0 or gift.points_reversed + latte.points_reversed != earned.points:
        raise DemoError("a returned line did not give back exactly what it earned")


def show_void_paying_debt(coffee: HubClient, airline: HubClient) -> None:
    """Debt first: points held at the airline, their earn refunded at coffee (a debt, as they
    are held), then the hold voided: the points pay the debt, not the member's next ticket."""
    card = Identifier.card("7999000000000003")
    coffee.enroll(card)
    order_id = new_order_id(PARTNERS_BY_ID["coffee"])
    earned = coffee.earn(card, amount_minor=100_000, currency="RUB", order_id=order_id)
    hold = airline.authorize(
        card,
        amount_minor=60_000,
        currency="USD",
        order_id=new_order_id(PARTNERS_BY_ID["airline"]),
        points=earned.points,
    )
    owed = coffee.refund_earn(earned.transaction_id, amount_minor=100_000, currency="RUB")
    voided = airline.void(hold.hold_id)
    after = coffee.balance(card)
    print(
        f"\nDebt first ({card_label(card)}): {earned.points} points earned at coffee are held at "
        f"the airline; coffee refunds the purchase, and the points it finds held leave a debt "
        f"of {owed.debt_points}; the airline voids the hold: {voided.debt_paid_points} of the "
        f"{hold.points} points pay the debt first (now {after.available_points} available, "
        f"{after.debt_points} debt)"
    )
    if after.debt_points or voided.debt_paid_points != owed.debt_points:
        raise DemoError("a void gave the member points back before paying their debt")


def _spend_everything(coffee: HubClient, card: Identifier) -> int:
    points = coffee.balance(card).available_points
    value = coffee.quote_burn(points=points).value
    hold = coffee.authorize(
        card,
        amount_minor=2 * value.amount_minor,
        currency=value.currency,
        order_id=new_order_id(PARTNERS_BY_ID["coffee"]),
        points=points,
    )
    return coffee.capture(hold.hold_id).captured_points


def _refund_earn(
    clients: dict[str, HubClient], receipt: Receipt, how: str, amount_minor: int
) -> tuple[object, ...]:
    partner = receipt.partner
    refund = clients[partner.partner_id].refund_earn(
        receipt.earned.transaction_id, amount_minor=amount_minor, currency=partner.currency
    )
    return (
        card_label(receipt.card),
        f"{partner.partner_id} {money(receipt.amount_minor, partner.currency)}",
        f"{how}, {money(amount_minor, partner.currency)}",
        refund.points_reversed,
        refund.pending_points_cancelled,
        refund.available_points_reversed,
        refund.debt_points,
    )


def _pay_off_debt(airline: HubClient, spent: Receipt) -> None:
    owed = airline.balance(spent.card).debt_points
    # They fly again: a ticket twice the refunded one earns more than the debt.
    earned = airline.earn(
        spent.card,
        amount_minor=2 * spent.amount_minor,
        currency=spent.partner.currency,
        order_id=new_order_id(spent.partner),
    )
    after = airline.balance(spent.card)
    print(
        f"  {card_label(spent.card)} owed {owed:,} points of debt; their next flight earns "
        f"{earned.points:,}: {earned.debt_paid_points:,} pay the debt off, "
        f"{earned.points - earned.debt_paid_points:,} are theirs "
        f"(now {after.available_points:,} available, {after.debt_points:,} debt)"
    )


def _refund_redemption(clients: dict[str, HubClient], redemptions: list[Redemption]) -> None:
    redemption, capture = next(
        (r, r.capture) for r in redemptions if r.outcome is Outcome.CAPTURE and r.capture
    )
    points = max(1, capture.captured_points * REDEMPTION_REFUND_PERCENT // 100)
    till = clients[redemption.partner.partner_id]
    refund = till.refund_redemption(redemption.hold.hold_id, points=points)
    print(
        f"  {redemption.partner.partner_id} refunds part of a redemption: "
        f"{refund.points_returned:,} of {capture.captured_points:,} captured points "
        f"go back to {card_label(redemption.card)} ({refund.points_expired} had expired meanwhile)"
    )
