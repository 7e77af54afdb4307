"""Identifiers of members, transactions and lots: time-ordered UUIDs (version 7 layout).

Time order keeps PostgreSQL's B-tree inserts at the right edge of the index instead of
scattering them, which matters for tables that grow by millions of rows a day.
"""

from __future__ import annotations

import os
import time
import uuid

from hub.domain.errors import MalformedId

_VERSION_7 = 0x7 << 76
_VARIANT_RFC4122 = 0x2 << 62


def new_id() -> uuid.UUID:
    """A new UUID whose first 48 bits are the Unix time in milliseconds."""
    unix_ms = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    rand_a = random_bits >> 68  # 12 bits
    rand_b = random_bits & ((1 << 62) - 1)  # 62 bits
    value = (unix_ms << 80) | _VERSION_7 | (rand_a << 64) | _VARIANT_RFC4122 | rand_b
    return uuid.UUID(int=value)


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
