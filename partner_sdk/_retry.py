"""Retries bounded by a total deadline, with full-jitter exponential backoff.

Only ``UNAVAILABLE`` (whatever its reason: a lost connection, ``DATABASE_UNAVAILABLE``,
``COMMIT_OUTCOME_UNKNOWN``) and ``ABORTED`` are retried, and ``RESOURCE_EXHAUSTED`` when the hub
said how long to wait (``google.rpc.RetryInfo``: ``SERVER_BUSY``, ``RATE_LIMITED``); a delay the
hub asks for on ``UNAVAILABLE`` is honoured too. Everything else would fail the same way again,
a ``CertificateError`` included although gRPC reports it as ``UNAVAILABLE``. Retrying a mutating
call is safe because its request, idempotency key included, is built once before the loop.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, TypeVar

import grpc

from partner_sdk.errors import CertificateError, HubError

_T = TypeVar("_T")

_ALWAYS_RETRIED: Final = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED})


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep retrying a call, and how to space the attempts.

    The call gives up when the next sleep would end past ``deadline_s`` after its start. The
    sleep before retry *n* (from 0) is uniform in ``[0, min(max_backoff_s, initial_backoff_s *
    multiplier**n)]``, added to the delay the hub asked for if it asked for one: the hub's
    delay is honoured, and clients told the same delay do not all come back at once.

    ``clock``, ``sleep``, ``async_sleep`` and ``rng`` (a float in ``[0, 1)``) are seams for
    tests: a fake clock advanced by a fake sleep makes retry tests fast and exact.
    """

    deadline_s: float = 10.0
    initial_backoff_s: float = 0.05
    max_backoff_s: float = 2.0
    multiplier: float = 2.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(
        default=asyncio.sleep, repr=False, compare=False
    )
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.deadline_s <= 0 or self.initial_backoff_s < 0 or self.multiplier < 1:
            raise ValueError(f"not a usable retry policy: {self!r}")


def is_retryable(error: HubError) -> bool:
    """Whether trying ``error``'s call again can succeed."""
    if isinstance(error, CertificateError):
        return False
    if error.code in _ALWAYS_RETRIED:
        return True
    return error.code == grpc.StatusCode.RESOURCE_EXHAUSTED and error.retry_after_s is not None


class Schedule:
    """The attempts of one logical call: each one's timeout, and the sleep before the next."""

    def __init__(self, policy: RetryPolicy, timeout_s: float) -> None:
        self._policy = policy
        self._timeout_s = timeout_s
        self._deadline = policy.clock() + policy.deadline_s
        self._backoff_cap_s = policy.initial_backoff_s

    def attempt_timeout_s(self) -> float:
        """The per-call timeout, cut short by the total deadline."""
        return max(0.0, min(self._timeout_s, self._deadline - self._policy.clock()))

    def next_sleep_s(self, error: HubError) -> float | None:
        """How long to sleep before retrying after ``error``; ``None`` to give up."""
        if not is_retryable(error):
            return None
        hub_delay_s = max(0.0, error.retry_after_s or 0.0)
        sleep_s = hub_delay_s + self._policy.rng() * self._backoff_cap_s
        # Grown step by step rather than as a power, which overflows after many fast failures.
        self._backoff_cap_s = min(
            self._policy.max_backoff_s, self._backoff_cap_s * self._policy.multiplier
        )
        if self._policy.clock() + sleep_s >= self._deadline:
            return None
        return sleep_s


def call_with_retry(
    attempt: Callable[[float], _T], *, timeout_s: float, policy: RetryPolicy | None
) -> _T:
    """``attempt(timeout_s)`` until it returns, retrying its retryable ``HubError``s."""
    if policy is None:
        return attempt(timeout_s)
    schedule = Schedule(policy, timeout_s)
    while True:
        try:
            return attempt(schedule.attempt_timeout_s())
        except HubError as error:
            sleep_s = schedule.next_sleep_s(error)
            if sleep_s is None:
                raise
        policy.sleep(sleep_s)


async def call_with_retry_async(
    attempt: Callable[[float], Awaitable[_T]], *, timeout_s: float, policy: RetryPolicy | None
) -> _T:
    """The ``asyncio`` twin of ``call_with_retry``; the schedule is the same."""
    if policy is None:
        return await attempt(timeout_s)
    schedule = Schedule(policy, timeout_s)
    while True:
        try:
            return await attempt(schedule.attempt_timeout_s())
        except HubError as error:
            sleep_s = schedule.next_sleep_s(error)
            if sleep_s is None:
                raise
        await policy.async_sleep(sleep_s)
