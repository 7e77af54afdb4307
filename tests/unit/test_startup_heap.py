"""A server's startup objects are frozen out of the garbage collector's full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.cli.heap import freeze_startup_heap


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_what_lives_at_start_is_frozen_and_what_comes_later_is_collected(unfrozen_afterwards):
    kept_from_start = [object() for _ in range(1_000)]

    frozen = freeze_startup_heap()

    assert frozen >= len(kept_from_start)
    assert gc.get_freeze_count() == frozen
    cycle: list[object] = []
    cycle.append(cycle)  # garbage only a collection frees
    del cycle
    assert gc.collect() >= 1
