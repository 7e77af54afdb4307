"""A partner's webhook as a payment-grade system keeps it: its secret sealed at rest with the
hub's data key and opened only by the relay, and a new webhook that does not receive the
partner's whole event history (nor a changed URL a replay of it), unless an operator asks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import partner_event_settings
from hub.domain.errors import WebhookSecretKeyMissing
from hub.domain.webhook_secrets import WebhookSecretCipher
from hub.relay.relay import Relay
from hub.relay.settings import RelaySettings
from partner_sdk.webhooks import verify
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.e2e import events_fixtures
from tests.e2e.test_events import hook_relay, relay_until
from tests.integration.helpers import card, earn, enroll

receiver = events_fixtures.receiver


def stored_secret(hub) -> str | None:
    with hub.engine.connect() as connection:
        return connection.scalar(
            sa.select(partner_event_settings.c.webhook_secret).where(
                partner_event_settings.c.partner_id == "coffee"
            )
        )


def points_received(hook, secret: str) -> list[int]:
    return [verify(body, headers, secret)["data"]["points"] for headers, body in hook.received]


def test_the_webhook_secret_is_stored_sealed_and_deliveries_still_verify(hub, coffee, receiver):
    hook, ca_file = receiver
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    assert secret is not None
    stored = stored_secret(hub)
    assert stored is not None
    assert stored.startswith("sealed:v1:")
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    enroll(hub)
    earn(hub, card(), 1000)
    relay_until(hook_relay(hub, ca_file), 1)
    assert points_received(hook, secret) == [10]
    rotated = hub.operator.rotate_webhook_secret("coffee", OPERATOR).secret
    assert rotated is not None
    assert rotated not in (stored_secret(hub) or "")


def test_a_relay_without_the_data_key_delivers_nothing_to_a_sealed_webhook(hub, coffee, receiver):
    hook, ca_file = receiver
    hub.operator.set_webhook("coffee", hook.url, OPERATOR)
    enroll(hub)
    earn(hub, card(), 1000)
    keyless = RelaySettings(nats_url="", webhook_ca_file=str(ca_file))
    assert Relay(hub.engine, keyless).pass_once() == 0
    assert hook.attempts == 0  # nothing sent unsigned, or signed with a sealed blob


def test_a_plaintext_secret_from_before_sealing_still_verifies_and_the_relay_seals_it(
    hub, coffee, receiver
):
    hook, ca_file = receiver
    hub.operator.set_webhook("coffee", hook.url, OPERATOR)
    legacy = "whsec_written-before-secrets-were-sealed"
    with hub.engine.begin() as connection:
        connection.execute(partner_event_settings.update().values(webhook_secret=legacy))
    enroll(hub)
    earn(hub, card(), 1000)
    relay_until(hook_relay(hub, ca_file), 1)
    assert points_received(hook, legacy) == [10]
    stored = stored_secret(hub)
    assert stored is not None
    assert legacy not in stored
    cipher = WebhookSecretCipher(*hub.settings.data_keys())
    assert cipher.open("coffee", stored) == legacy


def test_a_hub_without_a_data_key_refuses_to_keep_a_webhook_secret_and_writes_nothing(
    database_url, clock
):
    keyless = bootstrap.build(replace(settings_for(database_url), data_key_hex=""), clock=clock)
    try:
        add_partner(keyless)
        with pytest.raises(WebhookSecretKeyMissing) as refused:
            keyless.operator.set_webhook("coffee", "https://shop.example/hooks", OPERATOR)
        assert (refused.value.code, refused.value.reason) == (
            "FAILED_PRECONDITION",
            "WEBHOOK_SECRET_KEY_MISSING",
        )
        assert stored_secret(keyless) is None
        assert keyless.operator.get_webhook("coffee").url is None
    finally:
        keyless.close()


def test_a_new_webhook_receives_only_the_events_written_after_it_was_set(hub, coffee, receiver):
    hook, ca_file = receiver
    enroll(hub)
    for amount in (1000, 2000):
        earn(hub, card(), amount)  # the partner's history
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    earn(hub, card(), 3000)
    relay_until(hook_relay(hub, ca_file), 1)
    assert points_received(hook, secret) == [30]


def test_changing_the_url_goes_on_where_the_old_one_stopped_without_replaying_history(
    hub, coffee, receiver
):
    hook, ca_file = receiver
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    enroll(hub)
    earn(hub, card(), 1000)
    relay = hook_relay(hub, ca_file)
    relay_until(relay, 1)
    moved = hook.url.replace("/hooks/events", "/hooks/v2")
    assert hub.operator.set_webhook("coffee", moved, OPERATOR).secret is None  # kept
    earn(hub, card(), 2000)
    relay_until(relay, 1)
    assert points_received(hook, secret) == [10, 20]


def test_an_explicit_from_delivers_the_events_written_since_then_again(
    hub, coffee, clock, receiver
):
    hook, ca_file = receiver
    secret = hub.operator.set_webhook("coffee", hook.url, OPERATOR).secret
    enroll(hub)
    earn(hub, card(), 1000)
    clock.advance(timedelta(days=1))
    since = clock.now()
    earn(hub, card(), 2000)
    relay = hook_relay(hub, ca_file)
    relay_until(relay, 2)
    hub.operator.set_webhook("coffee", hook.url, OPERATOR, deliver_from=since)
    relay_until(relay, 1)
    assert points_received(hook, secret) == [10, 20, 20]  # the second one, again
    hub.operator.set_webhook("coffee", hook.url, OPERATOR, deliver_from=since + timedelta(days=9))
    assert relay.pass_once() == 0  # nothing written since: nothing to deliver
