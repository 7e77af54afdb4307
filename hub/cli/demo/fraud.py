"""A fraud ring at the till, caught by the fraud checks and worked by an analyst.

A barista at a coffee shop swipes a ring member's card on customers' catering orders (one card
on many receipts of one cashier); three ring members share one phone number; minutes after the
last receipt the card pays for a flight (a burn right after an earn elsewhere, from another
continent). The checks flag the receipts, refuse the sixth, and hold the flight's redemption
for review. The analyst works the queue: looks at the account, freezes it, declines the hold,
annuls the points and resolves the flags. One ring member's flags are left open for ``hub
fraud`` to work from the command line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fraud.thresholds import FraudThresholds, Threshold
from hub import bootstrap
from hub.cli.demo.output import DemoError, card_label, expect
from hub.cli.demo.partners import PARTNERS_BY_ID, new_order_id
from hub.cli.fraud import print_queue, print_report
from hub.domain.contacts import Contact
from hub.domain.flags import Flag, FlagStatus
from hub.domain.holds import HoldStatus as DomainHoldStatus
from hub.domain.members import Identifier as DomainIdentifier
from hub.domain.members import IdentifierKind
from hub.services.commands import (
    AnnulPoints,
    Attribution,
    DeclineHold,
    EnrollMember,
    FraudReport,
    FreezeMember,
    GetAccount,
    ListFlags,
    PutRule,
    ResolveFlag,
)
from partner_sdk import (
    FraudDeclined,
    HoldInReview,
    HoldStatus,
    HubClient,
    Identifier,
    MemberNotActive,
    PointOfSale,
)

RING_PHONE = "+79161234567"
RING_CARDS = ("6390000000001313", "6390000000002424", "6390000000003535")
BARISTA = PointOfSale(
    channel="pos",
    store_id="coffee-tverskaya",
    terminal_id="T-2",
    cashier_id="B-13",
    latitude="55.7650",
    longitude="37.6050",
)
AIRPORT = PointOfSale(
    channel="pos", store_id="jfk-t4", terminal_id="K-9", latitude="40.6446", longitude="-73.7797"
)
CATERING_ORDER_MINOR = 150_000  # 1,500 RUB: 150 points at coffee
FLIGHT_POINTS = 600
THRESHOLDS_OPERATOR = Attribution(
    "spiffe://coalition.hub/staff/admin/demo", "demo fraud thresholds"
)
ANALYST = "spiffe://coalition.hub/staff/analyst/demo"


@dataclass(frozen=True, slots=True)
class Ring:
    cards: tuple[Identifier, ...]
    member_ids: tuple[uuid.UUID, ...]


def show_fraud_ring(hub: bootstrap.Hub, clients: dict[str, HubClient]) -> None:
    print("\nA fraud ring at the till, and an analyst's work on it")
    _set_thresholds(hub)
    ring = _enroll_ring(hub)
    _swipe_on_customers_receipts(clients["coffee"], ring.cards[0], receipts=6)
    _swipe_on_customers_receipts(clients["coffee"], ring.cards[1], receipts=2)
    hold_id = _fly_on_the_points(clients["airline"], ring.cards[0])
    _work_the_queue(hub, ring, hold_id)
    expect(
        MemberNotActive,
        "the frozen card at the till",
        lambda: _receipt(clients["coffee"], ring.cards[0]),
    )
    today = hub.clock.now().astimezone(hub.zone).date()
    print(f"\nFraud report for {today}, per partner and rule")
    print_report(hub.fraud_api().report(FraudReport(today)))
    print(
        f"  left open for `hub fraud` (after `hub demo --keep DIR`): {card_label(ring.cards[1])}, "
        f"member {ring.member_ids[1]}; `hub fraud report --date {today}`"
    )


def _set_thresholds(hub: bootstrap.Hub) -> None:
    """What an operator does with ``hub rules fraud``: coffee reviews a card on 3 receipts of
    one cashier in a day and refuses the 6th; the airline reviews a burn of 200 points or more
    within 15 minutes of an earn elsewhere."""
    for definition in (
        FraudThresholds(partner_id="coffee", cashier_card_receipts=Threshold(3, 6)),
        FraudThresholds(partner_id="airline", earn_then_burn_points=Threshold(200)),
    ):
        hub.operator.put_rule(PutRule("", definition, changed_by=THRESHOLDS_OPERATOR))
    print("  thresholds: coffee reviews one card on 3 receipts of one cashier, refuses the 6th;")
    print("  the airline reviews 200+ points burned within 15 minutes of an earn elsewhere")


def _enroll_ring(hub: bootstrap.Hub) -> Ring:
    """Three sign-ups on the coffee app, each with its own card and the same phone number."""
    members = []
    for number in RING_CARDS:
        card = DomainIdentifier.parse(IdentifierKind.CARD, number)
        enrolled = hub.partner_api().enroll(
            EnrollMember("coffee", uuid.uuid4().hex, (card,), Contact.parse(phone=RING_PHONE))
        )
        members.append(enrolled.member_id)
    print(f"  {len(members)} members sign up at coffee, each with the phone number {RING_PHONE}")
    return Ring(tuple(Identifier.card(number) for number in RING_CARDS), tuple(members))


def _receipt(client: HubClient, card: Identifier) -> int:
    partner = PARTNERS_BY_ID["coffee"]
    earned = client.earn(
        card,
        amount_minor=CATERING_ORDER_MINOR,
        currency=partner.currency,
        order_id=new_order_id(partner),
        point_of_sale=BARISTA,
    )
    return earned.points


def _swipe_on_customers_receipts(client: HubClient, card: Identifier, *, receipts: int) -> None:
    """Barista B-13 puts the ring's card on customers' catering orders."""
    outcomes = []
    for _ in range(receipts):
        try:
            outcomes.append(f"+{_receipt(client, card)}")
        except FraudDeclined:
            outcomes.append("FRAUD_DECLINED")
    print(f"  barista B-13 puts {card_label(card)} on {receipts} receipts: {', '.join(outcomes)}")


def _fly_on_the_points(client: HubClient, card: Identifier) -> str:
    """Minutes later, the card pays for a flight in New York with its points."""
    partner = PARTNERS_BY_ID["airline"]
    hold = client.authorize(
        card,
        amount_minor=45_000,
        currency=partner.currency,
        order_id=new_order_id(partner),
        points=FLIGHT_POINTS,
        point_of_sale=AIRPORT,
    )
    print(f"  {card_label(card)} pays {FLIGHT_POINTS} points for a flight at JFK: {hold.status}")
    if hold.status is not HoldStatus.IN_REVIEW:
        raise DemoError(f"the flight's hold should await review, not be {hold.status}")
    expect(HoldInReview, "the airline captures it", lambda: client.capture(hold.hold_id))
    return hold.hold_id


def _work_the_queue(hub: bootstrap.Hub, ring: Ring, hold_id: str) -> None:
    fraud = hub.fraud_api()
    suspect = ring.member_ids[0]
    print("\n  The analyst's queue, highest score first")
    print_queue(fraud.list_flags(ListFlags(page_size=8)).flags)
    account = fraud.account(GetAccount(suspect))
    in_review = [h for h in account.holds if h.status is DomainHoldStatus.IN_REVIEW]
    print(
        f"\n  account {suspect}: {account.available_points} points available, "
        f"{len(account.flags)} flags, {len(in_review)} hold in review, "
        f"{len(account.linked_member_ids)} members sharing its phone"
    )
    by = Attribution(ANALYST, "cashier B-13 swipes this card on customers' orders")
    fraud.freeze(FreezeMember(suspect, changed_by=by))
    fraud.decline_hold(DeclineHold(uuid.UUID(hold_id), changed_by=by))
    flags = [f for f in account.flags if f.status is FlagStatus.OPEN]
    # Answering the highest-scored flag: the report counts the points under its rules.
    annul = AnnulPoints(uuid.uuid4().hex, suspect, flag_id=flags[0].id, changed_by=by)
    annulled = fraud.annul(annul)
    for flag in flags:
        fraud.resolve_flag(ResolveFlag(flag.id, FlagStatus.CONFIRMED, changed_by=by))
    print(
        f"  the analyst freezes it, declines the flight's hold, annuls {annulled.points} points "
        f"and confirms {len(flags)} flags ({_rules(flags)})"
    )


def _rules(flags: list[Flag]) -> str:
    return ", ".join(sorted({v.rule.value for f in flags for v in f.verdicts}))
