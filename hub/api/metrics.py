"""What the hub counts for its operators, in Prometheus's model (``/metrics`` on the ops port).

Each server has a registry of its own, so two hubs in one process (tests, ``--workers``
supervisors) never share counters. Recording costs a few microseconds a call, against the
milliseconds an earn takes; labels are bounded (method names, status codes), never ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.domain.errors import HubError
from hub.services.ports.conflicts import ConnectionLost
from hub.services.ports.ops import OpsFigures

log = logging.getLogger(__name__)

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
"""From a quote's millisecond to a settlement call's seconds."""


class HubMetrics:
    """The hub's series, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.calls = Counter(
            "hub_rpc_calls",
            "RPCs answered, by method and gRPC status code",
            ("method", "code"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "hub_rpc_duration_seconds",
            "Time from the call's arrival at the hub's interceptor to its answer",
            ("method",),
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.ready = Gauge(
            "hub_ready",
            "1 while the hub takes traffic (its database answers), else 0",
            registry=self.registry,
        )

    def observe_call(self, method: str, code: str, duration_s: float) -> None:
        self.calls.labels(method, code).inc()
        self.latency.labels(method).observe(duration_s)

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A value read when scraped (the database pool's connections in use, say)."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def watch_database(self, read: Callable[[], OpsFigures], now: Callable[[], datetime]) -> None:
        """Figures read from the database on each scrape, alike on every replica."""
        self.registry.register(_DatabaseFigures(read, now))


class _DatabaseFigures(Collector):
    """The sweeper's backlog, the last day's flags by rule and decision, and how far behind
    settlement is; nothing while the database cannot be read (``hub_ready`` says so)."""

    def __init__(self, read: Callable[[], OpsFigures], now: Callable[[], datetime]) -> None:
        self._read = read
        self._now = now

    def collect(self) -> Iterator[Metric]:
        try:
            figures = self._read()
        except (HubError, ConnectionLost) as error:  # down or busy: the scrape still answers
            log.warning("metrics: database figures unavailable (%s)", type(error).__name__)
            return
        now = self._now()
        yield _gauge(
            "hub_sweeper_lag_seconds",
            "How long the oldest overdue hold expiry, maturation or point expiry has waited",
            (now - figures.oldest_due_at).total_seconds() if figures.oldest_due_at else 0.0,
        )
        flags = GaugeMetricFamily(
            "hub_fraud_flags_last_day",
            "Flags the fraud checks raised over the last day, by rule and decision",
            labels=("rule", "decision"),
        )
        for (rule, decision), count in sorted(figures.flags_by_rule.items()):
            flags.add_metric((rule, decision), count)
        yield flags
        if figures.latest_settled_day is not None:
            yield _gauge(
                "hub_settlement_latest_day_age_days",
                "Days from the latest settled business day to today (2 or more: a night missed)",
                float((now.date() - figures.latest_settled_day).days),
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
