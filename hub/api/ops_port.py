"""The operations port: plain HTTP for orchestrators and metric scrapers, no partner data.

A kubelet's gRPC probe cannot present a client certificate, so the mTLS port's health service
is out of its reach. This port answers, without TLS and without a caller:

- ``GET /livez``: 200 while the process serves at all (restart it when this fails);
- ``GET /readyz``: 200 while the hub takes traffic (its database answers), else 503 (take it
  out of the load balancer, do not restart it);
- ``GET /metrics``: the Prometheus exposition of ``hub.api.metrics``.

Bind it where only the cluster reaches it (a pod IP, not a public address).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.metrics import HubMetrics

log = logging.getLogger(__name__)


class OpsPort:
    """The ops HTTP server on its own thread; ``stop`` closes it."""

    def __init__(self, listen: str, metrics: HubMetrics, is_ready: Callable[[], bool]) -> None:
        host, _, port = listen.rpartition(":")
        handler = _handler(metrics, is_ready)
        self._server = ThreadingHTTPServer((host.strip("[]"), int(port)), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="hub-ops", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> OpsPort:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(metrics: HubMetrics, is_ready: Callable[[], bool]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/livez":
                self._answer(HTTPStatus.OK, b"alive\n")
            elif self.path == "/readyz":
                ready = is_ready()
                status = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
                self._answer(status, b"ready\n" if ready else b"not ready: database\n")
            elif self.path == "/metrics":
                self._answer(HTTPStatus.OK, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            else:
                self._answer(HTTPStatus.NOT_FOUND, b"/livez, /readyz or /metrics\n")

        def _answer(
            self, status: HTTPStatus, body: bytes, content_type: str = "text/plain; charset=utf-8"
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("ops %s", format % args)  # scrapes every few seconds: not worth INFO

    return Handler
