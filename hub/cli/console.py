"""``hub console``: the staff web console, calling a hub's services as each signed-in person.

    hub console --listen 127.0.0.1:8443 --hub hub.internal:50051 \\
        --tls-cert console-server.crt --tls-key console-server.key --client-ca ca.crt \\
        --cert console-web.crt --key console-web.key

Staff open ``https://HOST:8443/`` with their staff certificate in the browser. The console's
own certificate (``hub certs issue console web``) is what it presents to the hub. Every
setting also comes from ``HUB_CONSOLE_*`` variables (see ``--help``). It needs no database URL
and no key: everything goes through the hub's gRPC services.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from typing import Any

from hub.cli import heap, signals
from hub.config import ConfigError, Settings
from hub.console import ConsoleSettings, RunningConsole, start_console
from hub.console.settings import ENV_VARIABLES

log = logging.getLogger("hub.console")

_FLAGS = (
    ("--listen", "listen", "HOST:PORT", "where browsers connect (default 127.0.0.1:8443)"),
    ("--hub", "hub", "HOST:PORT", "the hub's gRPC address (default localhost:50051)"),
    ("--tls-cert", "server_cert_file", "FILE", "the console's HTTPS certificate"),
    ("--tls-key", "server_key_file", "FILE", "its private key"),
    ("--client-ca", "client_ca_file", "FILE", "the CA that issues staff certificates"),
    ("--cert", "console_cert_file", "FILE", "the console's own client certificate"),
    ("--key", "console_key_file", "FILE", "its private key"),
    ("--hub-ca", "hub_ca_file", "FILE", "the CA of the hub's certificate (default --client-ca)"),
    ("--trusted-header", "trusted_header", "NAME", "an SSO proxy's role/name header (off)"),
    ("--trusted-proxies", "trusted_proxies", "IP,...", "the only peers that header is read from"),
)
"""Each flag overrides its ``HUB_CONSOLE_*`` variable (``hub.console.settings``)."""


def register(subcommands: Any) -> None:
    console = subcommands.add_parser(
        "console",
        help="serve the staff web console (HTTPS, staff client certificates)",
        epilog="Each flag overrides its variable: "
        + ", ".join(sorted(ENV_VARIABLES.values()))
        + ".",
    )
    for flag, dest, metavar, text in _FLAGS:
        console.add_argument(flag, dest=dest, metavar=metavar, help=text)
    console.add_argument(
        "--insecure-hub",
        dest="insecure_hub",
        action="store_const",
        const=True,
        help="the hub is a loopback `hub serve --insecure` (development only)",
    )
    console.set_defaults(run=run_console)


def console_settings(args: argparse.Namespace, **defaults: Any) -> ConsoleSettings:
    """``HUB_CONSOLE_*`` settings, then ``defaults`` where they are unset, then the flags."""
    settings = ConsoleSettings.from_env()
    unset: dict[str, Any] = {
        name: value for name, value in defaults.items() if not getattr(settings, name)
    }
    flags: dict[str, Any] = {dest: getattr(args, dest, None) for _, dest, _, _ in _FLAGS}
    flags["insecure_hub"] = getattr(args, "insecure_hub", None)
    given = {name: value for name, value in flags.items() if value is not None}
    settings = ConsoleSettings.from_env(**(unset | given))
    problems = settings.problems()
    if problems:
        raise ConfigError(*problems)
    if settings.insecure_hub and not _is_loopback(settings.hub):
        raise ConfigError(f"--insecure-hub reaches a loopback hub only, not {settings.hub}")
    return settings


def open_console(settings: ConsoleSettings) -> RunningConsole:
    """Start the console, or a ``ConfigError`` naming the file it could not read."""
    try:
        running = start_console(settings)
    except OSError as error:
        raise ConfigError(f"the console cannot start: {error}") from None
    host = settings.listen.rpartition(":")[0]
    print(f"console listening on https://{host}:{running.port}/", flush=True)
    return running


def settings_beside(listen: str, hub: Settings, *, insecure: bool) -> ConsoleSettings:
    """The console's settings in ``hub serve``'s process, checked before the hub starts; its
    HTTPS certificate and client CA default to the hub's own (``HUB_TLS_*``)."""
    args = argparse.Namespace(listen=listen, insecure_hub=insecure or None)
    defaults = {
        "server_cert_file": hub.tls_cert_file,
        "server_key_file": hub.tls_key_file,
        "client_ca_file": hub.tls_client_ca_file,
    }
    return console_settings(args, **defaults)


def beside_hub(settings: ConsoleSettings, hub_listen: str, hub_port: int) -> RunningConsole:
    """The console calling the hub this process serves, by the name its certificate has."""
    host = hub_listen.rpartition(":")[0]
    if host in ("", "0.0.0.0", "[::]", "::") or _is_loopback(hub_listen):  # noqa: S104
        host = "localhost"
    return open_console(replace(settings, hub=f"{host}:{hub_port}"))


def run_console(args: argparse.Namespace) -> int:
    running = open_console(console_settings(args))
    heap.freeze_startup_heap()
    signals.wait_for(signals.stop_on_signals())
    running.stop()
    return 0


def _is_loopback(address: str) -> bool:
    host = address.rpartition(":")[0].strip("[]")
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")
