"""Members redeem elsewhere: holds authorized, then captured, partly captured, voided or left."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from hub.cli.common import print_table
from hub.cli.demo.clock import PAST_HOLD_LIFETIME, BusinessTime
from hub.cli.demo.output import card_label, money
from hub.cli.demo.partners import PARTNERS, DemoPartner, new_order_id
from hub.cli.demo.shopping import Receipt
from partner_sdk import Capture, Hold, HubClient, Identifier


class Outcome(StrEnum):
    """What the till does with a hold once it is authorized."""

    CAPTURE = "captured"
    PARTIAL = "partly captured"
    VOID = "voided"
    ABANDON = "abandoned"
    """The till never comes back; the hold expires."""


REDEMPTION_PLAN = (
    (Outcome.CAPTURE,) * 5 + (Outcome.PARTIAL,) * 2 + (Outcome.VOID,) * 2 + (Outcome.ABANDON,) * 3
)
REDEEMER_POINTS_MIN = 100
"""Members with fewer available points sit the redemptions out."""
PARTIAL_CAPTURE_PERCENT = 60


@dataclass(frozen=True)
class Redemption:
    """A hold a member placed, what the till did with it, and the hold as it ended."""

    card: Identifier
    earned_mostly_at: str
    partner: DemoPartner
    outcome: Outcome
    hold: Hold
    capture: Capture | None = None


def redeem(
    clients: dict[str, HubClient],
    receipts: list[Receipt],
    cards: list[Identifier],
    excluded: set[Identifier],
    rng: random.Random,
) -> list[Redemption]:
    print("\nMembers redeem at a partner other than the one where they earned most")
    redeemers = _redeemers(clients["coffee"], cards, excluded, rng)
    redemptions = [
        _authorize(clients, card, _earned_mostly_at(receipts, card), outcome, rng)
        for card, outcome in zip(redeemers, REDEMPTION_PLAN, strict=False)
    ]
    resolved = [_resolve(clients, redemption) for redemption in redemptions]
    counts = Counter(redemption.outcome.value for redemption in resolved)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    print(f"  {len(resolved)} holds authorized, then {summary} (by a till that never came back)")
    return resolved


def _redeemers(
    client: HubClient, cards: list[Identifier], excluded: set[Identifier], rng: random.Random
) -> list[Identifier]:
    candidates = [
        card
        for card in cards
        if card not in excluded and client.balance(card).available_points >= REDEEMER_POINTS_MIN
    ]
    rng.shuffle(candidates)
    return candidates[: len(REDEMPTION_PLAN)]


def _earned_mostly_at(receipts: list[Receipt], card: Identifier) -> str:
    points: Counter[str] = Counter()
    for receipt in receipts:
        if receipt.card == card:
            points[receipt.partner.partner_id] += receipt.earned.points
    return points.most_common(1)[0][0]


def _authorize(
    clients: dict[str, HubClient],
    card: Identifier,
    earned_mostly_at: str,
    outcome: Outcome,
    rng: random.Random,
) -> Redemption:
    partner = rng.choice([p for p in PARTNERS if p.partner_id != earned_mostly_at])
    till = clients[partner.partner_id]
    receipt_minor = rng.randint(*partner.basket_minor)
    # Points pay up to half the receipt and use at most half the member's points, so the
    # partner's burn rules and the balance both allow it.
    half = till.quote_burn(amount_minor=receipt_minor // 2, currency=partner.currency)
    points = min(half.points, till.balance(card).available_points // 2)
    hold = till.authorize(
        card,
        amount_minor=receipt_minor,
        currency=partner.currency,
        order_id=new_order_id(partner),
        points=points,
    )
    return Redemption(card, earned_mostly_at, partner, outcome, hold)


def _resolve(clients: dict[str, HubClient], redemption: Redemption) -> Redemption:
    till, hold = clients[redemption.partner.partner_id], redemption.hold
    if redemption.outcome is Outcome.CAPTURE:
        return replace(redemption, capture=till.capture(hold.hold_id))
    if redemption.outcome is Outcome.PARTIAL:
        points = max(1, hold.points * PARTIAL_CAPTURE_PERCENT // 100)
        return replace(redemption, capture=till.capture(hold.hold_id, points=points))
    if redemption.outcome is Outcome.VOID:
        till.void(hold.hold_id)
    return redemption


def expire_holds(
    hub_time: BusinessTime, clients: dict[str, HubClient], redemptions: list[Redemption]
) -> list[Redemption]:
    minutes = PAST_HOLD_LIFETIME // timedelta(minutes=1)
    hub_time.advance(PAST_HOLD_LIFETIME, f"{minutes} minutes later, past the holds' lifetime")
    return [
        replace(r, hold=clients[r.partner.partner_id].get_hold(r.hold.hold_id)) for r in redemptions
    ]


def show_redemptions(redemptions: list[Redemption]) -> None:
    print("\nRedemptions (values in the redeeming partner's currency)")
    headers = ("member", "earned mostly at", "redeemed at", "held", "held value", "hold")
    print_table((*headers, "captured", "captured value"), map(_redemption_row, redemptions))


def _redemption_row(redemption: Redemption) -> tuple[object, ...]:
    hold, capture = redemption.hold, redemption.capture
    return (
        card_label(redemption.card),
        redemption.earned_mostly_at,
        redemption.partner.partner_id,
        hold.points,
        money(hold.value.amount_minor, hold.value.currency),
        hold.status.value,
        capture.captured_points if capture else 0,
        money(capture.value.amount_minor, capture.value.currency) if capture else None,
    )
