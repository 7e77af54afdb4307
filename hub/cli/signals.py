"""Stopping a long-running command on SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading

STOP_POLL_S = 0.5
"""How often the main thread wakes to let a signal's handler run."""


def stop_on_signals(*signums: signal.Signals) -> threading.Event:
    """An event that SIGTERM and SIGINT (or ``signums``) set; call from the main thread."""
    stop = threading.Event()
    for signum in signums or (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def wait_for(stop: threading.Event) -> None:
    """Block the main thread until ``stop`` is set.

    Never an untimed ``stop.wait()``: the kernel may deliver the signal to any thread (gRPC's,
    a sweeper's), and Python runs the handler only when the main thread next runs bytecode. A
    main thread parked in an untimed lock wait wakes only if the signal lands on it, so the
    process would ignore SIGTERM now and then. Waking every ``STOP_POLL_S`` bounds that."""
    while not stop.wait(STOP_POLL_S):
        pass
