"""The figures the operations port reads from the database on each scrape."""

from __future__ import annotations

from datetime import timedelta

from hub.domain.clock import Clock
from hub.services.ports.ops import OpsFigures
from hub.services.ports.unit_of_work import UnitOfWorkFactory

FLAGS_WINDOW = timedelta(days=1)
"""Flags are counted over the last day: what a dashboard compares with yesterday's."""


def read_figures(uow_factory: UnitOfWorkFactory, clock: Clock) -> OpsFigures:
    """Sweeper backlog, the last day's flags by rule and decision, the latest settled day."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        return uow.ops.figures(now, now - FLAGS_WINDOW)
