"""An HTTPS server whose TLS handshake runs on each connection's own thread, so a slow or
hostile client holds one thread for a bounded time, never the accept loop. The staff console
and the REST gateway both serve on it."""

from __future__ import annotations

import contextlib
import logging
import ssl
from http.server import ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S = 10.0
CONNECTION_IDLE_S = 30.0


class TlsHttpServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` over ``context``; ``name`` says whose log lines they are."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: Any, context: ssl.SSLContext, name: str
    ) -> None:
        super().__init__(address, handler)
        self.context = context
        self.name = name

    def finish_request(self, request: Any, client_address: Any) -> None:
        """The TLS handshake, on the connection's own thread, then HTTP."""
        request.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            secured = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            log.info("%s: TLS handshake with %s refused: %s", self.name, client_address[0], error)
            return
        try:
            secured.settimeout(CONNECTION_IDLE_S)
            super().finish_request(secured, client_address)
        finally:
            with contextlib.suppress(OSError):
                secured.close()
