"""The workloads ``hub bench`` measures, and the members they need."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from hub.bench.measure import Operation
from partner_sdk import Identifier
from partner_sdk.aio import AsyncHubClient

CURRENCY = "EUR"
ENROL_CONCURRENCY = 32


@dataclass(frozen=True)
class Members:
    cards: tuple[Identifier, ...]

    def any(self) -> Identifier:
        return random.choice(self.cards)  # noqa: S311 (load spreading, not security)


async def enroll_members(client: AsyncHubClient, count: int) -> Members:
    """Enroll ``count`` members with cards unique to this run (benches can share a database)."""
    run_tag = f"{random.randrange(10**6):06d}"  # noqa: S311
    cards = tuple(Identifier.card(f"8{run_tag}{index:09d}") for index in range(count))
    gate = asyncio.Semaphore(ENROL_CONCURRENCY)

    async def enroll(card: Identifier) -> None:
        async with gate:
            await client.enroll(card)

    await asyncio.gather(*(enroll(card) for card in cards))
    return Members(cards)


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


def workloads(members: Members) -> Sequence[tuple[str, Operation]]:
    """Name and operation of each workload, in the order they run (the no-op first)."""
    return (("noop", noop()), ("earn", earn(members)))
