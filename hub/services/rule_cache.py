"""The rules as this process last read them, kept until their generation changes.

Every partner call already reads the partner's row; that read also returns the rules'
generation (a counter every rule change raises in its own transaction). A call whose
generation matches the cache uses it, so rules cost no round trip until they change, and a
change reaches every replica at its next call, with no restart and no stale window.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from hub.domain.rules import Ruleset, RuleVersion
from hub.services.ports.unit_of_work import UnitOfWork


class RuleCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Every rule change raises the generation from 0, so generation 0 has no rules: a hub
        # without rules never reads them.
        self._generation = 0
        self._versions: tuple[RuleVersion, ...] = ()

    def ruleset(self, uow: UnitOfWork, generation: int, at: datetime) -> Ruleset:
        """The rules in force ``at``, reading them through ``uow`` when the cache is not of
        ``generation``."""
        with self._lock:
            cached = self._generation == generation
            versions = self._versions
        if not cached:
            versions = self._store(generation, uow.rules.versions())
        return Ruleset.in_force(versions, at)

    def current(self, at: datetime) -> tuple[int, Ruleset]:
        """The cached generation and its rules in force ``at``, without reading: a call sends
        its reads on them, and checks the generation its own read returns (``ruleset``)."""
        with self._lock:
            generation, versions = self._generation, self._versions
        return generation, Ruleset.in_force(versions, at)

    def _store(self, generation: int, versions: Sequence[RuleVersion]) -> tuple[RuleVersion, ...]:
        stored = tuple(versions)
        with self._lock:
            # Two threads may read concurrently; the newer generation stays.
            if generation >= self._generation:
                self._generation, self._versions = generation, stored
        return stored
