"""The console's settings: where it listens, which hub it calls, and with which certificates.

Read from ``HUB_CONSOLE_*`` environment variables, overridden by ``hub console`` flags. Checked
once, before anything listens: ``problems()`` names each bad value and the form it takes.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:8443"
DEFAULT_HUB = "localhost:50051"
PORT_MAX = 65_535
ENV_VARIABLES = {
    "listen": "HUB_CONSOLE_LISTEN",
    "hub": "HUB_CONSOLE_HUB",
    "server_cert_file": "HUB_CONSOLE_TLS_CERT",
    "server_key_file": "HUB_CONSOLE_TLS_KEY",
    "client_ca_file": "HUB_CONSOLE_CLIENT_CA",
    "console_cert_file": "HUB_CONSOLE_CERT",
    "console_key_file": "HUB_CONSOLE_KEY",
    "hub_ca_file": "HUB_CONSOLE_HUB_CA",
    "trusted_header": "HUB_CONSOLE_TRUSTED_HEADER",
    "trusted_proxies": "HUB_CONSOLE_TRUSTED_PROXIES",
}


@dataclass(frozen=True)
class ConsoleSettings:
    listen: str = DEFAULT_LISTEN
    hub: str = DEFAULT_HUB
    """The hub's gRPC address (HOST:PORT)."""
    server_cert_file: str = ""
    """The console's HTTPS certificate and key, as browsers see it."""
    server_key_file: str = ""
    client_ca_file: str = ""
    """The coalition CA that staff browser certificates must chain to."""
    console_cert_file: str = ""
    """The console's own client certificate (``hub certs issue console web``), presented to
    the hub when it relays a signed-in person's calls."""
    console_key_file: str = ""
    hub_ca_file: str = ""
    """The CA that signed the hub's server certificate; empty: ``client_ca_file``."""
    insecure_hub: bool = False
    """Relay plain ``x-hub-staff`` to a loopback hub served ``--insecure`` (development)."""
    trusted_header: str = ""
    """A header naming ``role/name`` set by an SSO proxy; empty (the default): no such header
    is trusted, and only client certificates sign people in."""
    trusted_proxies: tuple[str, ...] = ()
    """The addresses the trusted header is accepted from (the SSO proxies)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> ConsoleSettings:
        """Settings from ``env``; ``overrides`` that are not ``None`` win (flags)."""
        read: dict[str, Any] = {name: env[var] for name, var in ENV_VARIABLES.items() if var in env}
        if "trusted_proxies" in read:
            read["trusted_proxies"] = _split(read["trusted_proxies"])
        settings = replace(cls(), **read)
        given = {key: value for key, value in overrides.items() if value is not None}
        if isinstance(given.get("trusted_proxies"), str):
            given["trusted_proxies"] = _split(given["trusted_proxies"])
        return replace(settings, **given)

    def problems(self) -> list[str]:
        """One sentence per setting that cannot be used; empty when all can."""
        found = [
            _address_problem("HUB_CONSOLE_LISTEN (--listen)", self.listen),
            _address_problem("HUB_CONSOLE_HUB (--hub)", self.hub),
            *self._file_problems(),
            *self._header_problems(),
        ]
        return [problem for problem in found if problem]

    def _file_problems(self) -> list[str | None]:
        needed = ["server_cert_file", "server_key_file", "client_ca_file"]
        if not self.insecure_hub:
            needed += ["console_cert_file", "console_key_file"]
        missing = [ENV_VARIABLES[name] for name in needed if not getattr(self, name)]
        if not missing:
            return []
        return [
            f"the console needs {', '.join(missing)} (`hub certs init` makes the server files; "
            "`hub certs issue console web` the console's own)"
        ]

    def _header_problems(self) -> list[str | None]:
        if bool(self.trusted_header) != bool(self.trusted_proxies):
            return [
                "HUB_CONSOLE_TRUSTED_HEADER and HUB_CONSOLE_TRUSTED_PROXIES go together: a "
                "header is trusted only from the proxies named"
            ]
        return [_proxy_problem(address) for address in self.trusted_proxies]


SETTING_NAMES = tuple(field.name for field in fields(ConsoleSettings))


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _address_problem(name: str, address: str) -> str | None:
    host, _, port = address.rpartition(":")
    if host and port.isdigit() and int(port) <= PORT_MAX:
        return None
    return f"{name} must be HOST:PORT such as 127.0.0.1:8443 (got {address!r})"


def _proxy_problem(address: str) -> str | None:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return f"HUB_CONSOLE_TRUSTED_PROXIES holds IP addresses, not {address!r}"
    return None
