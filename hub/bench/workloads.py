"""The workloads ``hub bench`` measures, and the members they need."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from hub.bench.measure import Operation
from partner_sdk import Identifier
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


def noop() -> Operation:
    """``Ping``: the gRPC stack, the interceptor and the SDK, with no database."""

    async def operation(client: AsyncHubClient) -> object:
        return await client.ping()

    return operation


def earn(members: Members) -> Operation:
    """An earn for a random member, amount and new order: the till's hot path."""

    async def operation(client: AsyncHubClient) -> object:
        amount_minor = random.randint(500, 50_000)  # noqa: S311
        return await client.earn(
            members.any(), amount_minor=amount_minor, currency=CURRENCY, order_id=uuid.uuid4().hex
        )

    return operation


def authorize_capture(members: Members) -> Operation:
    """A redemption as a till makes it: hold a few of a random member's points against a new
    receipt, then capture the whole hold."""

    async def operation(client: AsyncHubClient) -> object:
        hold = await client.authorize(
            members.any(),
            amount_minor=REDEMPTION_RECEIPT_MINOR,
            currency=CURRENCY,
            order_id=uuid.uuid4().hex,
            points=random.randint(*REDEMPTION_POINTS),  # noqa: S311
        )
        return await client.capture(hold.hold_id)

    return operation


def workloads(members: Members) -> Sequence[tuple[str, Operation]]:
    """Name and operation of each workload, in the order they run (the no-op first)."""
    return (
        ("noop", noop()),
        ("earn", earn(members)),
        ("authorize+capture", authorize_capture(members)),
    )
