"""A TCP proxy in front of a plaintext gRPC server that loses answers: the request reaches the
server whole, and when the server starts answering (its first HTTP/2 HEADERS frame on the
call's stream, sent once a unary handler has returned, that is after its commit) the proxy
cuts the connection instead of passing the answer on. The caller sees UNAVAILABLE for work
that was done: what a till on a flaky network sees.

    with DroppingProxy(hub_target, drop_every=5) as proxy:
        HubClient(proxy.target, ...)   # every 5th answer, counted over all connections, lost
        proxy.dropped                  # how many answers were lost
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from types import TracebackType
from typing import Self

FRAME_HEADER_BYTES = 9
"""HTTP/2 frame header: 24-bit length, type, flags, 31-bit stream id (RFC 9113 4.1)."""
HEADERS_FRAME = 0x1
BACKLOG = 64


class DroppingProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream``, dropping every ``drop_every``-th answer."""

    def __init__(self, upstream: str, *, drop_every: int) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._drop_every = drop_every
        self._answers = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
        self.target = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for open_socket in self._sockets:
                _cut(open_socket)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                _cut(client)  # the server is away: so is the proxy, for this caller
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=_pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._answers_of, args=(server, client), daemon=True).start()

    def _answers_of(self, server: socket.socket, client: socket.socket) -> None:
        """Server to client, frame by frame, cutting both sides instead of a doomed answer."""
        answered: set[int] = set()
        try:
            while frame := _read_frame(server):
                stream_id = int.from_bytes(frame[5:9]) & 0x7FFF_FFFF
                if frame[3] == HEADERS_FRAME and stream_id and stream_id not in answered:
                    answered.add(stream_id)
                    if self._doomed():
                        return
                client.sendall(frame)
        except OSError:
            pass
        finally:
            _cut(client)
            _cut(server)

    def _doomed(self) -> bool:
        with self._lock:
            doomed = next(self._answers) % self._drop_every == 0
            self.dropped += doomed
        return doomed


def _read_frame(source: socket.socket) -> bytes:
    """One whole HTTP/2 frame, header included; empty at the end of the stream."""
    header = _read_exactly(source, FRAME_HEADER_BYTES)
    if not header:
        return b""
    return header + _read_exactly(source, int.from_bytes(header[:3]))


def _read_exactly(source: socket.socket, size: int) -> bytes:
    chunks, missing = [], size
    while missing:
        chunk = source.recv(missing)
        if not chunk:
            return b""
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Client to server, byte for byte (the client's preface comes first, then frames)."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        _cut(sink)
        _cut(source)


def _cut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()
