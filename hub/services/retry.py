"""Bounded retries of use cases that lost a race in the database."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from hub.domain.errors import ConcurrencyConflict
from hub.services.ports.conflicts import TransientConflict

T = TypeVar("T")

ATTEMPTS_MAX = 5
BACKOFF_BASE_S = 0.002
BACKOFF_CAP_S = 0.05


def retrying(attempt: Callable[[], T], *, attempts_max: int = ATTEMPTS_MAX) -> T:
    """Run ``attempt`` until it does not conflict, ``attempts_max`` times at most, then abort."""
    for attempt_number in range(attempts_max):
        try:
            return attempt()
        except TransientConflict:
            if attempt_number + 1 == attempts_max:
                break
            # Full jitter, so that the transactions that collided do not collide again.
            time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt_number)))  # noqa: S311
    raise ConcurrencyConflict(
        f"the operation kept conflicting with concurrent ones after {attempts_max} attempts; "
        "retry it"
    )
