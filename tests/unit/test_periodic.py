"""The background threads of ``hub serve``: when they run their job, and surviving failures."""

from __future__ import annotations

import logging
import threading

import pytest

from hub.services.periodic import PeriodicThread
from hub.services.sweeper import SweepReport, sweep_logged


def test_a_periodic_thread_waits_an_interval_before_its_first_pass_unless_told() -> None:
    ran = threading.Event()
    waiting = PeriodicThread("test", ran.set, interval_s=60)
    waiting.start()
    assert not ran.wait(0.2)
    waiting.stop()
    assert not waiting.is_alive()

    eager = PeriodicThread("test", ran.set, interval_s=60, at_start=True)
    eager.start()
    assert ran.wait(5)
    eager.stop()


def test_a_periodic_thread_runs_again_every_interval_until_stopped() -> None:
    passes: list[int] = []
    thread = PeriodicThread("test", lambda: passes.append(1), interval_s=0.01)
    thread.start()
    while len(passes) < 3:
        thread.join(0.01)
    thread.stop()
    count = len(passes)

    assert not thread.is_alive()
    thread.join(0.05)
    assert len(passes) == count


def test_a_failed_sweep_is_logged_and_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def failing() -> SweepReport:
        raise RuntimeError("database away")

    with caplog.at_level(logging.ERROR, logger="hub.sweeper"):
        sweep_logged(failing)

    assert "sweep failed" in caplog.text
