"""The typed errors a till gets when a redemption cannot go through; nothing is posted."""

from __future__ import annotations

from functools import partial

from hub.cli.demo.output import expect
from hub.cli.demo.partners import PARTNERS_BY_ID, new_order_id
from hub.cli.demo.redemptions import Outcome, Redemption
from partner_sdk import (
    Hold,
    HoldAlreadyCaptured,
    HoldExpired,
    HubClient,
    Identifier,
    InsufficientPoints,
)


def show_till_errors(clients: dict[str, HubClient], redemptions: list[Redemption]) -> None:
    print("\nWhat a till gets when a redemption cannot go through (typed errors, nothing posted)")
    captured = next(r for r in redemptions if r.outcome is Outcome.CAPTURE)
    expired = next(r for r in redemptions if r.outcome is Outcome.ABANDON)
    capture_again = partial(clients[captured.partner.partner_id].capture, captured.hold.hold_id)
    capture_late = partial(clients[expired.partner.partner_id].capture, expired.hold.hold_id)
    expect(HoldAlreadyCaptured, "capturing a hold a second time", capture_again)
    expect(HoldExpired, "capturing a hold after it expired", capture_late)
    overdraw = partial(_overdraw, clients["airline"], captured.card)
    expect(InsufficientPoints, "holding more points than there are", overdraw)


def _overdraw(airline: HubClient, card: Identifier) -> Hold:
    points = airline.balance(card).available_points + 1
    # A receipt twice the points' value, so the burn rules allow them and only the balance
    # refuses.
    value = airline.quote_burn(points=points).value
    return airline.authorize(
        card,
        amount_minor=max(2 * value.amount_minor, 100),
        currency=value.currency,
        order_id=new_order_id(PARTNERS_BY_ID["airline"]),
        points=points,
    )
