"""Background work inside ``hub serve``: one thread per job, run every few seconds until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable

STOP_JOIN_S = 30.0
"""How long ``stop`` waits for a pass in progress to finish."""


class PeriodicThread(threading.Thread):
    """Runs ``task`` every ``interval_s`` (first at once when ``at_start``) until stopped.

    ``task`` logs its own outcome and failures: a failed pass must not end the thread, and only
    the task knows what its failure means.
    """

    def __init__(
        self, name: str, task: Callable[[], object], interval_s: float, *, at_start: bool = False
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._task, self._interval_s, self._at_start = task, interval_s, at_start
        self._stopping = threading.Event()

    def run(self) -> None:
        if self._at_start:
            self._task()
        while not self._stopping.wait(self._interval_s):
            self._task()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=STOP_JOIN_S)
