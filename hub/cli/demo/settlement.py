"""The night's settlement: who owes whom for the last business day, signed, reconciled, approved.

The months of shopping before are settled first, in one run (a hub's first run settles
everything before its day's end). Just after, a hub replica whose clock is 40 minutes behind
posts a coffee earn stamped into the day just settled: the next night's run settles it, listed
as late. Then one ordinary day passes: fuel sells, an airline
customer pays with points earned at coffee, coffee refunds a purchase from a settled day. After
midnight an officer settles that day: the matrix, net positions and transfers, and statements
signed for every partner. Fuel checks its statement's signature and submits its own report,
which differs from the ledger three ways; the officer accepts each difference with a note and
is refused approval of the run she ran herself: the day awaits a second officer (``hub settle
approve``), as the first run had one.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from hub.api.settlement_convert import exception_message
from hub.cli.demo.clock import BusinessTime
from hub.cli.demo.output import DemoError, card_label
from hub.cli.demo.partners import PARTNERS_BY_ID, new_order_id
from hub.cli.demo.shopping import Receipt
from hub.cli.settle import write_local_statements
from hub.cli.settle_views import print_exceptions, print_run
from hub.domain.currencies import currency
from hub.domain.errors import SameOfficer
from hub.domain.money import Money
from hub.services.commands import AcceptException, ApproveSettlement, Attribution, ListExceptions
from hub.services.results import SettlementRunView
from partner_sdk import Earned, HubClient, Identifier

OLGA = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
PAT = Attribution("spiffe://coalition.hub/staff/officer/pat", "second pair of eyes")
PAST_CUTOFF_AND_GRACE = timedelta(minutes=10)
"""The coalition's day closes at midnight; the hub waits 5 minutes for operations in flight."""


def show_settlement(
    hub_time: BusinessTime,
    clients: dict[str, HubClient],
    cards: list[Identifier],
    receipts: list[Receipt],
    statements_dir: Path,
) -> None:
    print("\nNightly settlement")
    _after_midnight(hub_time, "Past midnight: the months so far are settled in a first run")
    api = hub_time.hub.settlement_api()
    first = api.run_due(OLGA)[-1]
    approved = api.approve(ApproveSettlement(first.business_date, PAT))
    print(
        f"  olga settled {first.settlement.transaction_count} transactions up to "
        f"{first.window_end:%Y-%m-%d %H:%M} UTC (margin {_eur(first.settlement.margin_minor)}); "
        f"pat approved it: {approved.status.value}"
    )
    _late_earn(hub_time, clients["coffee"], cards[10])
    fuel_earns = _one_day(hub_time, clients, cards, receipts)
    _after_midnight(hub_time, "The next night: the day is settled")
    day = hub_time.hub.settlement_api().run_due(OLGA)[-1]
    print_run(day)
    write_local_statements(hub_time.hub, day, statements_dir)
    _partner_checks(clients["fuel"], day.business_date)
    _reconcile(hub_time, clients["fuel"], day, fuel_earns)


def _late_earn(hub_time: BusinessTime, coffee: HubClient, card: Identifier) -> None:
    """An earn by a replica whose clock lags: stamped before the cutoff of the settled day."""
    lag = timedelta(minutes=40)
    stamped = hub_time.clock.advance(-lag)
    try:
        partner = PARTNERS_BY_ID["coffee"]
        earned = coffee.earn(
            card, amount_minor=2_400, currency=partner.currency, order_id=new_order_id(partner)
        )
    finally:
        hub_time.clock.advance(lag)
    print(
        f"  a coffee till's earn of {earned.points} points reaches a hub replica whose clock is "
        f"40 minutes behind: stamped {stamped:%Y-%m-%d %H:%M}, in the day just settled; the "
        "next run settles it, listed as late"
    )


def _eur(amount_minor: int) -> str:
    return str(Money(amount_minor, currency("EUR")))


def _after_midnight(hub_time: BusinessTime, headline: str) -> None:
    now = hub_time.clock.now()
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    hub_time.advance(midnight + PAST_CUTOFF_AND_GRACE - now, headline)


