"""Run one workload from N concurrent SDK clients for a while and summarise what happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from partner_sdk import HubError
from partner_sdk.aio import AsyncHubClient

Operation = Callable[[AsyncHubClient], Awaitable[object]]


@dataclass(frozen=True)
class Stats:
    operations: int
    errors: int
    duration_s: float
    ops_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def summarise(latencies_s: list[float], errors: int, duration_s: float) -> Stats:
    ordered = sorted(latencies_s)
    return Stats(
        operations=len(ordered),
        errors=errors,
        duration_s=round(duration_s, 3),
        ops_per_s=round(len(ordered) / duration_s, 1),
        p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
        p95_ms=round(percentile(ordered, 0.95) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
    )


async def _client_loop(
    operation: Operation,
    client: AsyncHubClient,
    warm_until: float,
    stop_at: float,
    latencies: list[float],
) -> int:
    errors = 0
    while (started := time.perf_counter()) < stop_at:
        try:
            await operation(client)
        except HubError:
            errors += 1
            continue
        if started >= warm_until:
            latencies.append(time.perf_counter() - started)
    return errors


async def run_workload(
    clients: list[AsyncHubClient], operation: Operation, *, duration_s: float, warmup_s: float
) -> Stats:
    """Every client calls ``operation`` back to back; only calls started after warm-up count."""
    latencies: list[float] = []
    warm_until = time.perf_counter() + warmup_s
    stop_at = warm_until + duration_s
    errors = await asyncio.gather(
        *(_client_loop(operation, c, warm_until, stop_at, latencies) for c in clients)
    )
    return summarise(latencies, sum(errors), duration_s)
