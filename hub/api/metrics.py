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
from hub.services.ports.ops import UNDELIVERED_COUNTED_MAX, OpsFigures

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
    """The sweeper's backlog, the last day's flags by rule and decision, how far behind
    settlement is and how long its latest run took, and the event outbox's backlog per
    destination and dead letters; nothing while the database cannot be read (``hub_ready``
    says so)."""

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
        if figures.latest_run_duration_s is not None:
            yield _gauge(
                "hub_settlement_run_duration_seconds",
                "How long the latest settlement run took, from its start to its write",
                figures.latest_run_duration_s,
            )
        yield from _outbox(figures, now)


def _outbox(figures: OpsFigures, now: datetime) -> Iterator[Metric]:
    labels = ("sink", "partner")
    undelivered = GaugeMetricFamily(
        "hub_outbox_undelivered_events",
        "Events in the outbox a destination of the relay has not taken yet, counted up to "
        f"{UNDELIVERED_COUNTED_MAX} (partner: the webhook's; empty for NATS)",
        labels=labels,
    )
    lag = GaugeMetricFamily(
        "hub_outbox_lag_seconds",
        "Age of the oldest event a destination has not taken yet; 0 when it is caught up",
        labels=labels,
    )
    for backlog in figures.outbox:
        key = (backlog.sink, backlog.partner_id)
        undelivered.add_metric(key, backlog.undelivered)
        oldest = backlog.oldest_created_at
        lag.add_metric(key, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    letters = GaugeMetricFamily(
        "hub_outbox_dead_letters",
        "Webhook deliveries that exhausted their retries and are not replayed yet, by partner",
        labels=("partner",),
    )
    for partner_id, count in sorted(figures.dead_letters_by_partner.items()):
        letters.add_metric((partner_id,), count)
    yield from (undelivered, lag, letters)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
