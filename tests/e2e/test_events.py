"""The event stream end to end (issue 20, item 2): the outbox relayed to a real NATS JetStream
and to a local HTTPS webhook, through a relay process that is killed mid-stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import outbox_events, relay_progress
from hub.relay.relay import Relay
from hub.relay.settings import RelaySettings
from hub.relay.webhooks import WebhookSender
from partner_sdk import HubClient, Identifier
from partner_sdk.webhooks import SignatureInvalid, SignatureMissing, SignatureStale, verify
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.e2e import events_fixtures
from tests.e2e.events_fixtures import EventStream
from tests.e2e.hub_process import hub_serve
from tests.integration.helpers import card, earn, enroll

stream = events_fixtures.stream
receiver = events_fixtures.receiver
WAIT_S = 60.0
CARDS = ("4000123412341234", "4000123412345678", "4000123412349999")
EARNS = 240


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds (the relay is another process: nothing to join)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def start_relay(hub, env: dict[str, str]) -> subprocess.Popen[str]:
    environment = (
        os.environ
        | env
        | {
            "HUB_DATABASE_URL": hub.settings.database_url,
            "HUB_RELAY_POLL_S": "0.02",
        }
    )
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "relay"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def relay_until(relay: Relay, count: int) -> None:
    """Pass until ``count`` deliveries were made: on PostgreSQL an event waits for every
    transaction older than its own to end, and other tests' may be running on the cluster."""
    delivered = [0]

    def passed() -> bool:
        delivered[0] += relay.pass_once()
        return delivered[0] >= count

    wait_until(passed, f"{count} deliveries were made")
    assert delivered[0] == count


def outbox_ids(hub) -> list[int]:
    with hub.engine.connect() as connection:
        return list(connection.scalars(sa.select(outbox_events.c.id).order_by(outbox_events.c.id)))


@pytest.fixture
def busy_hub(database_url, clock):
    """A hub whose fraud checks let one member earn hundreds of times a minute."""
    wired = bootstrap.build(replace(settings_for(database_url), fraud_checks=False), clock=clock)
    add_partner(wired)
    yield wired
    wired.close()


def test_a_relay_killed_mid_stream_loses_no_event_and_repeats_are_dropped_by_id(
    busy_hub, stream: EventStream
):
    hub = busy_hub
    members = [enroll(hub, "coffee", card(number)).member_id for number in CARDS]
    producer = threading.Thread(
        target=lambda: [earn(hub, card(CARDS[i % 3]), 100 + i) for i in range(EARNS)]
    )
    first = start_relay(hub, stream.env())
    producer.start()
    wait_until(lambda: stream.count() >= 20, "the relay published some events")
    first.send_signal(signal.SIGKILL)
    first.wait()
    published_when_killed = stream.count()
    producer.join()
    assert published_when_killed < EARNS  # killed in the middle of the stream

    second = start_relay(hub, stream.env())
    try:
        wait_until(lambda: stream.count() >= EARNS, "every event was published")
    finally:
        second.terminate()
        second.wait()

    delivered: dict[int, dict[str, object]] = {}
    order_by_member: dict[str, list[int]] = {}
    for subject, headers, body in stream.messages():
        event = json.loads(body)
        assert headers["Nats-Msg-Id"] == str(event["id"])
        assert subject == f"{stream.prefix}.coffee.earned"
        if event["id"] in delivered:
            continue  # a consumer drops a repeat by the event's id
        delivered[event["id"]] = event
        order_by_member.setdefault(event["data"]["member_id"], []).append(event["id"])
    assert sorted(delivered) == outbox_ids(hub)
    assert set(order_by_member) == {str(member) for member in members}
    for ids in order_by_member.values():
        assert ids == sorted(ids)  # each member's events in the order they were written


def test_jetstream_drops_a_redelivery_after_a_relay_crashed_before_saving_its_progress(
    hub, coffee, stream: EventStream
):
    enroll(hub)
    for amount in (500, 700):
        earn(hub, card(), amount)
    settings = RelaySettings(
        nats_url=stream.env()["HUB_NATS_URL"], stream=stream.name, subject_prefix=stream.prefix
    )
    relay = Relay(hub.engine, settings)
    try:
        relay_until(relay, 2)
        with hub.engine.begin() as connection:  # the progress of a relay that died too early
            connection.execute(relay_progress.update().values(last_event_id=0))
        relay_until(relay, 2)
    finally:
        relay.close()
    assert stream.count() == 2


