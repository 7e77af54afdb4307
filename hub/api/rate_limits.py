"""Per-partner request rates: a token bucket per partner, in this process.

Each hub replica enforces the limit on its own share of the traffic, so a partner behind a
load balancer over N replicas gets up to N times the limit; that bounds abuse without a shared
store on the hot path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.domain.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    updated_s: float


class RateLimiter:
    """Allows ``rate_per_s`` calls per second per key, in bursts of up to one second's worth."""

    def __init__(self, *, clock_s: Callable[[], float] = time.monotonic) -> None:
        self._clock_s = clock_s
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate_per_s: int) -> None:
        """Spend one token of ``key``'s bucket, or raise ``RateLimited`` saying when to retry."""
        with self._lock:
            now_s = self._clock_s()
            bucket = self._buckets.setdefault(key, _Bucket(float(rate_per_s), now_s))
            elapsed_s = now_s - bucket.updated_s
            bucket.tokens = min(float(rate_per_s), bucket.tokens + elapsed_s * rate_per_s)
            bucket.updated_s = now_s
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            retry_after_s = (1 - bucket.tokens) / rate_per_s
        raise RateLimited(
            f"over the limit of {rate_per_s} requests per second; retry after the delay given",
            retry_after_s=f"{retry_after_s:.3f}",
        )
