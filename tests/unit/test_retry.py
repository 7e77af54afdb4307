import pytest

from hub.domain.errors import ConcurrencyConflict
from hub.services import retry
from hub.services.ports.conflicts import TransientConflict


def test_a_use_case_that_lost_a_race_is_run_again(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda _s: None)
    attempts = []

    def attempt() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise TransientConflict("deadlock detected")
        return "done"

    assert retry.retrying(attempt) == "done"
    assert len(attempts) == 3


def test_a_use_case_that_keeps_losing_is_aborted_after_a_bounded_number_of_attempts(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", sleeps.append)
    attempts = []

    def attempt() -> None:
        attempts.append(1)
        raise TransientConflict("could not serialize access")

    with pytest.raises(ConcurrencyConflict):
        retry.retrying(attempt)
    assert len(attempts) == retry.ATTEMPTS_MAX
    assert len(sleeps) == retry.ATTEMPTS_MAX - 1
    assert all(0 <= s <= retry.BACKOFF_CAP_S for s in sleeps)
