"""The ops port's figures of the event outbox and of settlement runs, read from PostgreSQL on each
scrape so every replica reports the same; the relay's own counts, when ``hub serve`` relays and
from ``hub relay --ops-listen``; and a scrape that still answers with the database away."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from coalition.hub.v1 import settlement_pb2, settlement_pb2_grpc
from hub import bootstrap
from hub.adapters.tables import partner_event_settings, settlement_runs
from hub.api.headers import STAFF_HEADER
from hub.api.server import RunningServer, start_server
from hub.domain.clock import ManualClock
from hub.relay.metrics import RelayMetrics
from hub.relay.relay import Relay, replay
from hub.relay.settings import RelaySettings
from hub.relay.webhooks import WebhookSender
from hub.services.commands import Attribution, RunSettlement
from tests.conftest import _admin, add_partner, settings_for
from tests.e2e import events_fixtures
from tests.e2e.events_fixtures import NATS_URL, EventStream, Receiver
from tests.e2e.hub_process import hub_serve, until
from tests.e2e.test_events import relay_until
from tests.integration.helpers import card, earn, enroll

pytestmark = pytest.mark.postgres

stream = events_fixtures.stream
receiver = events_fixtures.receiver
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
STAFF = ((STAFF_HEADER, "officer/olga"),)
DELIVERIES = "hub_relay_deliveries_total"
_SAMPLE = re.compile(r"^(\w+)(?:\{(.*)\})? (\S+)$")


@pytest.fixture
def served(pg_url: str, clock: ManualClock) -> Iterator[tuple[bootstrap.Hub, RunningServer]]:
    settings = replace(settings_for(pg_url), ops_listen="127.0.0.1:0", fraud_checks=False)
    hub = bootstrap.build(settings, clock=clock)
    add_partner(hub, "coffee")
    running = start_server(hub, "127.0.0.1:0")
    yield hub, running
    running.stop(grace_s=1)
    hub.close()


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.status == 200
        return str(answer.read().decode())


def metrics_of(running: RunningServer) -> str:
    assert running.ops is not None
    return scrape(running.ops.port)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the series ``name`` with exactly ``labels``; ``None`` when absent."""
    for line in text.splitlines():
        found = _SAMPLE.match(line)
        if found is None or found.group(1) != name:
            continue
        if dict(re.findall(r'(\w+)="([^"]*)"', found.group(2) or "")) == labels:
            return float(found.group(3))
    return None


def add_webhook(hub: bootstrap.Hub, partner_id: str, hook: Receiver) -> None:
    """The partner's webhook as stored; the relay delivers to it from the first event."""
    with hub.engine.begin() as connection:
        connection.execute(
            partner_event_settings.insert().values(
                partner_id=partner_id,
                webhook_url=hook.url,
                webhook_secret="whsec_metrics-test",
                updated_at=hub.clock.now(),
            )
        )


def one_earn_written(pg_url: str, clock: ManualClock) -> None:
    """A coffee partner and one earn in the outbox, for a relay to deliver."""
    seeded = bootstrap.build(replace(settings_for(pg_url), fraud_checks=False), clock=clock)
    add_partner(seeded, "coffee")
    enroll(seeded)
    earn(seeded, card(), 1000)
    seeded.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_outbox_backlog_and_its_age_show_per_destination_and_drop_once_relayed(
    served: tuple[bootstrap.Hub, RunningServer],
    clock: ManualClock,
    stream: EventStream,
    receiver: tuple[Receiver, Path],
) -> None:
    hub, running = served
    hook, ca_file = receiver
    add_webhook(hub, "coffee", hook)
    settings = RelaySettings(
        nats_url=NATS_URL,
        stream=stream.name,
        subject_prefix=stream.prefix,
        webhook_ca_file=str(ca_file),
    )
    relay = Relay(hub.engine, settings, metrics=RelayMetrics(running.metrics.registry))
    try:
        assert relay.pass_once() == 0  # NATS's progress starts before anything is written
        enroll(hub)
        earn(hub, card(), 1000)
        earn(hub, card(), 2000)
        clock.advance(timedelta(seconds=90))

        waiting = metrics_of(running)
        for sink, partner in (("nats", ""), ("webhook", "coffee")):
            assert sample(waiting, "hub_outbox_undelivered_events", sink=sink, partner=partner) == 2
            assert sample(waiting, "hub_outbox_lag_seconds", sink=sink, partner=partner) == 90
        assert (
            sample(waiting, "hub_relay_deliveries_total", sink="nats", outcome="delivered") is None
        )

        relay_until(relay, 4)  # two events to each destination
        relayed = metrics_of(running)
    finally:
        relay.close()
    for sink, partner in (("nats", ""), ("webhook", "coffee")):
        assert sample(relayed, "hub_outbox_undelivered_events", sink=sink, partner=partner) == 0
        assert sample(relayed, "hub_outbox_lag_seconds", sink=sink, partner=partner) == 0
        assert sample(relayed, "hub_relay_deliveries_total", sink=sink, outcome="delivered") == 2
        assert sample(relayed, "hub_relay_delivery_latency_seconds_count", sink=sink) == 2
    assert stream.count() == 2
    assert len(hook.received) == 2


