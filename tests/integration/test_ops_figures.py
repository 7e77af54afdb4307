"""The outbox figures the ops port reads on each scrape, on both stores: a destination's
backlog counted up to a bound, and its lag the age of the next event it takes."""

from __future__ import annotations

from datetime import timedelta

from hub.adapters.tables import outbox_events, relay_progress
from hub.services.ports.ops import UNDELIVERED_COUNTED_MAX, SinkBacklog


def test_a_far_behind_destination_is_counted_up_to_the_bound_and_its_lag_is_its_next_event(
    hub, clock
):
    written_at = clock.now()
    with hub.engine.begin() as connection:
        connection.execute(
            relay_progress.insert().values(
                destination="nats", last_event_id=0, updated_at=written_at
            )
        )
        connection.execute(
            outbox_events.insert(),
            [
                {
                    "ordering_key": f"m-{n % 7}",
                    "partner_id": "coffee",
                    "kind": "earned",
                    "payload": "{}",
                    "created_at": written_at + timedelta(seconds=n),
                }
                for n in range(UNDELIVERED_COUNTED_MAX + 5)
            ],
        )
    clock.advance(timedelta(minutes=5))

    figures = hub.ops_figures()

    assert figures.outbox == [SinkBacklog("nats", "", UNDELIVERED_COUNTED_MAX, written_at)]
    assert figures.dead_letters_by_partner == {}
    assert figures.latest_run_duration_s is None  # nothing settled yet
