"""What the event tests stand on: a JetStream stream of the test's own on the NATS server at
127.0.0.1:4222, and a local HTTPS webhook receiver with a certificate from the test's CA."""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest

from tests.e2e.mtls import Pki, real_now

NATS_URL = "nats://127.0.0.1:4222"


@dataclass(frozen=True)
class EventStream:
    name: str
    prefix: str

    def env(self) -> dict[str, str]:
        return {
            "HUB_NATS_URL": NATS_URL,
            "HUB_EVENTS_STREAM": self.name,
            "HUB_EVENTS_SUBJECT_PREFIX": self.prefix,
        }

    def messages(self) -> list[tuple[str, dict[str, str], bytes]]:
        """Every message the stream holds, in stream order: (subject, headers, body)."""
        return asyncio.run(self._messages())

    def count(self) -> int:
        return asyncio.run(self._count())

    async def _count(self) -> int:
        client = await nats.connect(NATS_URL)
        try:
            info = await client.jetstream().stream_info(self.name)
            return int(info.state.messages)
        except nats.js.errors.NotFoundError:
            return 0
        finally:
            await client.close()

    async def _messages(self) -> list[tuple[str, dict[str, str], bytes]]:
        client = await nats.connect(NATS_URL)
        try:
            js = client.jetstream()
            info = await js.stream_info(self.name)
            found = []
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                message = await js.get_msg(self.name, sequence)
                found.append((message.subject, dict(message.headers or {}), message.data))
            return found
        finally:
            await client.close()

    async def delete(self) -> None:
        client = await nats.connect(NATS_URL)
        try:
            await client.jetstream().delete_stream(self.name)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await client.close()


def _reachable() -> bool:
    async def probe() -> None:
        client = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
        await client.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, nats.errors.Error):
        return False
    return True


@pytest.fixture
def stream() -> Iterator[EventStream]:
    """A stream and subjects no other test uses, deleted afterwards."""
    if not _reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"NATS JetStream is not reachable at {NATS_URL}")
        pytest.skip(f"NATS JetStream is not reachable at {NATS_URL}")
    tag = uuid.uuid4().hex[:12]
    made = EventStream(f"HUB_EVENTS_T{tag}", f"hubtest{tag}.events")
    yield made
    asyncio.run(made.delete())


@dataclass
class Receiver:
    """An HTTPS endpoint that records what it is sent and answers ``status``."""

    port: int = 0
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    attempts: int = 0

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/hooks/events"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[Receiver, Path]]:
    """The receiver, and the CA file its certificate chains to (the relay's trust)."""
    pki = Pki()
    issued = pki.authority.issue_server(["127.0.0.1", "localhost"], real_now())
    (tmp_path / "hook.crt").write_bytes(issued.certificate_pem)
    (tmp_path / "hook.key").write_bytes(issued.key_pem)
    ca_file = tmp_path / "hook-ca.crt"
    ca_file.write_bytes(pki.authority.certificate_pem)
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            if state.status == 200:
                state.received.append((dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "hook.crt", tmp_path / "hook.key")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, ca_file
    server.shutdown()
    server.server_close()
