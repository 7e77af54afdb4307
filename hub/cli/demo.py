"""``hub demo``: the whole hub working, on an embedded SQLite file, in under a minute.

It starts a hub in-process, onboards three partners with different currencies and rates,
enrolls members, drives a few hundred purchases through the partner SDK over real gRPC, shows a
retried call replayed and bad input refused, then prints balances and the ledger check.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.api.server import RunningServer, start_server
from hub.cli.common import print_table
from hub.cli.ledger import print_report
from hub.config import Settings, new_identifier_key_hex
from hub.domain.money import Rounding
from hub.domain.partners import ExpiryPolicy
from hub.domain.rates import Rates
from hub.services.commands import AddPartner
from partner_sdk import HubClient, HubError, Identifier, LineItem, PointOfSale


@dataclass(frozen=True)
class DemoPartner:
    partner_id: str
    name: str
    currency: str
    rates: tuple[str, str, str, str]
    """earn_rate, burn_value, issue_price, redemption_price."""
    pending_period_s: int
    expiry: str
    basket_minor: tuple[int, int]
    """Typical purchase range, in minor units."""


PARTNERS = (
    DemoPartner(
        "coffee",
        "Bean There",
        "RUB",
        ("0.1", "0.5", "0.0055", "0.005"),
        0,
        "months:12",
        (15_000, 90_000),
    ),
    DemoPartner(
        "fuel",
        "Fill Up",
        "EUR",
        ("2", "0.01", "0.0052", "0.0048"),
        48 * 3600,
        "never",
        (2_000, 9_000),
    ),
    DemoPartner(
        "airline",
        "Blue Skies",
        "USD",
        ("5", "0.012", "0.0058", "0.0051"),
        0,
        "end-of-month:36",
        (9_000, 60_000),
    ),
)
SETTLEMENT_CURRENCY = "EUR"


def register(subcommands: Any) -> None:
    demo = subcommands.add_parser("demo", help="run the hub end to end on an embedded database")
    demo.add_argument("--members", type=int, default=40)
    demo.add_argument("--purchases", type=int, default=300)
    demo.add_argument("--seed", type=int, default=7, help="random seed, for repeatable runs")
    demo.add_argument("--keep", metavar="DIR", help="keep the SQLite database in DIR")
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="hub-demo-") as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        settings = Settings(
            database_url=f"sqlite:///{folder / 'demo.db'}",
            identifier_key_hex=new_identifier_key_hex(),
            workers=8,
        )
        hub = bootstrap.build(settings)
        upgrade(hub.engine)
        server = start_server(hub, "127.0.0.1:0")
        try:
            ok = _tour(hub, server, args)
        finally:
            server.stop(grace_s=5)
            hub.close()
        if args.keep:
            print(f"\nThe demo database is kept at {settings.database_url}")
    return 0 if ok else 1


def _tour(hub: bootstrap.Hub, server: RunningServer, args: argparse.Namespace) -> bool:
    target = f"127.0.0.1:{server.port}"
    print(f"Hub serving on {target} (SQLite, in this process)\n")
    _onboard(hub)
    rng = random.Random(args.seed)  # noqa: S311 (made-up shopping, not secrets)
    clients = {p.partner_id: HubClient(target, partner_id=p.partner_id) for p in PARTNERS}
    try:
        cards = _enroll(clients, args.members)
        outcomes = _shop(clients, cards, args.purchases, rng)
        _show_retry_and_refusals(clients["coffee"], cards[0])
        _show_partners(hub, outcomes)
        _show_members(clients["coffee"], cards[:5])
    finally:
        for client in clients.values():
            client.close()
    print("\nLedger check")
    report = hub.operator.verify_ledger()
    print_report(report)
    return report.ok


def _onboard(hub: bootstrap.Hub) -> None:
    print(f"Partners (issue and redemption prices in {SETTLEMENT_CURRENCY} per point)")
    for partner in PARTNERS:
        earn_rate, burn_value, issue_price, redemption_price = partner.rates
        hub.operator.add_partner(
            AddPartner(
                partner_id=partner.partner_id,
                name=partner.name,
                currency=partner.currency,
                rates=Rates.parse(
                    earn_rate=earn_rate,
                    burn_value=burn_value,
                    issue_price=issue_price,
                    redemption_price=redemption_price,
                ),
                rounding=Rounding.HALF_EVEN,
                pending_period_s=partner.pending_period_s,
                expiry=ExpiryPolicy.parse(partner.expiry),
            )
        )
    print_table(
        (
            "partner",
            "currency",
            "earn rate",
            "burn value",
            "issue price",
            "redemption price",
            "pending",
            "expiry",
        ),
        [
            (p.partner_id, p.currency, *p.rates, f"{p.pending_period_s // 3600} h", p.expiry)
            for p in PARTNERS
        ],
    )


def _enroll(clients: dict[str, HubClient], members: int) -> list[Identifier]:
    partner_ids = list(clients)
    cards = [Identifier.card(f"7000{index:012d}") for index in range(members)]
    for index, card in enumerate(cards):
        # Members sign up wherever they happen to be; the coalition knows them everywhere after.
        clients[partner_ids[index % len(partner_ids)]].enroll(card)
    print(f"\nEnrolled {members} members at three partners")
    return cards


def _shop(
    clients: dict[str, HubClient], cards: list[Identifier], purchases: int, rng: random.Random
) -> list[tuple[str, int, int]]:
    plan = [(rng.choice(PARTNERS), rng.choice(cards), rng) for _ in range(purchases)]
    baskets = [(partner, card, rng.randint(*partner.basket_minor)) for partner, card, rng in plan]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda basket: _purchase(clients, *basket), baskets))
    print(f"Drove {purchases} purchases through the partner SDK over gRPC, 8 tills at a time")
    return results


def _purchase(
    clients: dict[str, HubClient], partner: DemoPartner, card: Identifier, amount_minor: int
) -> tuple[str, int, int]:
    lines = [
        LineItem("sku-main", "goods", amount_minor - amount_minor // 4),
        LineItem("sku-extra", "goods", amount_minor // 4),
    ]
    earned = clients[partner.partner_id].earn(
        card,
        amount_minor=amount_minor,
        currency=partner.currency,
        order_id=f"{partner.partner_id}-{uuid.uuid4().hex[:12]}",
        line_items=lines,
        point_of_sale=PointOfSale(channel="pos", store_id="store-1", terminal_id="till-3"),
    )
    return partner.partner_id, amount_minor, earned.points


def _show_retry_and_refusals(coffee: HubClient, card: Identifier) -> None:
    print("\nA till retries an earn whose answer it never saw: same key, same request")
    till_retry = partial(
        coffee.earn,
        card,
        amount_minor=50_000,
        currency="RUB",
        order_id="retry-demo",
        idempotency_key="till-3-0001",
    )
    first, again = till_retry(), till_retry()
    print(
        f"  both answers name transaction {first.transaction_id}: {first == again}; "
        "the points were credited once"
    )
    print("Bad requests are refused with a reason and write nothing:")
    attempts = (
        ("an amount of zero", 0, "RUB", "bad-1"),
        ("euros at a rouble till", 100, "EUR", "bad-2"),
        ("the same receipt twice", 50_000, "RUB", "retry-demo"),
    )
    for label, amount_minor, currency, order_id in attempts:
        try:
            coffee.earn(card, amount_minor=amount_minor, currency=currency, order_id=order_id)
        except HubError as error:
            print(f"  {label:<24} -> {error.code.name} {error.reason}: {error.message}")


def _show_partners(hub: bootstrap.Hub, outcomes: list[tuple[str, int, int]]) -> None:
    earns: Counter[str] = Counter()
    spend: defaultdict[str, int] = defaultdict(int)
    for partner_id, amount_minor, _points in outcomes:
        earns[partner_id] += 1
        spend[partner_id] += amount_minor
    views = {view.partner.id: view for view in hub.operator.list_partners()}
    print("\nPer partner (issued points are summed from the ledger's entries)")
    rows = []
    for partner in PARTNERS:
        view = views[partner.partner_id]
        sales = spend[partner.partner_id] / 10**view.partner.currency.exponent
        rows.append(
            (
                partner.partner_id,
                earns[partner.partner_id],
                f"{sales:,.2f} {partner.currency}",
                view.issued_points,
            )
        )
    print_table(("partner", "earns", "sales", "points issued"), rows)


def _show_members(client: HubClient, cards: list[Identifier]) -> None:
    print("\nA few members (pending points mature after the fuel partner's 48 h return window)")
    rows = []
    for card in cards:
        balance = client.balance(card)
        label = f"card ...{card.value[-4:]}"
        rows.append(
            (label, balance.available_points, balance.pending_points, balance.expiring_points)
        )
    print_table(("member", "available", "pending", "expiring in 30 days"), rows)
