"""Who may call, as this process last read it: credentials and partners' access, served from
memory while a refresher vouches that they are current.

A refresher (``hub.adapters.cache_refresher``) reads the database's cache version at least
once per second and calls ``vouch``; a notification of a change, or a change this process
committed, calls ``invalidate``. Entries are served only within ``FRESHNESS_S`` of the start
of the last version read that vouched for them, so a stalled refresher, a lost notification
or a dropped connection can never make a revoked certificate or a disabled partner welcome
for longer than that: without a refresher every call reads the database, as it always did.

Unknown serials and partners are remembered for at most ``NEGATIVE_TTL_S``, so a certificate
issued on another replica is accepted within that time even if its notification is lost.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.domain.access import PartnerAccess
from hub.domain.credentials import Credential

FRESHNESS_S = 1.0
"""How long after a version read began its entries may still be served."""
NEGATIVE_TTL_S = 1.0
"""How long "no such serial" or "no such partner" is believed."""
ENTRIES_MAX = 10_000
"""Per kind; a full cache starts over rather than grow without bound."""

Access = tuple[Credential | None, PartnerAccess | None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T | None
    expires_at: float
    """Monotonic seconds; infinite for what was found (a change invalidates it)."""


class AdmissionCache:
    """Thread-safe; one per process, shared by every call."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._epoch = 0
        """Raised by every invalidation: a read begun before it must not be stored."""
        self._version: int | None = None
        self._vouched_at = -math.inf
        self._credentials: dict[str, _Entry[Credential]] = {}
        self._partners: dict[str, _Entry[PartnerAccess]] = {}

    def access(
        self, serial: str | None, partner_id: str | None, read: Callable[[], Access]
    ) -> Access:
        """The credential with ``serial`` and the access of ``partner_id`` (``None`` asks for
        nothing), from memory when both are there and current, else from ``read()``."""
        now = self._monotonic()
        with self._lock:
            fresh = now - self._vouched_at <= FRESHNESS_S
            epoch = self._epoch
            credential = _current(self._credentials, serial, now) if fresh else None
            partner = _current(self._partners, partner_id, now) if fresh else None
        if credential is not None and partner is not None:
            return credential.value, partner.value
        found = read()
        if fresh:
            self._store(epoch, serial, partner_id, found)
        return found

    def invalidate(self) -> None:
        """Forget everything: something that admission depends on changed."""
        with self._lock:
            self._forget()

    def vouch(self, version: int, read_started_at: float) -> None:
        """The database's cache version, as a read begun at monotonic ``read_started_at``
        found it: entries stay servable for ``FRESHNESS_S`` from then, unless it moved."""
        with self._lock:
            if version != self._version:
                self._forget()
                self._version = version
            self._vouched_at = max(self._vouched_at, read_started_at)

    def _forget(self) -> None:
        self._epoch += 1
        self._credentials = {}
        self._partners = {}

    def _store(self, epoch: int, serial: str | None, partner_id: str | None, found: Access) -> None:
        expires_at = self._monotonic() + NEGATIVE_TTL_S
        credential, partner = found
        with self._lock:
            if epoch != self._epoch:
                return  # a change arrived while reading: what was read may predate it
            if serial is not None:
                _put(self._credentials, serial, _Entry(credential, _expiry(credential, expires_at)))
            if partner_id is not None:
                _put(self._partners, partner_id, _Entry(partner, _expiry(partner, expires_at)))


_ASKED_FOR_NOTHING: _Entry[object] = _Entry(None, math.inf)


def _current(entries: dict[str, _Entry[T]], key: str | None, now: float) -> _Entry[T] | None:
    if key is None:
        return _ASKED_FOR_NOTHING  # type: ignore[return-value]
    entry = entries.get(key)
    return entry if entry is not None and now < entry.expires_at else None


def _expiry(value: object | None, negative_expires_at: float) -> float:
    return math.inf if value is not None else negative_expires_at


def _put(entries: dict[str, _Entry[T]], key: str, entry: _Entry[T]) -> None:
    if len(entries) >= ENTRIES_MAX:
        entries.clear()
    entries[key] = entry
