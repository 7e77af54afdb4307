"""Outbox retention on PostgreSQL: delivered events older than HUB_OUTBOX_RETENTION_DAYS are
pruned (by ``hub events prune`` and by a running relay), never an event some destination has
still to receive, nor one with a dead letter not replayed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub.adapters.tables import outbox_events, webhook_dead_letters
from hub.cli import main
from hub.relay import store
from hub.relay.relay import Relay
from hub.relay.retention import prune
from hub.relay.settings import RelaySettings
from tests.conftest import OPERATOR, add_partner

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=31)
YOUNG = NOW - timedelta(days=29)
WEBHOOKS_ONLY = RelaySettings(nats_url="", outbox_retention_days=30)
WITH_NATS = RelaySettings(nats_url="nats://127.0.0.1:4222", outbox_retention_days=30)


@pytest.fixture
def database_url(pg_url):
    return pg_url


def write(hub, partner_id: str, created_at: datetime) -> int:
    with hub.engine.begin() as connection:
        return connection.scalar(
            outbox_events.insert()
            .values(
                ordering_key="m",
                partner_id=partner_id,
                kind="earned",
                payload=json.dumps({}),
                created_at=created_at,
            )
            .returning(outbox_events.c.id)
        )


def progress(hub, destination: str, event_id: int) -> None:
    with hub.engine.begin() as connection:
        store.claim(connection, destination, NOW)
        store.advance(connection, destination, event_id, NOW)


def dead_letter(hub, event_id: int) -> None:
    with hub.engine.begin() as connection:
        store.add_dead_letter(connection, "coffee", event_id, 6, "HTTP 503", OLD)


def kept(hub) -> list[int]:
    with hub.engine.connect() as connection:
        return list(connection.scalars(sa.select(outbox_events.c.id).order_by(outbox_events.c.id)))


@pytest.fixture
def partners(hub, coffee):
    """coffee has a webhook (its start applied); fuel has none."""
    add_partner(hub, "fuel")
    hub.operator.set_webhook("coffee", "https://coffee.example/hooks", OPERATOR)
    with hub.engine.begin() as connection:
        cipher = RelaySettings(data_keys=hub.settings.data_keys()).secret_cipher()
        [webhook] = store.webhooks(connection, cipher).opened
        store.apply_start(connection, webhook, NOW)


def test_only_old_events_every_destination_acknowledged_are_pruned(hub, partners):
    everywhere = write(hub, "coffee", OLD)
    published = write(hub, "fuel", OLD)  # fuel has no webhook: NATS is all it needs
    not_to_its_webhook = write(hub, "coffee", OLD)
    not_published = write(hub, "fuel", OLD)
    young = write(hub, "coffee", YOUNG)
    progress(hub, store.webhook_destination("coffee"), published)
    progress(hub, store.NATS, not_to_its_webhook)

    pruned = prune(hub.engine, WITH_NATS, NOW)

    assert pruned.events == 2
    assert kept(hub) == [not_to_its_webhook, not_published, young]
    assert everywhere not in kept(hub)


def test_without_nats_only_the_webhooks_progress_counts_and_young_events_stay(hub, partners):
    delivered = write(hub, "coffee", OLD)
    no_webhook = write(hub, "fuel", OLD)
    undelivered = write(hub, "coffee", OLD)
    young = write(hub, "fuel", YOUNG)
    progress(hub, store.webhook_destination("coffee"), no_webhook)

    assert prune(hub.engine, WEBHOOKS_ONLY, NOW).events == 2
    assert kept(hub) == [undelivered, young]
    assert delivered not in kept(hub)


def test_nothing_is_pruned_before_nats_has_published_anything(hub, partners):
    write(hub, "fuel", OLD)
    assert prune(hub.engine, WITH_NATS, NOW).events == 0


def test_an_event_with_a_pending_dead_letter_is_kept_and_a_replayed_one_goes(hub, partners):
    pending = write(hub, "coffee", OLD)
    replayed = write(hub, "coffee", OLD)
    dead_letter(hub, pending)
    progress(hub, store.webhook_destination("coffee"), replayed)
    dead_letter(hub, replayed)
    with hub.engine.begin() as connection:
        connection.execute(
            webhook_dead_letters.update()
            .where(webhook_dead_letters.c.event_id == replayed)
            .values(replayed_at=OLD)
        )

    pruned = prune(hub.engine, WEBHOOKS_ONLY, NOW)

    assert kept(hub) == [pending]
    assert pruned.dead_letters == 1
    with hub.engine.connect() as connection:
        [letter] = store.dead_letters(connection, include_replayed=True)
    assert letter.event_id == pending


def test_a_webhook_whose_start_is_not_applied_yet_keeps_its_partners_events(hub, coffee):
    old = write(hub, "coffee", OLD)
    hub.operator.set_webhook(
        "coffee", "https://coffee.example/hooks", OPERATOR, deliver_from=OLD - timedelta(days=1)
    )
    progress(hub, store.webhook_destination("coffee"), old)  # an earlier webhook's progress
    assert prune(hub.engine, WEBHOOKS_ONLY, NOW).events == 0
    assert kept(hub) == [old]


def test_hub_events_prune_and_a_running_relay_prune_with_the_configured_retention(
    hub, partners, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    real_now = datetime.now(UTC)
    ten_days_old = write(hub, "fuel", real_now - timedelta(days=10))
    forty_days_old = write(hub, "fuel", real_now - timedelta(days=40))
    monkeypatch.setenv("HUB_NATS_URL", "")
    monkeypatch.setenv("HUB_OUTBOX_RETENTION_DAYS", "20")
    assert main(["events", "prune", "--db", hub.settings.database_url]) == 0
    assert "pruned 1 delivered events" in capsys.readouterr().out
    assert kept(hub) == [ten_days_old]
    assert forty_days_old not in kept(hub)

    relay = Relay(hub.engine, RelaySettings(nats_url="", outbox_retention_days=5))
    relay.pass_once()  # its first pass prunes; later ones wait an hour
    assert kept(hub) == []
