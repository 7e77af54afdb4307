"""A TCP proxy between the hub and PostgreSQL that counts round trips on the wire.

A round trip is the client speaking after the server has answered (or for the first time on
a connection): however many statements a pipeline carries, one burst of client bytes followed
by the server's answer counts once. Connection set-up (the start-up packet and authentication)
is counted apart, so a pooled connection's reuse is what a call costs.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


class RoundTripCounter:
    """Forwards 127.0.0.1:<port> to PostgreSQL and counts client bursts per connection."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._round_trips = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._round_trips

    def reset(self) -> None:
        with self._lock:
            self._round_trips = 0

    def close(self) -> None:
        self._stopping = True
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        client_spoke_last = False
        authenticated = False
        try:
            while True:
                for key, _ in selector.select():
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                    if source is client:
                        if not client_spoke_last and authenticated:
                            with self._lock:
                                self._round_trips += 1
                        client_spoke_last = True
                    else:
                        # ReadyForQuery ('Z') first ends the start-up exchange.
                        authenticated = authenticated or b"Z\x00\x00\x00\x05" in data
                        client_spoke_last = False
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            server.close()


@contextmanager
def counted(url: str) -> Iterator[tuple[str, RoundTripCounter]]:
    """``url`` rewritten to pass through a round-trip counter, and the counter."""
    parsed = make_url(url)
    counter = RoundTripCounter(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        proxied = parsed.set(host="127.0.0.1", port=counter.port)
        yield proxied.render_as_string(hide_password=False), counter
    finally:
        counter.close()
