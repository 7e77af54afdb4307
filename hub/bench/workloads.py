"""The workloads ``hub bench`` measures, and the members they need."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hub.bench.measure import Operation
from partner_sdk import HubError, Identifier, PointOfSale
from partner_sdk.aio import AsyncHubClient

CURRENCY = "EUR"
SETUP_CONCURRENCY = 32
"""Enrollments or funding earns in flight at once while setting up."""
FUNDING_AMOUNT_MINOR = 100_000_000
"""One earn of 1,000,000.00 EUR per member: a million points at the bench partner's earn rate
of 1, far more than a run's redemptions spend."""
REDEMPTION_POINTS = (1, 10)
"""Points one authorize holds, drawn from this range."""
REDEMPTION_RECEIPT_MINOR = 1_000
"""10.00 EUR: ten points at the bench partner's burn value of 0.01 pay 0.10 EUR of it, well
within the default burn rules."""


HISTORY_EARNS_DEFAULT = 100_000
"""Earns a busy till has made before the fraud-history workload measures it."""
BUSY_STORE_ID = "store-busy"

STORES = 40
TERMINALS_PER_STORE = 4
CASHIERS_PER_STORE = 6
CITY_CENTRE = (Decimal("55.7558"), Decimal("37.6173"))
CITY_SPAN_DEGREES = Decimal("0.2")
"""Stores spread over about 20 km around the centre: a member hopping between them at bench
speed never looks like impossible travel (which starts at 100 km)."""
_COORDINATE_STEPS = 10_000


@dataclass(frozen=True)
class Store:
    store_id: str
    latitude: Decimal
    longitude: Decimal

    def till(self) -> PointOfSale:
        """A random terminal and cashier of this store: what the till sends with a receipt."""
        terminal = random.randrange(TERMINALS_PER_STORE)  # noqa: S311
        cashier = random.randrange(CASHIERS_PER_STORE)  # noqa: S311
        return PointOfSale(
            channel="pos",
            store_id=self.store_id,
            terminal_id=f"{self.store_id}-t{terminal}",
            cashier_id=f"{self.store_id}-c{cashier}",
            latitude=self.latitude,
            longitude=self.longitude,
        )


def _offset() -> Decimal:
    """A random offset within the city's span, in exact decimal degrees."""
    step = random.randrange(-_COORDINATE_STEPS, _COORDINATE_STEPS + 1)  # noqa: S311
    return CITY_SPAN_DEGREES / 2 * step / _COORDINATE_STEPS


def city_stores(count: int = STORES) -> tuple[Store, ...]:
    """The bench partner's stores, each at its own place in one city."""
    latitude, longitude = CITY_CENTRE
    return tuple(
        Store(f"store-{index:03d}", latitude + _offset(), longitude + _offset())
        for index in range(count)
    )


@dataclass(frozen=True)
class Members:
    cards: tuple[Identifier, ...]

    def any(self) -> Identifier:
        return random.choice(self.cards)  # noqa: S311 (load spreading, not security)


async def _for_each(
    cards: Sequence[Identifier], step: Callable[[Identifier], Awaitable[object]]
) -> None:
    """``step`` for every card, at most ``SETUP_CONCURRENCY`` at once."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def gated(card: Identifier) -> None:
        async with gate:
            await step(card)

    await asyncio.gather(*(gated(card) for card in cards))


async def enroll_members(client: AsyncHubClient, count: int) -> Members:
    """Enroll ``count`` members with cards unique to this run (benches can share a database)."""
    run_tag = f"{random.randrange(10**6):06d}"  # noqa: S311
    cards = tuple(Identifier.card(f"8{run_tag}{index:09d}") for index in range(count))
    await _for_each(cards, client.enroll)
    return Members(cards)


async def fund_members(client: AsyncHubClient, members: Members) -> None:
    """Give every member points to redeem: one large earn each."""

    async def fund(card: Identifier) -> object:
        return await client.earn(
            card, amount_minor=FUNDING_AMOUNT_MINOR, currency=CURRENCY, order_id=uuid.uuid4().hex
        )

    await _for_each(members.cards, fund)


def busy_till() -> PointOfSale:
    """The one terminal and cashier, in the city centre, that the fraud-history workload earns
    at: the fraud checks read their traffic of the last hour on every earn."""
    latitude, longitude = CITY_CENTRE
    return PointOfSale(
        channel="pos",
        store_id=BUSY_STORE_ID,
        terminal_id=f"{BUSY_STORE_ID}-t0",
        cashier_id=f"{BUSY_STORE_ID}-c0",
        latitude=latitude,
        longitude=longitude,
    )


def _earn_at(client: AsyncHubClient, card: Identifier, till: PointOfSale) -> Awaitable[object]:
    return client.earn(
        card,
        amount_minor=random.randint(500, 50_000),  # noqa: S311
        currency=CURRENCY,
        order_id=uuid.uuid4().hex,
        point_of_sale=till,
    )


async def make_history(
    clients: Sequence[AsyncHubClient], members: Members, till: PointOfSale, count: int
) -> int:
    """``count`` earns of random members at ``till``, from every client at once, through the
    hub's own Earn (so the history is whatever the hub writes for an earn, counters or rows);
    returns how many the hub refused."""
    remaining = count
    refused = 0

    async def loop(client: AsyncHubClient) -> None:
        nonlocal remaining, refused
        while remaining > 0:
            remaining -= 1
            try:
                await _earn_at(client, members.any(), till)
            except HubError:
                refused += 1

    await asyncio.gather(*(loop(client) for client in clients))
    return refused


def noop() -> Operation:
    """``Ping``: the gRPC stack, the interceptor and the SDK, and no use case. Any database
    round trips it makes are the interceptor's admission of the caller (the bench reports
    them: a no-op that reads the database is not the ceiling it should be)."""

    async def operation(client: AsyncHubClient) -> object:
        return await client.ping()

    return operation


def earn(members: Members, stores: Sequence[Store]) -> Operation:
    """An earn for a random member, amount and new order at a random till (store, terminal,
    cashier and store location, which the fraud checks read): the till's hot path."""

    async def operation(client: AsyncHubClient) -> object:
        return await _earn_at(client, members.any(), random.choice(stores).till())  # noqa: S311

    return operation


