"""``hub relay``, ``hub events dead-letters list|replay`` and ``hub events prune``: the event
relay, its dead letters and the outbox's retention, run on the hub's machine beside
``hub serve`` (they read the outbox directly; see ``hub.relay``). Relay settings:
``HUB_NATS_URL`` (empty: webhooks only), ``HUB_EVENTS_STREAM``, ``HUB_EVENTS_SUBJECT_PREFIX``,
``HUB_WEBHOOK_CA_FILE``, ``HUB_WEBHOOK_ATTEMPTS_MAX``, ``HUB_WEBHOOK_BACKOFF_S``,
``HUB_RELAY_POLL_S``, ``HUB_OUTBOX_RETENTION_DAYS`` (default 30), and ``HUB_DATA_KEY`` (with
``HUB_DATA_KEYS_RETIRED``), which opens partners' sealed webhook secrets; ``--ops-listen``
(``HUB_RELAY_OPS_LISTEN``) serves the relay's own ``/livez``, ``/readyz`` (the latest pass went
through) and ``/metrics``."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry

from hub.adapters.database import create_engine
from hub.api.metrics import HubMetrics
from hub.api.ops_port import OpsPort
from hub.cli import signals
from hub.cli.common import add_database_flag, database_url, print_listing
from hub.cli.json_output import add_json_flag
from hub.cli.progress import add_progress_flag, progress_for
from hub.config import ConfigError
from hub.relay import relay, retention, store
from hub.relay.metrics import RelayMetrics
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
    command.add_argument(
        "--ops-listen",
        metavar="HOST:PORT",
        default=os.environ.get("HUB_RELAY_OPS_LISTEN", ""),
        help="serve /livez, /readyz and the relay's /metrics over plain HTTP here "
        "(default: $HUB_RELAY_OPS_LISTEN, not the hub's HUB_OPS_LISTEN, so the two can share an "
        "environment; none when empty)",
    )
    add_progress_flag(command)
    command.set_defaults(run=run_relay)

    events = subcommands.add_parser(
        "events", help="the event relay's dead letters and the outbox's retention"
    )
    kinds = events.add_subparsers(dest="kind", required=True, metavar="KIND")
    letters = kinds.add_parser("dead-letters", help="webhook deliveries that exhausted retries")
    actions = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="dead letters not replayed yet")
    listing.add_argument("--all", action="store_true", help="replayed ones too")
    add_database_flag(listing)
    add_json_flag(listing)
    listing.set_defaults(run=run_list)
    replay = actions.add_parser("replay", help="deliver dead letters again (once each)")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", help="a dead letter's id")
    which.add_argument("--all", action="store_true", help="every dead letter not replayed")
    add_database_flag(replay)
    add_progress_flag(replay)
    replay.set_defaults(run=run_replay)
    prune = kinds.add_parser(
        "prune",
        help="delete delivered events older than HUB_OUTBOX_RETENTION_DAYS (default 30); "
        "never undelivered ones nor ones with a dead letter not replayed",
    )
    add_database_flag(prune)
    prune.set_defaults(run=run_prune)


@contextmanager
def _engine(args: argparse.Namespace) -> Iterator[sa.Engine]:
    engine = create_engine(database_url(args), pool_size=RELAY_POOL_SIZE)
    try:
        yield engine
    finally:
        engine.dispose()


def run_relay(args: argparse.Namespace) -> int:
    settings = RelaySettings.from_env()
    metrics = HubMetrics()
    with _engine(args) as engine:
        _refuse_without_data_key(engine, settings)
        worker = relay.Relay(engine, settings, metrics=RelayMetrics(metrics.registry))
        ops = _ops_port(args.ops_listen, metrics, worker) if not args.once else None
        try:
            if args.once:
                with progress_for(args, "relay") as progress:
                    delivered = worker.drain(progress)
                print(f"relayed {delivered} deliveries")
                return 0
            stop = signals.stop_on_signals(signal.SIGTERM)
            print("hub relay running", flush=True)
            worker.run(stop)
        finally:
            worker.close()
            if ops is not None:
                ops.stop()
    return 0


def _refuse_without_data_key(engine: sa.Engine, settings: RelaySettings) -> None:
    """Fail at the start rather than run looking healthy while sealed webhooks' events pile
    up in the outbox."""
    if settings.data_keys:
        return
    with engine.connect() as connection:
        sealed = store.sealed_webhook_partners(connection)
    if sealed:
        raise ConfigError(
            f"HUB_DATA_KEY is needed: the webhook secrets of {', '.join(sealed)} are sealed "
            "with it (set the hub's data key, as `hub serve` has it)"
        )


def _ops_port(listen: str, metrics: HubMetrics, worker: relay.Relay) -> OpsPort | None:
    """The relay's probes and metrics; ``hub_ready`` and ``/readyz`` say whether its latest
    pass went through (its database and broker answer)."""
    if not listen:
        return None
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(
            f"--ops-listen (HUB_RELAY_OPS_LISTEN) must be HOST:PORT such as 127.0.0.1:9090 "
            f"(got {listen!r})"
        )
    metrics.ready.set_function(lambda: float(worker.passing))
    try:
        return OpsPort(listen, metrics, lambda: worker.passing).start()
    except OSError as error:
        raise OSError(f"cannot serve the ops port on {listen}: {error.strerror}") from None


class RelayThread:
    """``hub serve``'s relay when ``HUB_RELAY=on``: the same passes as ``hub relay``, on the
    hub's engine, in a thread of the process (one per worker is safe: destinations are locked)."""

    def __init__(self, engine: sa.Engine, metrics: RelayMetrics | None = None) -> None:
        self._relay = relay.Relay(engine, RelaySettings.from_env(), metrics=metrics)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-relay", daemon=True)

    @classmethod
    def if_enabled(
        cls,
        engine: sa.Engine,
        env: Mapping[str, str] = os.environ,
        *,
        registry: CollectorRegistry | None = None,
    ) -> RelayThread | None:
        """The relay thread when ``HUB_RELAY`` is on; its counts are registered in
        ``registry`` (the hub's ops port's)."""
        if env.get("HUB_RELAY", "off").lower() not in ("on", "1", "true"):
            return None
        return cls(engine, RelayMetrics(registry))

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
    print_listing(
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
        letters,
    )
    return 0


def run_replay(args: argparse.Namespace) -> int:
    settings = RelaySettings.from_env()
    with _engine(args) as engine, progress_for(args, "dead-letters replay") as progress:
        results = relay.replay(
            engine,
            WebhookSender(settings),
            args.ids,
            secrets=settings.secret_cipher(),
            progress=progress,
        )
    for result in results:
        outcome = "delivered" if result.error is None else f"failed again: {result.error}"
        print(f"dead letter {result.letter_id} (event {result.event_id}): {outcome}")
    return 0 if all(result.error is None for result in results) else 1


def run_prune(args: argparse.Namespace) -> int:
    settings = RelaySettings.from_env()
    with _engine(args) as engine:
        pruned = retention.prune(engine, settings, datetime.now(UTC))
    print(
        f"pruned {pruned.events} delivered events and {pruned.dead_letters} replayed dead "
        f"letters older than {settings.outbox_retention_days} days"
    )
    return 0
