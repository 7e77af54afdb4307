"""Long-running commands stop on SIGTERM whichever thread the kernel hands the signal to."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from hub.cli import signals


@pytest.fixture
def restored_handlers() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_a_signal_delivered_to_another_thread_stops_the_wait(restored_handlers: None) -> None:
    # The hub ignored SIGTERM when the kernel delivered it to one of gRPC's threads while the
    # main thread sat in an untimed Event.wait(): the handler never got to run.
    stop = signals.stop_on_signals()
    rescued = threading.Event()

    def signal_from_this_thread() -> None:
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    def rescue() -> None:  # so a regression fails the test instead of hanging the suite
        rescued.set()
        stop.set()

    sender = threading.Timer(0.1, signal_from_this_thread)
    watchdog = threading.Timer(20.0, rescue)
    sender.start()
    watchdog.start()
    try:
        signals.wait_for(stop)
    finally:
        watchdog.cancel()
        sender.join()

    assert stop.is_set()
    assert not rescued.is_set(), "the SIGTERM handler never ran"


def test_sigint_stops_too_unless_only_sigterm_is_asked_for(restored_handlers: None) -> None:
    stop = signals.stop_on_signals()
    signal.raise_signal(signal.SIGINT)
    assert stop.is_set()

    only_term = signals.stop_on_signals(signal.SIGTERM)  # the relay: Ctrl-C interrupts it
    signal.raise_signal(signal.SIGINT)  # still the first event's handler
    assert not only_term.is_set()
    signal.raise_signal(signal.SIGTERM)
    assert only_term.is_set()