def _one_day(
    hub_time: BusinessTime,
    clients: dict[str, HubClient],
    cards: list[Identifier],
    receipts: list[Receipt],
) -> list[tuple[str, Earned]]:
    hub_time.advance(timedelta(hours=9), "A day of business")
    fuel = PARTNERS_BY_ID["fuel"]
    orders = [new_order_id(fuel) for _ in range(3)]
    earns = [
        (
            order,
            clients["fuel"].earn(card, amount_minor=amount, currency=fuel.currency, order_id=order),
        )
        for order, card, amount in zip(orders, cards[10:13], (4_500, 6_200, 3_800), strict=True)
    ]
    print(f"  fuel: {len(earns)} purchases earned {sum(e.points for _, e in earns)} points")
    shoppers = [card for card in cards if card not in cards[10:13]]
    _redeem_at_the_airline(hub_time, clients["airline"], _fuel_regular(receipts, shoppers))
    # The last airline receipt (the refunds chapter took back the first ones): its points
    # have not expired, so the refund takes them back from the member's lot.
    refunded = next(r for r in reversed(receipts) if r.partner.partner_id == "airline")
    clients["airline"].refund_earn(
        refunded.earned.transaction_id,
        amount_minor=refunded.amount_minor,
        currency=refunded.partner.currency,
    )
    print(
        f"  airline: refunds a ticket of {card_label(refunded.card)} bought on a settled day; "
        "tonight's statement lists it as an adjustment"
    )
    return earns


def _fuel_regular(receipts: list[Receipt], cards: list[Identifier]) -> Identifier:
    """A member with no airline points, whose points come from fuel (coffee's expired during
    the tour)."""
    elsewhere = {r.card for r in receipts if r.partner.partner_id == "airline"}
    at_fuel = Counter(r.card for r in receipts if r.partner.partner_id == "fuel")
    return next(
        card for card, _ in at_fuel.most_common() if card in cards and card not in elsewhere
    )


def _redeem_at_the_airline(hub_time: BusinessTime, airline: HubClient, card: Identifier) -> None:
    hub_time.clock.advance(timedelta(hours=2))
    partner = PARTNERS_BY_ID["airline"]
    quote = airline.quote_burn(amount_minor=20_000, currency=partner.currency)
    points = min(quote.points, airline.balance(card).available_points // 2)
    hold = airline.authorize(
        card,
        amount_minor=40_000,
        currency=partner.currency,
        order_id=new_order_id(partner),
        points=points,
    )
    airline.capture(hold.hold_id)
    print(f"  airline: {card_label(card)} pays {points} points, earned at fuel")


def _partner_checks(fuel: HubClient, business_date: date) -> None:
    key = fuel.signing_key()
    statement = fuel.statement(business_date)
    statement.verify(key.public_key_pem)
    print(
        f"  fuel fetched its statement over gRPC and checked both signatures with the hub's "
        f"key {key.key_id}: ok"
    )


def _reconcile(
    hub_time: BusinessTime,
    fuel: HubClient,
    day: SettlementRunView,
    earns: list[tuple[str, Earned]],
) -> None:
    print("\nFuel's own report for the day, matched against the ledger")
    report = fuel.submit_report(day.business_date, _fuel_report(earns))
    print(
        f"  {report.matched} matched, {report.missing_at_hub} missing at the hub, "
        f"{report.missing_at_partner} missing at fuel, {report.amount_mismatches} mismatched"
    )
    api = hub_time.hub.settlement_api()
    exceptions = api.list_exceptions(ListExceptions(day.business_date)).exceptions
    print_exceptions(exception_message(exception) for exception in exceptions)
    try:
        api.approve(ApproveSettlement(day.business_date, OLGA))
    except SameOfficer as error:
        print(f"  olga approves the run she ran -> {error.reason}: {error.message}")
    else:
        raise DemoError("the hub let the officer who ran the settlement approve it")
    for exception in exceptions:
        note = Attribution(OLGA.actor, "fuel's till was offline; checked with its back office")
        api.accept_exception(AcceptException(exception.id, note))
    print(
        f"  olga accepted the {len(exceptions)} exceptions, each with a note; the day awaits "
        "approval by another officer"
    )


def _fuel_report(earns: list[tuple[str, Earned]]) -> bytes:
    """Fuel's records: one sale missing, one with the wrong points, one the hub never saw."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("kind", "order_id", "transaction_id", "points"))
    (first_order, first), (second_order, second) = earns[0], earns[1]
    writer.writerow(("earn", first_order, first.transaction_id, first.points))
    writer.writerow(("earn", second_order, second.transaction_id, second.points + 5))
    writer.writerow(("earn", "fuel-offline-0001", "", 40))
    return out.getvalue().encode()