def test_dead_letters_show_per_partner_until_they_are_replayed(
    served: tuple[bootstrap.Hub, RunningServer], receiver: tuple[Receiver, Path]
) -> None:
    hub, running = served
    hook, ca_file = receiver
    add_webhook(hub, "coffee", hook)
    enroll(hub)
    earn(hub, card(), 1000)
    hook.status = 503
    settings = RelaySettings(nats_url="", webhook_ca_file=str(ca_file), attempts_max=2)
    sender = WebhookSender(settings, sleep=lambda _: None)
    metrics = RelayMetrics(running.metrics.registry)
    relay_until(Relay(hub.engine, settings, sender=sender, metrics=metrics), 1)

    failed = metrics_of(running)
    assert sample(failed, "hub_outbox_dead_letters", partner="coffee") == 1
    assert sample(failed, "hub_outbox_undelivered_events", sink="webhook", partner="coffee") == 0
    assert (
        sample(failed, "hub_relay_deliveries_total", sink="webhook", outcome="dead_lettered") == 1
    )
    assert sample(failed, "hub_relay_deliveries_total", sink="webhook", outcome="delivered") is None

    hook.status = 200
    [replayed] = replay(hub.engine, sender)
    assert replayed.error is None
    assert sample(metrics_of(running), "hub_outbox_dead_letters", partner="coffee") is None


def test_a_settlement_run_stores_its_start_and_finish_and_the_latest_runs_duration_shows(
    served: tuple[bootstrap.Hub, RunningServer], clock: ManualClock
) -> None:
    hub, running = served
    assert "hub_settlement_run_duration_seconds" not in metrics_of(running)
    enroll(hub)
    earn(hub, card(), 1000)
    clock.advance(timedelta(days=1))  # 2026-11-22 has closed

    hub.settlement_api().run(RunSettlement(date(2026, 11, 22), OFFICER))

    with hub.engine.connect() as connection:
        run = connection.execute(sa.select(settlement_runs)).one()
    assert run.started_at == run.run_at  # the run's own clock reading
    # Measured, not read off the hub's clock (which stood still here): more than nothing.
    assert run.finished_at > run.started_at
    duration_s = sample(metrics_of(running), "hub_settlement_run_duration_seconds")
    assert duration_s == (run.finished_at - run.started_at).total_seconds()
    # Staff see it where runs are shown.
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        stub = settlement_pb2_grpc.SettlementServiceStub(channel)
        shown = stub.GetSettlement(
            settlement_pb2.GetSettlementRequest(business_date="2026-11-22"), metadata=STAFF
        )
        board = stub.ListSettlementDays(
            settlement_pb2.ListSettlementDaysRequest(page_size=1), metadata=STAFF
        )
    assert shown.run_duration.ToTimedelta() == run.finished_at - run.started_at
    assert board.days[0].run_duration.ToTimedelta() == run.finished_at - run.started_at


def test_a_scrape_with_the_database_away_still_answers_without_the_databases_figures(
    served: tuple[bootstrap.Hub, RunningServer],
) -> None:
    hub, running = served
    assert sample(metrics_of(running), "hub_sweeper_lag_seconds") is not None
    name = make_url(hub.settings.database_url).database
    _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        away = metrics_of(running)  # answers 200 (asserted), from this process's own counts
    finally:
        _admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert sample(away, "hub_ready") is not None
    assert sample(away, "hub_db_connections_max") is not None
    for figure in ("hub_sweeper_lag_seconds", "hub_outbox_lag_seconds", "hub_outbox_dead_letters"):
        assert figure not in away  # omitted, neither zero nor stale


def test_hub_serve_relaying_shows_its_deliveries_on_its_ops_port(
    pg_url: str, clock: ManualClock, stream: EventStream
) -> None:
    one_earn_written(pg_url, clock)
    ops_port = free_port()
    env = stream.env() | {
        "HUB_RELAY": "on",
        "HUB_RELAY_POLL_S": "0.02",
        "HUB_OPS_LISTEN": f"127.0.0.1:{ops_port}",
    }
    with hub_serve(pg_url, **env) as served:
        delivered = "hub_relay_deliveries_total"
        until(lambda: sample(scrape(ops_port), delivered, sink="nats", outcome="delivered") == 1)
        text = scrape(ops_port)
        assert served.terminate() == 0
    assert sample(text, "hub_outbox_undelivered_events", sink="nats", partner="") == 0
    assert sample(text, "hub_relay_delivery_latency_seconds_count", sink="nats") == 1


def test_hub_relay_serves_its_own_metrics_on_hub_relay_ops_listen(
    pg_url: str, clock: ManualClock, stream: EventStream
) -> None:
    one_earn_written(pg_url, clock)
    ops_port = free_port()
    hubs_ops_port = socket.socket()  # the hub's own HUB_OPS_LISTEN, taken by `hub serve`
    hubs_ops_port.bind(("127.0.0.1", 0))
    hubs_ops_port.listen()
    environment = (
        os.environ
        | stream.env()
        | {
            "HUB_DATABASE_URL": pg_url,
            "HUB_RELAY_POLL_S": "0.02",
            "HUB_OPS_LISTEN": f"127.0.0.1:{hubs_ops_port.getsockname()[1]}",
            "HUB_RELAY_OPS_LISTEN": f"127.0.0.1:{ops_port}",
        }
    )
    command = [sys.executable, "-m", "hub", "relay"]
    relay = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    try:

        def delivered() -> bool:
            try:
                text = scrape(ops_port)
            except (urllib.error.URLError, ConnectionError):
                return False  # not listening yet
            return sample(text, "hub_relay_deliveries_total", sink="nats", outcome="delivered") == 1

        until(delivered)
        with urllib.request.urlopen(f"http://127.0.0.1:{ops_port}/readyz", timeout=10) as ready:
            assert ready.status == 200
    finally:
        relay.terminate()
        relay.wait(timeout=30)
        hubs_ops_port.close()
    assert relay.returncode == 0  # it left the hub's port alone: binding it would have failed
