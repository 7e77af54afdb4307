"""``hub gateway``: the partner API over HTTPS and JSON, and its OpenAPI document.

    hub gateway --listen 0.0.0.0:8444 --hub hub.internal:50051 \\
        --tls-cert gateway-server.crt --tls-key gateway-server.key --client-ca ca.crt \\
        --cert gateway-web.crt --key gateway-web.key
    hub gateway openapi > docs/openapi.json

Web shops call ``https://HOST:8444/v1/...`` with their partner certificate. The gateway's own
certificate (``hub certs issue gateway web``) is what it presents to the hub, which admits the
partner it relays on every call. It needs no database URL and no key.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub.cli import heap, signals
from hub.config import ConfigError, Settings
from hub.gateway import GatewaySettings, RunningGateway, start_gateway
from hub.gateway.openapi import rendered

_REQUIRED = (
    ("--tls-cert", "server_cert_file", "the gateway's HTTPS certificate"),
    ("--tls-key", "server_key_file", "its private key"),
    ("--client-ca", "client_ca_file", "the coalition CA, which issues partners' certificates"),
    ("--cert", "gateway_cert_file", "the gateway's own client certificate, for the hub"),
    ("--key", "gateway_key_file", "its private key"),
)


def register(subcommands: Any) -> None:
    gateway = subcommands.add_parser(
        "gateway", help="serve the partner API over HTTPS and JSON, or print its OpenAPI"
    )
    gateway.add_argument(
        "action",
        nargs="?",
        choices=("serve", "openapi"),
        default="serve",
        help="serve (the default), or print the OpenAPI document",
    )
    gateway.add_argument("--listen", default="127.0.0.1:8444", metavar="HOST:PORT")
    gateway.add_argument("--hub", default="localhost:50051", metavar="HOST:PORT")
    for flag, dest, text in _REQUIRED:
        gateway.add_argument(flag, dest=dest, metavar="FILE", help=text)
    gateway.add_argument("--hub-ca", dest="hub_ca_file", default="", metavar="FILE")
    gateway.add_argument(
        "--insecure-hub",
        action="store_true",
        help="the hub is a loopback `hub serve --insecure` (development only)",
    )
    gateway.add_argument("--output", metavar="FILE", help="openapi: write here, not stdout")
    gateway.set_defaults(run=run_gateway)


def run_gateway(args: argparse.Namespace) -> int:
    if args.action == "openapi":
        return _write_openapi(args.output)
    running = open_gateway(gateway_settings(args))
    heap.freeze_startup_heap()
    signals.wait_for(signals.stop_on_signals())
    running.stop()
    return 0


def gateway_settings(args: argparse.Namespace) -> GatewaySettings:
    needed = _REQUIRED[:3] if args.insecure_hub else _REQUIRED
    missing = [flag for flag, dest, _ in needed if not getattr(args, dest, None)]
    if missing:
        raise ConfigError(f"hub gateway needs {', '.join(missing)}")
    if args.insecure_hub and not _is_loopback(args.hub):
        raise ConfigError(f"--insecure-hub reaches a loopback hub only, not {args.hub}")
    files = {dest: getattr(args, dest) or "" for _, dest, _ in _REQUIRED}
    return GatewaySettings(
        listen=args.listen,
        hub=args.hub,
        hub_ca_file=args.hub_ca_file,
        insecure_hub=args.insecure_hub,
        **files,
    )


def _is_loopback(address: str) -> bool:
    host = address.rpartition(":")[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def open_gateway(settings: GatewaySettings) -> RunningGateway:
    """Start the gateway, or a ``ConfigError`` naming what it could not read."""
    try:
        running = start_gateway(settings)
    except OSError as error:
        raise ConfigError(f"the gateway cannot start: {error}") from None
    host = settings.listen.rpartition(":")[0]
    print(f"gateway listening on https://{host}:{running.port}/", flush=True)
    return running


def _write_openapi(output: str | None) -> int:
    if output:
        Path(output).write_bytes(rendered())
    else:
        sys.stdout.buffer.write(rendered())
    return 0


GATEWAY_CERT_ENV = "HUB_GATEWAY_CERT"
GATEWAY_KEY_ENV = "HUB_GATEWAY_KEY"
"""The gateway's own client certificate and key when ``hub serve --rest-listen`` runs it."""


def settings_beside(listen: str, hub: Settings, *, insecure: bool) -> GatewaySettings:
    """The gateway's settings in ``hub serve``'s process, checked before the hub starts: its
    HTTPS certificate and client CA are the hub's own (``HUB_TLS_*``), its client certificate
    ``$HUB_GATEWAY_CERT`` and ``$HUB_GATEWAY_KEY`` (``hub certs issue gateway NAME``)."""
    settings = GatewaySettings(
        listen=listen,
        hub="",  # the port is known once the hub serves: beside_hub fills it in
        server_cert_file=hub.tls_cert_file,
        server_key_file=hub.tls_key_file,
        client_ca_file=hub.tls_client_ca_file,
        gateway_cert_file=os.environ.get(GATEWAY_CERT_ENV, ""),
        gateway_key_file=os.environ.get(GATEWAY_KEY_ENV, ""),
        insecure_hub=insecure,
    )
    if not (settings.server_cert_file and settings.client_ca_file):
        raise ConfigError("--rest-listen serves HTTPS: it needs HUB_TLS_CERT and HUB_TLS_CLIENT_CA")
    if not insecure and not (settings.gateway_cert_file and settings.gateway_key_file):
        raise ConfigError(
            f"--rest-listen needs ${GATEWAY_CERT_ENV} and ${GATEWAY_KEY_ENV}: the gateway's own "
            "certificate (`hub certs issue gateway web`)"
        )
    return settings


def beside_hub(settings: GatewaySettings, hub_listen: str, hub_port: int) -> RunningGateway:
    """The gateway calling the hub this process serves, by the name its certificate has."""
    host = hub_listen.rpartition(":")[0].strip("[]")
    if host in ("", "0.0.0.0", "::") or _is_loopback(hub_listen):  # noqa: S104
        host = "localhost"
    return open_gateway(replace(settings, hub=f"{host}:{hub_port}"))
