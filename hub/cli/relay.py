"""``hub relay`` and ``hub events dead-letters list|replay``: the event relay and its dead
letters, run on the hub's machine beside ``hub serve`` (they read the outbox directly; see
``hub.relay``). Relay settings: ``HUB_NATS_URL`` (empty: webhooks only), ``HUB_EVENTS_STREAM``,
``HUB_EVENTS_SUBJECT_PREFIX``, ``HUB_WEBHOOK_CA_FILE``, ``HUB_WEBHOOK_ATTEMPTS_MAX``,
``HUB_WEBHOOK_BACKOFF_S``, ``HUB_RELAY_POLL_S``."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from hub.adapters.database import create_engine
from hub.cli.common import add_database_flag, database_url, print_table
from hub.relay import relay, store
from hub.relay.settings import RelaySettings
from hub.relay.webhooks import WebhookSender

RELAY_POOL_SIZE = 2


def register(subcommands: Any) -> None:
    command = subcommands.add_parser(
        "relay", help="publish the event outbox to NATS JetStream and partners' webhooks"
    )
    add_database_flag(command)
    command.add_argument(
        "--once", action="store_true", help="deliver everything pending, then exit"
    )
    command.set_defaults(run=run_relay)

    events = subcommands.add_parser("events", help="the event relay's dead letters")
    kinds = events.add_subparsers(dest="kind", required=True, metavar="KIND")
    letters = kinds.add_parser("dead-letters", help="webhook deliveries that exhausted retries")
    actions = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="dead letters not replayed yet")
    listing.add_argument("--all", action="store_true", help="replayed ones too")
    add_database_flag(listing)
    listing.set_defaults(run=run_list)
    replay = actions.add_parser("replay", help="deliver dead letters again (once each)")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", help="a dead letter's id")
    which.add_argument("--all", action="store_true", help="every dead letter not replayed")
    add_database_flag(replay)
    replay.set_defaults(run=run_replay)


@contextmanager
def _engine(args: argparse.Namespace) -> Iterator[sa.Engine]:
    engine = create_engine(database_url(args), pool_size=RELAY_POOL_SIZE)
    try:
        yield engine
    finally:
        engine.dispose()


def run_relay(args: argparse.Namespace) -> int:
    settings = RelaySettings.from_env()
    with _engine(args) as engine:
        worker = relay.Relay(engine, settings)
        try:
            if args.once:
                print(f"relayed {worker.drain()} deliveries")
                return 0
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            print("hub relay running", flush=True)
            worker.run(stop)
        finally:
            worker.close()
    return 0


class RelayThread:
    """``hub serve``'s relay when ``HUB_RELAY=on``: the same passes as ``hub relay``, on the
    hub's engine, in a thread of the process (one per worker is safe: destinations are locked)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._relay = relay.Relay(engine, RelaySettings.from_env())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-relay", daemon=True)

    @classmethod
    def if_enabled(
        cls, engine: sa.Engine, env: Mapping[str, str] = os.environ
    ) -> RelayThread | None:
        return cls(engine) if env.get("HUB_RELAY", "off").lower() in ("on", "1", "true") else None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            self._relay.run(self._stop)
        finally:
            self._relay.close()


def run_list(args: argparse.Namespace) -> int:
    with _engine(args) as engine, engine.connect() as connection:
        letters = store.dead_letters(connection, include_replayed=args.all)
    print_table(
        ("id", "partner", "event", "attempts", "failed at", "replayed at", "last error"),
        [
            (
                d.id,
                d.partner_id,
                d.event_id,
                d.attempts,
                d.failed_at,
                d.replayed_at or "",
                d.last_error,
            )
            for d in letters
        ],
    )
    return 0


def run_replay(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        results = relay.replay(engine, WebhookSender(RelaySettings.from_env()), args.ids)
    for result in results:
        outcome = "delivered" if result.error is None else f"failed again: {result.error}"
        print(f"dead letter {result.letter_id} (event {result.event_id}): {outcome}")
    return 0 if all(result.error is None for result in results) else 1
