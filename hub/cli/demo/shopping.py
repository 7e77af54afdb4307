"""Members enrol and shop; the partner and member tables show what the shopping earned."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from hub import bootstrap
from hub.cli.common import print_table
from hub.cli.demo.output import card_label, money
from hub.cli.demo.partners import PARTNERS, DemoPartner, new_order_id
from partner_sdk import Earned, HubClient, Identifier, LineItem, PointOfSale


@dataclass(frozen=True)
class Receipt:
    """A purchase that earned points; later chapters redeem and refund against them."""

    partner: DemoPartner
    card: Identifier
    amount_minor: int
    earned: Earned


def enroll(clients: dict[str, HubClient], members: int) -> list[Identifier]:
    partner_ids = list(clients)
    cards = [Identifier.card(f"7000{index:012d}") for index in range(members)]
    for index, card in enumerate(cards):
        # Members sign up wherever they happen to be; the coalition knows them everywhere after.
        clients[partner_ids[index % len(partner_ids)]].enroll(card)
    print(f"\nEnrolled {members} members at three partners")
    return cards


def shop(
    clients: dict[str, HubClient], cards: list[Identifier], purchases: int, rng: random.Random
) -> list[Receipt]:
    plan = [(rng.choice(PARTNERS), rng.choice(cards)) for _ in range(purchases)]
    baskets = [(partner, card, rng.randint(*partner.basket_minor)) for partner, card in plan]
    with ThreadPoolExecutor(8) as pool:
        receipts = list(pool.map(lambda basket: purchase(clients, *basket), baskets))
    print(f"Drove {purchases} purchases through the partner SDK over gRPC, 8 tills at a time")
    return receipts


def purchase(
    clients: dict[str, HubClient], partner: DemoPartner, card: Identifier, amount_minor: int
) -> Receipt:
    lines = [
        LineItem("sku-main", "goods", amount_minor - amount_minor // 4),
        LineItem("sku-extra", "goods", amount_minor // 4),
    ]
    earned = clients[partner.partner_id].earn(
        card,
        amount_minor=amount_minor,
        currency=partner.currency,
        order_id=new_order_id(partner),
        line_items=lines,
        point_of_sale=PointOfSale(channel="pos", store_id="store-1", terminal_id="till-3"),
    )
    return Receipt(partner, card, amount_minor, earned)


def show_partners(hub: bootstrap.Hub, receipts: list[Receipt]) -> None:
    earns: Counter[str] = Counter()
    spend: defaultdict[str, int] = defaultdict(int)
    for receipt in receipts:
        earns[receipt.partner.partner_id] += 1
        spend[receipt.partner.partner_id] += receipt.amount_minor
    views = {view.partner.id: view for view in hub.operator.list_partners()}
    print("\nPer partner (issued points are summed from the ledger's entries)")
    rows = [
        (
            partner.partner_id,
            earns[partner.partner_id],
            money(spend[partner.partner_id], partner.currency),
            views[partner.partner_id].issued_points,
        )
        for partner in PARTNERS
    ]
    print_table(("partner", "earns", "sales", "points issued"), rows)


def show_members(client: HubClient, cards: list[Identifier]) -> None:
    print("\nA few members (pending points mature after the fuel partner's 48 h return window)")
    rows = []
    for card in cards:
        balance = client.balance(card)
        member = card_label(card)
        rows.append(
            (member, balance.available_points, balance.pending_points, balance.expiring_points)
        )
    print_table(("member", "available", "pending", "expiring in 30 days"), rows)
