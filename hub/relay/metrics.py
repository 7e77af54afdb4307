"""What a relay counts of its own deliveries, in Prometheus's model: shown on the ops port of
``hub serve`` when it relays (``HUB_RELAY=on``), or of ``hub relay --ops-listen``.

These are one process's counts; the outbox's backlog and dead letters, alike on every replica,
are read from the database by ``hub.api.metrics``. Labels are bounded: the sink (``nats``,
``webhook``) and the outcome, never a partner or an event.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

DELIVERED, FAILED, DEAD_LETTERED = "delivered", "failed", "dead_lettered"
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
"""From a relay polling every half second to an outage of an hour."""


class RelayMetrics:
    """The relay's series, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.deliveries = Counter(
            "hub_relay_deliveries",
            "Deliveries by sink and outcome: delivered; failed (NATS refused or unreachable, "
            "retried at the next pass); dead_lettered (a webhook's retries exhausted)",
            ("sink", "outcome"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "hub_relay_delivery_latency_seconds",
            "From an event's write to the outbox to its acknowledged delivery, by sink",
            ("sink",),
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.shut_webhooks = Gauge(
            "hub_relay_webhooks_shut",
            "Webhooks this relay cannot deliver to because it cannot open their secret (no "
            "HUB_DATA_KEY, or not the key that sealed it); their events wait in the outbox",
            registry=self.registry,
        )

    def delivered(self, sink: str, created_at: datetime, now: datetime) -> None:
        self.deliveries.labels(sink, DELIVERED).inc()
        # Clocks of the writer and the relay may differ a little: never a negative latency.
        self.latency.labels(sink).observe(max(0.0, (now - created_at).total_seconds()))

    def failed(self, sink: str, outcome: str = FAILED) -> None:
        self.deliveries.labels(sink, outcome).inc()
