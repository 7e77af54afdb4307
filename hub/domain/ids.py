"""Identifiers of members, transactions and lots: time-ordered UUIDs (version 7, RFC 9562).

Time order keeps PostgreSQL's B-tree inserts at the right edge of the index instead of
scattering them, which matters for tables that grow by millions of rows a day. Within one
process ids are strictly increasing (RFC 9562 §6.2, method 1: a counter in ``rand_a``), so
records made in the same millisecond still sort in the order they were made.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

from hub.domain.errors import MalformedId

_VERSION_7 = 0x7 << 76
_VARIANT_RFC_9562 = 0x2 << 62
_COUNTER_MAX = 0xFFF
_RAND_B_MASK = (1 << 62) - 1
_START_BITS = 11
"""A new millisecond's counter starts below 2048, leaving at least 2048 ids of headroom."""

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_timestamp_and_counter(start: int) -> tuple[int, int]:
    """The millisecond and counter of a new id; ``start`` is the counter's (random) start
    should this id begin a new millisecond.

    Nothing in the lock reads the OS: a thread holding it while blocked in a system call
    gives up the GIL, and every other thread making an id waits until it gets it back (at
    32 busy server threads, that queue was most of the time an earn spent here)."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            # A random start, with headroom to count up within the millisecond.
            _last_ms, _counter = now_ms, start
        elif _counter < _COUNTER_MAX:
            _counter += 1
        else:
            # 4096 ids in one millisecond (or the clock went back): borrow the next one.
            _last_ms, _counter = _last_ms + 1, 0
        return _last_ms, _counter


def new_id() -> uuid.UUID:
    """A new UUIDv7: 48 bits of Unix milliseconds, a 12-bit counter, 62 random bits."""
    random_bits = secrets.randbits(_START_BITS + 62)  # one read of the OS's randomness
    unix_ms, counter = _next_timestamp_and_counter(random_bits >> 62)
    rand_b = random_bits & _RAND_B_MASK
    return uuid.UUID(
        int=(unix_ms << 80) | _VERSION_7 | (counter << 64) | _VARIANT_RFC_9562 | rand_b
    )


def parse_id(text: str, *, field: str) -> uuid.UUID:
    """Parse a canonical UUID string from a caller, or raise ``MalformedId`` naming ``field``."""
    if len(text) != 36:
        raise MalformedId(
            f"{field} must be a UUID like 0190d5e2-...; got {text[:40]!r}", field=field
        )
    try:
        return uuid.UUID(text)
    except ValueError:
        raise MalformedId(f"{field} is not a valid UUID: {text!r}", field=field) from None