def earn_at(members: Members, till: PointOfSale) -> Operation:
    """An earn for a random member, amount and new order, always at ``till``."""

    async def operation(client: AsyncHubClient) -> object:
        return await _earn_at(client, members.any(), till)

    return operation


def authorize_capture(members: Members, stores: Sequence[Store]) -> Operation:
    """A redemption as a till makes it: hold a few of a random member's points against a new
    receipt at a random till, then capture the whole hold."""

    async def operation(client: AsyncHubClient) -> object:
        hold = await client.authorize(
            members.any(),
            amount_minor=REDEMPTION_RECEIPT_MINOR,
            currency=CURRENCY,
            order_id=uuid.uuid4().hex,
            points=random.randint(*REDEMPTION_POINTS),  # noqa: S311
            point_of_sale=random.choice(stores).till(),  # noqa: S311
        )
        return await client.capture(hold.hold_id)

    return operation


def workloads(
    members: Members, stores: Sequence[Store], shopping: Shopping
) -> Sequence[tuple[str, Operation]]:
    """Name and operation of each workload, in the order they run (the no-op first)."""
    return (
        ("noop", noop()),
        ("earn", shopping.earn()),
        ("authorize+capture", authorize_capture(members, stores)),
    )


# -- ordinary coalition traffic -------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    """A partner of the coalition as the bench's shoppers meet it."""

    suffix: str
    """Appended to the bench's partner id: the shop's own partner id."""
    basket_minor: int
    """The typical receipt there, before a shopper's own factor and the receipt's variation."""
    clients_share: Decimal
    """Share of the bench's clients that are this shop's tills: its share of the earns."""
    stores: int


SHOPS = (
    Shop("coffee", 400, Decimal("0.7"), STORES),
    Shop("grocer", 4_500, Decimal("0.2"), 10),
    Shop("fuel", 6_000, Decimal("0.1"), 5),
)
"""A coffee chain where members earn most often and spend little, a grocer and fuel stations
where they come less often and spend ten or fifteen times more: what made "earn far above
history" flag ordinary earns when it compared a basket at one partner with those at others."""
SHOPPER_SIGMA = 0.5
"""Spread (log-normal) of shoppers' own factors: some spend twice as much as others anywhere."""
RECEIPT_SIGMA = 0.35
"""Spread (log-normal) of one shopper's receipts at one shop around their usual one."""
SEED_EARNS_PER_SHOPPER = 6
"""Earns each shopper has made before the earn workload, so members have a history."""


@dataclass(frozen=True)
class Shopping:
    """Shoppers with their own spending factor, and the shops' tills (one client each)."""

    shoppers: tuple[tuple[Identifier, float], ...]
    tills: tuple[tuple[AsyncHubClient, Shop, tuple[Store, ...]], ...]

    @property
    def clients(self) -> list[AsyncHubClient]:
        return [client for client, _, _ in self.tills]

    def earn(self) -> Operation:
        """An ordinary earn: a random shopper's receipt at the calling till's shop, around
        that shopper's usual basket there, at a random store of the shop."""
        by_client = {id(client): (shop, stores) for client, shop, stores in self.tills}

        async def operation(client: AsyncHubClient) -> object:
            shop, stores = by_client[id(client)]
            card, factor = random.choice(self.shoppers)  # noqa: S311
            receipt = random.lognormvariate(0.0, RECEIPT_SIGMA)
            return await client.earn(
                card,
                amount_minor=max(100, int(shop.basket_minor * factor * receipt)),
                currency=CURRENCY,
                order_id=uuid.uuid4().hex,
                point_of_sale=random.choice(stores).till(),  # noqa: S311
            )

        return operation


def shop_partner(partner_id: str, shop: Shop) -> str:
    return f"{partner_id}-{shop.suffix}"


def shop_tills(
    target: str, partner_id: str, clients: int
) -> tuple[tuple[AsyncHubClient, Shop, tuple[Store, ...]], ...]:
    """``clients`` SDK clients split between the shops by their shares (at least one each,
    the first shop taking what rounding leaves)."""
    counts = [max(1, int(clients * shop.clients_share)) for shop in SHOPS]
    counts[0] += max(0, clients - sum(counts))
    tills = []
    for shop, count in zip(SHOPS, counts, strict=True):
        stores = city_stores(shop.stores)
        partner = shop_partner(partner_id, shop)
        tills += [(AsyncHubClient(target, partner_id=partner), shop, stores) for _ in range(count)]
    return tuple(tills)


async def go_shopping(target: str, partner_id: str, clients: int, count: int) -> Shopping:
    """Enroll ``count`` shoppers and give each a history of ``SEED_EARNS_PER_SHOPPER`` earns."""
    tills = shop_tills(target, partner_id, clients)
    members = await enroll_members(tills[0][0], count)
    shoppers = tuple((card, random.lognormvariate(0.0, SHOPPER_SIGMA)) for card in members.cards)
    shopping = Shopping(shoppers, tills)
    history = shopping.earn()
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def seed(client: AsyncHubClient) -> None:
        async with gate:
            await history(client)

    seeds = count * SEED_EARNS_PER_SHOPPER
    await asyncio.gather(*(seed(tills[i % len(tills)][0]) for i in range(seeds)))
    return shopping
