"""Run one workload from N concurrent SDK clients for a while and summarise what happened:
rate and latencies, and, from a ``Meter``, what each operation cost the hub and its database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.bench.usage import Meter, Snapshot, Usage
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
    server_cpu_ms_per_op: float | None = None
    """CPU of the hub's processes (all threads) per operation, in ms."""
    db_cpu_ms_per_op: float | None = None
    """CPU of the PostgreSQL backends serving the hub per operation, in ms."""
    db_round_trips_per_op: float | None = None
    """Database round trips per operation: answers PostgreSQL sent the hub (``hub.bench.usage``)."""


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def summarise(
    latencies_s: list[float], errors: int, duration_s: float, usage: Usage | None = None
) -> Stats:
    ordered = sorted(latencies_s)
    usage = usage or Usage(None, None, None)
    return Stats(
        operations=len(ordered),
        errors=errors,
        duration_s=round(duration_s, 3),
        ops_per_s=round(len(ordered) / duration_s, 1),
        p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
        p95_ms=round(percentile(ordered, 0.95) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
        server_cpu_ms_per_op=usage.server_cpu_ms_per_op,
        db_cpu_ms_per_op=usage.db_cpu_ms_per_op,
        db_round_trips_per_op=usage.db_round_trips_per_op,
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


async def _snapshot_at(moment: float, meter: Meter) -> Snapshot:
    """``meter``'s snapshot at ``moment`` (``perf_counter``), taken off the event loop so the
    clients keep calling meanwhile."""
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))
    return await asyncio.to_thread(meter.snapshot)


async def run_workload(
    clients: list[AsyncHubClient],
    operation: Operation,
    *,
    duration_s: float,
    warmup_s: float,
    meter: Meter | None = None,
) -> Stats:
    """Every client calls ``operation`` back to back; only calls started after warm-up count,
    and ``meter`` measures between the end of warm-up and the end of the run."""
    latencies: list[float] = []
    warm_until = time.perf_counter() + warmup_s
    stop_at = warm_until + duration_s
    loops = asyncio.gather(
        *(_client_loop(operation, c, warm_until, stop_at, latencies) for c in clients)
    )
    if meter is None:
        return summarise(latencies, sum(await loops), duration_s)
    before = await _snapshot_at(warm_until, meter)
    after = await _snapshot_at(stop_at, meter)
    errors = sum(await loops)
    return summarise(latencies, errors, duration_s, meter.usage(before, after, len(latencies)))
