"""The hub's answers to the standard gRPC health service (``grpc.health.v1.Health``).

Two questions, under distinct service names, so that an orchestrator never restarts a hub
for an outage of its database:

- **Readiness** -- should traffic be sent here? The overall service ``""`` and each hub
  service by its full name (``coalition.hub.v1.PartnerService``...): ``SERVING`` while the
  database answers its background probe (``hub.adapters.db_probe``), ``NOT_SERVING`` while it
  does not, and for good from the moment the server starts to stop.
- **Liveness** -- is the process alive? ``LIVENESS_SERVICE`` (``"liveness"``): ``SERVING``
  whenever the server answers at all, database or not, until the process exits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from grpc_health.v1 import health, health_pb2

LIVENESS_SERVICE = "liveness"
OVERALL_SERVICE = ""
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class _Servicer(health.HealthServicer):  # type: ignore[misc]  # grpc_health is untyped
    # grpc_health has no public way to end its streams; this reads its lock and callbacks
    # (grpcio-health-checking 1.x). tests/e2e/test_graceful_stop.py fails if that changes.
    def end_watches(self) -> None:
        """End every open ``Watch`` stream with OK, after the last status it was sent."""
        with self._lock:
            callbacks = [each for group in self._send_response_callbacks.values() for each in group]
        for send in callbacks:
            send(None)  # grpc's non-blocking stream: None closes it with OK


class HubHealth:
    """Readiness and liveness on one ``grpc_health`` servicer; thread-safe."""

    def __init__(self, services: Iterable[str]) -> None:
        self.servicer = _Servicer()
        self.readiness_services = (OVERALL_SERVICE, *services)
        self._lock = threading.Lock()
        self._stopping = False
        self._ready = False

    def start(self) -> None:
        """The server listens: alive; readiness is whatever ``set_ready`` says next."""
        self.servicer.set(LIVENESS_SERVICE, SERVING)

    def set_ready(self, ready: bool) -> None:
        """Readiness follows the database; ignored once stopping (a stopping hub never comes
        back into its load balancer)."""
        with self._lock:
            if self._stopping:
                return
            self._ready = ready
            self._set_readiness(SERVING if ready else NOT_SERVING)

    def enter_shutdown(self) -> None:
        """Not ready from now on, for good; liveness stays as it is."""
        with self._lock:
            self._stopping = True
            self._ready = False
            self._set_readiness(NOT_SERVING)

    def is_ready(self) -> bool:
        """What readiness says now (the ops port's ``/readyz``)."""
        return self._ready

    def end_watches(self) -> None:
        """Close the health streams of watchers (load balancers): an open stream is an
        in-flight call, and would hold a stopping server for its whole grace period."""
        self.servicer.end_watches()

    def _set_readiness(self, status: int) -> None:
        for service in self.readiness_services:
            self.servicer.set(service, status)
