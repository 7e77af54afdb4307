"""``hub partner webhook set --from`` over the admin API: the operator names when a webhook's
deliveries start; and a hub without a data key refuses to keep a webhook secret, with its
reason, writing nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import partner_event_settings
from tests.conftest import START, add_partner, settings_for
from tests.e2e.operator_desk import ok, open_desk, refused
from tests.integration.helpers import card, earn, enroll


def start_after(hub) -> int | None:
    with hub.engine.connect() as connection:
        return connection.scalar(sa.select(partner_event_settings.c.webhook_start_after))


def test_an_operator_starts_a_webhook_from_a_time_and_by_default_from_now(
    hub, coffee, clock, tmp_path
):
    enroll(hub)
    earn(hub, card(), 1000)
    clock.advance(timedelta(hours=1))
    earn(hub, card(), 2000)
    from_the_start = (START - timedelta(minutes=1)).isoformat()
    with open_desk(hub, tmp_path) as desk:
        ok(desk, "partner", "webhook", "set", "coffee", "https://c.example/h", "--reason", "T-1")
        after_both = start_after(hub)
        ok(
            desk,
            *("partner", "webhook", "set", "coffee", "https://c.example/h"),
            *("--from", from_the_start, "--reason", "T-2: resend everything"),
        )
    assert after_both is not None
    assert after_both >= 2  # the two earns are history: not delivered
    assert start_after(hub) == after_both - 2  # both delivered from the start
    [record] = hub.operator.list_audit(limit=1)
    assert record.event.details["deliver_from"].startswith(from_the_start[:16])


def test_a_hub_without_a_data_key_refuses_a_webhook_with_its_reason_and_writes_nothing(
    database_url, clock, tmp_path
):
    keyless = bootstrap.build(replace(settings_for(database_url), data_key_hex=""), clock=clock)
    try:
        add_partner(keyless)
        with open_desk(keyless, tmp_path) as desk:
            error = refused(
                desk, "partner", "webhook", "set", "coffee", "https://c.example/h", "--reason", "x"
            )
        assert "WEBHOOK_SECRET_KEY_MISSING" in error
        assert "HUB_DATA_KEY" in error
        with keyless.engine.connect() as connection:
            assert (
                connection.scalar(sa.select(sa.func.count()).select_from(partner_event_settings))
                == 0
            )
    finally:
        keyless.close()
