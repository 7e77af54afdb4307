"""The in-memory admission cache: what it serves, and when it stops trusting itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.access import PartnerAccess
from hub.domain.credentials import Credential
from hub.domain.partners import PartnerStatus
from hub.domain.principals import Principal
from hub.services import admission_cache
from hub.services.admission_cache import (
    FRESHNESS_S,
    NEGATIVE_TTL_S,
    Access,
    AdmissionCache,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CREDENTIAL = Credential(
    serial="abc123",
    principal=Principal.partner("coffee"),
    fingerprint_sha256="00" * 32,
    not_before=NOW,
    not_after=NOW + timedelta(days=365),
    issued_at=NOW,
    issued_by="cli:root",
)
ACTIVE = PartnerAccess(PartnerStatus.ACTIVE, None)


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Store:
    """Counts reads; answers what it currently holds."""

    def __init__(self, found: Access = (CREDENTIAL, ACTIVE)) -> None:
        self.found = found
        self.reads = 0

    def read(self) -> Access:
        self.reads += 1
        return self.found


def vouched_cache(clock: Clock) -> AdmissionCache:
    cache = AdmissionCache(monotonic=clock)
    cache.vouch(1, clock())
    return cache


def test_a_vouched_cache_reads_the_database_once_for_repeated_calls() -> None:
    clock, store = Clock(), Store()
    cache = vouched_cache(clock)
    for _ in range(3):
        assert cache.access("abc123", "coffee", store.read) == (CREDENTIAL, ACTIVE)
    assert store.reads == 1


def test_a_cache_no_refresher_vouches_for_reads_the_database_on_every_call() -> None:
    clock, store = Clock(), Store()
    cache = AdmissionCache(monotonic=clock)
    cache.access("abc123", "coffee", store.read)
    cache.access("abc123", "coffee", store.read)
    assert store.reads == 2


def test_entries_stop_being_served_once_the_last_version_read_is_older_than_a_second() -> None:
    clock, store = Clock(), Store()
    cache = vouched_cache(clock)
    cache.access("abc123", "coffee", store.read)
    clock.now_s += FRESHNESS_S + 0.01
    cache.access("abc123", "coffee", store.read)
    assert store.reads == 2


def test_a_new_version_forgets_everything_and_the_same_version_keeps_it() -> None:
    clock, store = Clock(), Store()
    cache = vouched_cache(clock)
    cache.access("abc123", "coffee", store.read)
    cache.vouch(1, clock())
    cache.access("abc123", "coffee", store.read)
    assert store.reads == 1
    cache.vouch(2, clock())
    cache.access("abc123", "coffee", store.read)
    assert store.reads == 2


def test_an_invalidation_makes_the_next_call_read_what_changed() -> None:
    clock, store = Clock(), Store()
    cache = vouched_cache(clock)
    cache.access("abc123", "coffee", store.read)
    revoked = CREDENTIAL.revoke(NOW, "cli:root", "lost")
    store.found = (revoked, ACTIVE)
    cache.invalidate()
    assert cache.access("abc123", "coffee", store.read) == (revoked, ACTIVE)


def test_an_unknown_serial_is_believed_for_at_most_the_negative_ttl() -> None:
    clock, store = Clock(), Store((None, ACTIVE))
    cache = vouched_cache(clock)
    assert cache.access("new", "coffee", store.read) == (None, ACTIVE)
    assert cache.access("new", "coffee", store.read) == (None, ACTIVE)
    assert store.reads == 1
    store.found = (CREDENTIAL, ACTIVE)
    clock.now_s += NEGATIVE_TTL_S
    cache.vouch(1, clock())
    assert cache.access("new", "coffee", store.read) == (CREDENTIAL, ACTIVE)


def test_an_unknown_partner_is_believed_for_at_most_the_negative_ttl() -> None:
    clock, store = Clock(), Store((None, None))
    cache = vouched_cache(clock)
    cache.access(None, "tea", store.read)
    store.found = (None, ACTIVE)
    clock.now_s += NEGATIVE_TTL_S
    cache.vouch(1, clock())
    assert cache.access(None, "tea", store.read) == (None, ACTIVE)


def test_a_read_overtaken_by_an_invalidation_is_not_kept() -> None:
    clock = Clock()
    cache = vouched_cache(clock)
    revoked = CREDENTIAL.revoke(NOW, "cli:root", "lost")

    def read_then_the_revocation_lands() -> Access:
        cache.invalidate()  # the change commits and is notified while the old row is in hand
        return CREDENTIAL, ACTIVE

    cache.access("abc123", "coffee", read_then_the_revocation_lands)
    store = Store((revoked, ACTIVE))
    assert cache.access("abc123", "coffee", store.read) == (revoked, ACTIVE)
    assert store.reads == 1


def test_a_caller_with_neither_serial_nor_partner_costs_no_read_once_vouched() -> None:
    clock, store = Clock(), Store((None, None))
    cache = vouched_cache(clock)
    assert cache.access(None, None, store.read) == (None, None)
    assert store.reads == 0


def test_a_full_cache_starts_over_instead_of_growing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admission_cache, "ENTRIES_MAX", 2)
    clock = Clock()
    cache = vouched_cache(clock)
    for serial in ("a", "b", "c"):
        cache.access(serial, None, Store().read)
    assert len(cache._credentials) == 1
