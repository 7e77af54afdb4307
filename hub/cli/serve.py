"""``hub serve``, ``hub migrate`` and ``hub keygen``."""

from __future__ import annotations

import argparse
import ipaddress
import logging
from typing import Any

from hub import bootstrap, telemetry
from hub.adapters.migrate import current_revision, upgrade
from hub.api.server import ServerTls, start_server
from hub.cli import gateway, heap, relay, signals, workers
from hub.cli.common import add_database_flag, open_hub, settings_from
from hub.cli.console import beside_hub, settings_beside
from hub.config import ConfigError, Settings, new_keys_env
from hub.services.periodic import PeriodicThread
from hub.services.schedule import nightly_settlement_thread
from hub.services.sweeper import sweeper_thread

log = logging.getLogger("hub.serve")


def register(subcommands: Any) -> None:
    serve = subcommands.add_parser("serve", help="run the gRPC hub until SIGTERM")
    add_database_flag(serve)
    serve.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="address to bind (default: $HUB_LISTEN or 127.0.0.1:50051)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port, one per core (default: $HUB_WORKERS or 1)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        help="RPC threads and database connections per worker (default: $HUB_THREADS or 8)",
    )
    serve.add_argument(
        "--insecure",
        action="store_true",
        help="serve plaintext gRPC with callers named by metadata; loopback addresses only",
    )
    serve.add_argument(
        "--console-listen",
        metavar="HOST:PORT",
        help="also serve the staff web console here, calling this hub "
        "($HUB_SERVE_CONSOLE_LISTEN; its other settings: `hub console --help`)",
    )
    serve.add_argument(
        "--rest-listen",
        metavar="HOST:PORT",
        help="also serve the partner API over HTTPS and JSON here, calling this hub "
        "($HUB_SERVE_REST_LISTEN; needs $HUB_GATEWAY_CERT and $HUB_GATEWAY_KEY)",
    )
    serve.set_defaults(run=run_serve)

    migrate = subcommands.add_parser("migrate", help="create or upgrade the database schema")
    add_database_flag(migrate)
    migrate.set_defaults(run=run_migrate)

    keygen = subcommands.add_parser(
        "keygen", help="print new HUB_IDENTIFIER_KEY, HUB_DATA_KEY, HUB_AUDIT_KEY, HUB_SIGNING_KEY"
    )
    keygen.set_defaults(run=run_keygen)


def run_keygen(args: argparse.Namespace) -> int:
    for name, value in new_keys_env().items():
        print(f"{name}={value}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    hub = bootstrap.build(settings_from(args))
    try:
        upgrade(hub.engine)
        print(f"schema at revision {current_revision(hub.engine)}")
    finally:
        hub.close()
    return 0


def _server_tls(args: argparse.Namespace, settings: Settings) -> ServerTls | None:
    """mTLS from the settings; plaintext only when asked for, and only on loopback."""
    if args.insecure:
        host = settings.listen.rsplit(":", 1)[0].strip("[]")
        if host != "localhost" and not _is_loopback(host):
            raise ConfigError(f"--insecure serves only loopback addresses, not {host}")
        log.warning("serving plaintext on %s: callers are not authenticated", settings.listen)
        return None
    files = (settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)
    if not all(files):
        raise ConfigError(
            "mTLS needs HUB_TLS_CERT, HUB_TLS_KEY and HUB_TLS_CLIENT_CA (`hub certs init` "
            "makes them); or pass --insecure on a loopback address for development"
        )
    try:
        return ServerTls.from_files(*files)
    except OSError as error:
        raise ConfigError(f"cannot read a TLS file: {error}") from None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _nightly_settlement(hub: bootstrap.Hub) -> PeriodicThread | None:
    """The nightly settlement thread when ``HUB_SETTLEMENT_NIGHTLY`` is on, not started yet."""
    if not hub.settings.settlement_nightly:
        return None
    api = hub.settlement_api()
    api.signing_key()  # refuse to serve without the key rather than fail every night
    return nightly_settlement_thread(api.run_due)


def run_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    tls = _server_tls(args, settings)
    hub = open_hub(args)  # refuses an out-of-date schema
    if settings.workers == 1:
        console_listen = args.console_listen or settings.console_listen
        rest_listen = args.rest_listen or settings.rest_listen
        return _serve(
            hub,
            tls,
            settings.listen,
            share_port=False,
            background=True,
            console=console_listen,
            rest=rest_listen,
        )
    if args.console_listen or settings.console_listen:
        hub.close()
        raise ConfigError("the console runs beside one worker only; run `hub console` apart")
    if args.rest_listen or settings.rest_listen:
        hub.close()
        raise ConfigError("the REST gateway runs beside one worker only; run `hub gateway` apart")
    try:
        _nightly_settlement(hub)  # a missing signing key is a configuration error, here
    finally:
        hub.close()  # each worker builds its own
    return workers.supervise(settings, tls, _worker)


def _worker(settings: Settings, tls: ServerTls | None, worker: workers.Worker) -> None:
    """One of ``hub serve --workers``: a hub of its own; only the first runs background jobs,
    which would otherwise run once per worker."""
    hub = bootstrap.build(settings)
    _serve(hub, tls, worker.listen, share_port=True, background=worker.index == 0, worker=worker)


def _serve(
    hub: bootstrap.Hub,
    tls: ServerTls | None,
    listen: str,
    *,
    share_port: bool,
    background: bool,
    worker: workers.Worker | None = None,
    console: str = "",
    rest: str = "",
) -> int:
    settings = hub.settings
    nightly = _nightly_settlement(hub) if background else None
    telemetry.configure_from_env()  # per process: each worker exports its own spans
    stop = signals.stop_on_signals()
    web_settings = settings_beside(console, settings, insecure=tls is None) if console else None
    rest_settings = gateway.settings_beside(rest, settings, insecure=tls is None) if rest else None
    running = start_server(hub, listen, tls=tls, share_port=share_port)
    sweeper = sweeper_thread(hub.operator.sweep, settings.sweep_interval_s)
    if background and settings.sweep_interval_s > 0:
        sweeper.start()
    events_relay = (  # its counts are shown on this hub's ops port
        relay.RelayThread.if_enabled(hub.engine, registry=running.metrics.registry)
        if background
        else None
    )
    if events_relay is not None:
        events_relay.start()
    if nightly is not None:
        nightly.start()
    heap.freeze_startup_heap()  # last, once everything the process keeps is built
    if worker is None:
        host = listen.rsplit(":", 1)[0]
        # LocalHub and scripts wait for this exact line to learn the port.
        print(f"hub listening on {host}:{running.port}", flush=True)
    else:
        worker.ready(running.port)
    web = rest_gateway = None
    try:
        # After the hub's line, which LocalHub and scripts read first.
        web = beside_hub(web_settings, listen, running.port) if web_settings else None
        if rest_settings is not None:
            rest_gateway = gateway.beside_hub(rest_settings, listen, running.port)
        signals.wait_for(stop)
    finally:  # also when the console cannot start: the hub does not serve half of itself
        log.warning(
            "stopping: draining in-flight calls for up to %.0f s", settings.shutdown_grace_s
        )
        if web is not None:
            web.stop()
        if rest_gateway is not None:
            rest_gateway.stop()
        running.stop(settings.shutdown_grace_s)
        if sweeper.is_alive():
            sweeper.stop()
        if events_relay is not None:
            events_relay.stop()
        if nightly is not None:
            nightly.stop()
        hub.close()
    return 0
