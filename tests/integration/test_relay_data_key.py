"""A relay that cannot open a webhook's sealed secret says so: ``hub relay`` refuses to start
without the data key, and a running relay reports the webhook on ``hub_relay_webhooks_shut``
and fails its readiness instead of looking healthy while the partner's events pile up."""

from __future__ import annotations

import secrets
import threading

import pytest
from prometheus_client import generate_latest

from hub.cli import main
from hub.relay.metrics import RelayMetrics
from hub.relay.relay import Relay
from hub.relay.settings import RelaySettings
from tests.conftest import OPERATOR, add_partner

WEBHOOKS_ONLY = RelaySettings(nats_url="")


@pytest.fixture
def sealed_webhooks(hub, coffee):
    add_partner(hub, "fuel")
    hub.operator.set_webhook("coffee", "https://coffee.example/hooks", OPERATOR)
    hub.operator.set_webhook("fuel", "https://fuel.example/hooks", OPERATOR)


def test_hub_relay_refuses_to_start_without_the_key_that_opens_sealed_secrets(
    hub, sealed_webhooks, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("HUB_DATA_KEY", raising=False)

    assert main(["relay", "--db", database_url, "--once"]) == 2

    err = capsys.readouterr().err
    assert "HUB_DATA_KEY is needed: the webhook secrets of coffee, fuel are sealed" in err
    assert "Traceback" not in err


def test_hub_relay_without_the_key_starts_when_no_secret_is_sealed(
    hub, coffee, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("HUB_DATA_KEY", raising=False)

    assert main(["relay", "--db", database_url, "--once", "--no-progress"]) == 0
    assert "relayed 0 deliveries" in capsys.readouterr().out


def test_a_webhook_sealed_with_another_key_is_counted_and_fails_readiness(hub, sealed_webhooks):
    other_key = RelaySettings(nats_url="", data_keys=(secrets.token_bytes(32),))

    passing, exposed = one_pass(hub, other_key)

    assert passing is False
    assert b"hub_relay_webhooks_shut 2.0" in exposed


def test_a_relay_that_opens_every_secret_is_ready(hub, sealed_webhooks):
    keyed = RelaySettings(nats_url="", data_keys=hub.settings.data_keys())

    passing, exposed = one_pass(hub, keyed)

    assert passing is True
    assert b"hub_relay_webhooks_shut 0.0" in exposed


def one_pass(hub, settings: RelaySettings) -> tuple[bool, bytes]:
    """A running relay's readiness and metrics after its first pass."""
    metrics = RelayMetrics()
    worker = Relay(hub.engine, settings, metrics=metrics)
    stop = threading.Event()
    pass_once = worker.pass_once

    def once() -> int:
        try:
            return pass_once()
        finally:
            stop.set()

    worker.pass_once = once
    worker.run(stop)
    return worker.passing, generate_latest(metrics.registry)
