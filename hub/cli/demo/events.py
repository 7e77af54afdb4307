"""The demo's event stream: Bean There's HTTPS webhook, set before its first sale, receives the
partner's events from the relay, signed with its secret, and checks each one with
``partner_sdk.webhooks.verify`` as a partner's own server would.

The receiver is the standard library's HTTP server behind TLS, with a certificate from the
demo's coalition CA, which the relay is told to trust. The relay runs in this process until
the outbox is drained; NATS JetStream is optional (``hub demo --nats URL``, on the stream
``HUB_EVENTS_STREAM`` names, ``HUB_EVENTS`` by default).
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.pki import CA_CERT_FILE
from hub.adapters.tables import outbox_events
from hub.cli.common import print_table
from hub.cli.demo.output import DemoError
from hub.cli.demo.security import SECURITY_OFFICER, DemoPki
from hub.relay.relay import Relay
from hub.relay.settings import RelaySettings
from partner_sdk.webhooks import WebhookVerificationError, verify

PARTNER = "coffee"
PARTNER_NAME = "Bean There"
HOOK_PATH = "/hooks/hub-events"
BODY_BYTES_MAX = 64 * 1024
SAMPLES_PER_KIND = 2
DEMO_ATTEMPTS_MAX = 2
"""A delivery the local receiver refuses twice is dead-lettered: the demo then fails."""


@dataclass
class Received:
    """What the partner's server accepted (verified) and refused."""

    secret: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, body: bytes, headers: dict[str, str]) -> bool:
        try:
            event = verify(body, headers, self.secret)
        except WebhookVerificationError as error:
            with self.lock:
                self.refused.append(f"{type(error).__name__}: {error}")
            return False
        with self.lock:
            self.events.append(event)
        return True


class WebhookReceiver:
    """The partner's HTTPS endpoint, on a free local port, verifying each delivery."""

    def __init__(self, pki: DemoPki, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        issued = pki.authority.issue_server(["127.0.0.1", "localhost"], datetime.now(UTC))
        certificate, key = issued.write(folder, "partner-webhook")
        self.ca_file = pki.directory / CA_CERT_FILE
        self.received = Received()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.received))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(certificate, key)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}{HOOK_PATH}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # the relay keeps its connection alive

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(min(length, BODY_BYTES_MAX))
            ok = self.path == HOOK_PATH and received.take(body, dict(self.headers.items()))
            self.send_response(204 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


def register_webhook(hub: bootstrap.Hub, receiver: WebhookReceiver) -> None:
    """Set the partner's webhook before its first sale; the secret goes to the partner."""
    view = hub.operator.set_webhook(PARTNER, receiver.url, SECURITY_OFFICER)
    if view.secret is None:
        raise DemoError("setting the demo partner's webhook made no secret")
    receiver.received.secret = view.secret
    print(f"\nEvents: {PARTNER_NAME}'s webhook is {receiver.url}")
    print(
        "  its secret was shown once, to the partner; the hub keeps it sealed under its data "
        "key, and only the relay opens it"
    )
    print("  a webhook receives the events written after it was set, never the partner's history")


def show_event_stream(hub: bootstrap.Hub, receiver: WebhookReceiver, nats_url: str) -> bool:
    """Relay the outbox until it is drained; print what the partner received. ``False`` when a
    delivery failed verification or an event of the partner's did not arrive."""
    defaults = RelaySettings()
    settings = RelaySettings(
        nats_url=nats_url,
        stream=os.environ.get("HUB_EVENTS_STREAM", defaults.stream),
        subject_prefix=os.environ.get("HUB_EVENTS_SUBJECT_PREFIX", defaults.subject_prefix),
        webhook_ca_file=str(receiver.ca_file),
        attempts_max=DEMO_ATTEMPTS_MAX,
        backoff_base_s=0.05,
        data_keys=hub.settings.data_keys(),
    )
    relay = Relay(hub.engine, settings)
    started = time.monotonic()
    try:
        delivered = relay.drain()
    finally:
        relay.close()
    elapsed_s = time.monotonic() - started
    written = _written(hub.engine)
    received = receiver.received
    print("\nEvent stream: the relay drains the outbox (at least once, in order per member)")
    where = "NATS JetStream and " if nats_url else ""
    print(f"  {delivered:,} deliveries to {where}{PARTNER_NAME}'s webhook in {elapsed_s:.1f} s")
    print(f"  {PARTNER_NAME}'s server checked each with partner_sdk.webhooks.verify:")
    _print_samples(received.events)
    _print_counts(written, received.events)
    _print_elsewhere(written, nats_url)
    for refusal in received.refused:
        print(f"  refused a delivery: {refusal}")
    expected = sum(count for (partner, _), count in written.items() if partner == PARTNER)
    return not received.refused and len({e["id"] for e in received.events}) == expected


def _written(engine: sa.Engine) -> Counter[tuple[str, str]]:
    """Events in the outbox, by partner and kind."""
    events = outbox_events.c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(events.partner_id, events.kind, sa.func.count()).group_by(
                events.partner_id, events.kind
            )
        )
        return Counter({(partner, kind): count for partner, kind, count in rows})


def _print_samples(events: list[dict[str, Any]]) -> None:
    shown: Counter[str] = Counter()
    for event in sorted(events, key=lambda e: e["id"]):
        if shown[event["kind"]] < SAMPLES_PER_KIND:
            shown[event["kind"]] += 1
            what = _what(event["data"])
            print(f"    event {event['id']:>4} {event['kind']:<16} {what} (verified)")


def _what(data: dict[str, Any]) -> str:
    """One line of an event's data, as a partner's server might log it."""
    if "business_date" in data:
        return f"statement of {data['business_date']} ready to fetch and reconcile"
    member = f"member {str(data.get('member_id', ''))[:8]}"
    if "decision" in data:
        return f"{member} {data['decision']} score {data['score']} ({data['operation']})"
    order = f" order {data['order_id']}" if data.get("order_id") else ""
    return f"{member} {data.get('points', 0):,} points{order}"


def _print_counts(written: Counter[tuple[str, str]], events: list[dict[str, Any]]) -> None:
    received = Counter(event["kind"] for event in events)
    rows = [
        (kind, count, received[kind])
        for (partner, kind), count in sorted(written.items())
        if partner == PARTNER
    ]
    print_table(("event", "written", "received and verified"), rows)


def _print_elsewhere(written: Counter[tuple[str, str]], nats_url: str) -> None:
    others: Counter[str] = Counter()
    for (partner, kind), count in written.items():
        if partner != PARTNER:
            others[kind] += count
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(others.items()))
    if nats_url:
        print(f"  every event went to NATS JetStream at {nats_url}, the others' too ({kinds})")
    else:
        print(
            f"  the other partners' and the coalition's events ({kinds}) have no webhook "
            "here; `hub demo --nats nats://127.0.0.1:4222` publishes every event to NATS too"
        )