def hook_relay(hub, ca_file: Path, sleeps: list[float] | None = None) -> Relay:
    settings = RelaySettings(
        nats_url="",
        webhook_ca_file=str(ca_file),
        attempts_max=3,
        backoff_base_s=0.01,
        data_keys=hub.settings.data_keys(),
    )
    recorded = sleeps if sleeps is not None else []
    return Relay(hub.engine, settings, sender=WebhookSender(settings, sleep=recorded.append))


def test_a_partners_webhook_gets_its_own_events_signed_and_the_sdk_verifies_them(
    hub, coffee, clock, receiver
):
    hook, ca_file = receiver
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    add_partner(hub, "fuel")
    enroll(hub)
    earn(hub, card(), 1000)
    earn(hub, card(), 2000, partner_id="fuel")
    earn(hub, card(), 3000)

    relay_until(hook_relay(hub, ca_file), 2)
    verified = [verify(body, headers, secret) for headers, body in hook.received]
    assert [event["data"]["points"] for event in verified] == [10, 30]
    assert [event["partner_id"] for event in verified] == ["coffee", "coffee"]
    headers, body = hook.received[0]
    assert headers["X-Hub-Event-Id"] == str(verified[0]["id"])
    with pytest.raises(SignatureInvalid):
        verify(body.replace(b"10", b"99"), headers, secret)
    with pytest.raises(SignatureInvalid):
        verify(body, headers, "whsec_someone-elses")
    with pytest.raises(SignatureStale):
        verify(body, headers, secret, now_s=int(headers["X-Hub-Timestamp"]) + 301)
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature"}
    with pytest.raises(SignatureMissing):
        verify(body, unsigned, secret)


def test_a_failing_webhook_is_retried_with_backoff_then_dead_lettered_and_replayed(
    hub, coffee, clock, receiver
):
    hook, ca_file = receiver
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    enroll(hub)
    earn(hub, card(), 1000)
    hook.status = 503
    sleeps: list[float] = []
    relay_until(hook_relay(hub, ca_file, sleeps), 1)
    assert hook.attempts == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.04 for s in sleeps)  # full jitter under a doubling ceiling

    env = os.environ | {
        "HUB_DATABASE_URL": hub.settings.database_url,
        "HUB_WEBHOOK_CA_FILE": str(ca_file),
        "HUB_DATA_KEY": hub.settings.data_key_hex,
    }
    cli = [sys.executable, "-m", "hub", "--wide", "events", "dead-letters"]
    listed = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True, check=True)
    assert "HTTP 503" in listed.stdout

    failed = subprocess.run([*cli, "replay", "--all"], env=env, capture_output=True, text=True)
    assert failed.returncode == 1
    assert "failed again" in failed.stdout

    hook.status = 200
    replayed = subprocess.run(
        [*cli, "replay", "--all"], env=env, capture_output=True, text=True, check=True
    )
    assert "delivered" in replayed.stdout
    [(headers, body)] = hook.received
    assert verify(body, headers, secret)["data"]["points"] == 10
    left = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True, check=True)
    assert "HTTP 503" not in left.stdout


def test_hub_serve_with_the_relay_on_publishes_a_tills_earn(hub, coffee, stream: EventStream):
    env = stream.env() | {"HUB_RELAY": "on", "HUB_RELAY_POLL_S": "0.02"}
    with hub_serve(hub.settings.database_url, **env) as served:
        with HubClient(served.target, partner_id="coffee") as till:
            member = Identifier.card("4000123412341234")
            till.enroll(member)
            till.earn(member, amount_minor=2_500, currency="EUR", order_id="o-1")
        wait_until(lambda: stream.count() >= 1, "the hub's relay published the earn")
        assert served.terminate() == 0
    [(subject, _, body)] = stream.messages()
    assert subject == f"{stream.prefix}.coffee.earned"
    assert json.loads(body)["data"]["points"] == 25
