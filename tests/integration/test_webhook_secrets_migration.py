"""Migration 0025 seals the webhook secrets stored in plain text when it has the data key (as
``hub migrate`` run with the hub's settings has); without it they are left for the relay to seal
at its next pass (``tests/e2e/test_event_webhooks.py``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from hub.adapters.migrate import _config, current_revision, head_revision, upgrade
from hub.adapters.tables import partner_event_settings
from hub.domain.webhook_secrets import WebhookSecretCipher
from tests.conftest import START

PLAIN = "whsec_stored-in-plain-text-before-0025"


def downgrade_and_store_a_plaintext_secret(hub) -> None:
    with hub.engine.connect() as connection:
        command.downgrade(_config(connection), "0024")
        connection.execute(
            sa.text(
                "INSERT INTO partner_event_settings (partner_id, webhook_url, webhook_secret, "
                "expiry_notice_days, updated_at) VALUES ('coffee', 'https://c.example/', :s, "
                "14, :at)"
            ),
            {"s": PLAIN, "at": START},
        )
        connection.commit()


def stored(hub) -> str:
    with hub.engine.connect() as connection:
        return connection.scalar(sa.select(partner_event_settings.c.webhook_secret))


def test_the_migration_seals_plaintext_secrets_with_the_data_key_in_its_environment(
    hub, coffee, monkeypatch: pytest.MonkeyPatch
):
    downgrade_and_store_a_plaintext_secret(hub)
    monkeypatch.setenv("HUB_DATA_KEY", hub.settings.data_key_hex)
    upgrade(hub.engine)
    assert current_revision(hub.engine) == head_revision()
    sealed = stored(hub)
    assert PLAIN not in sealed
    assert WebhookSecretCipher(*hub.settings.data_keys()).open("coffee", sealed) == PLAIN


def test_without_the_data_key_the_migration_leaves_plaintext_secrets_for_the_relay(
    hub, coffee, monkeypatch: pytest.MonkeyPatch
):
    downgrade_and_store_a_plaintext_secret(hub)
    monkeypatch.delenv("HUB_DATA_KEY", raising=False)
    upgrade(hub.engine)
    assert stored(hub) == PLAIN
