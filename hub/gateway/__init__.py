"""The REST/JSON gateway: the partner API over HTTPS and JSON, transcoded from the protos'
``google.api.http`` options, calling the hub's gRPC services as the partner it relays.

The gateway authenticates the partner by the client certificate on the HTTPS connection (the
TLS layer checks its chain to the coalition CA) and relays it under its own gateway
certificate; the hub admits both and decides by its one policy table, as for a direct call.
It holds no database URL and no key.

    running = start_gateway(GatewaySettings(...))
    ...
    running.stop()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hub.gateway.link import HubLink
from hub.gateway.openapi import rendered
from hub.gateway.server import Gateway, GatewayServer, RunningGateway, tls_context

__all__ = ["GatewaySettings", "HubLink", "RunningGateway", "start_gateway"]


@dataclass(frozen=True)
class GatewaySettings:
    listen: str
    """HOST:PORT where web shops connect; port 0 picks a free one."""
    hub: str
    """The hub's gRPC address."""
    server_cert_file: str
    server_key_file: str
    client_ca_file: str
    """The coalition CA: partners' certificates chain to it."""
    gateway_cert_file: str = ""
    """The gateway's own client certificate (``hub certs issue gateway NAME``)."""
    gateway_key_file: str = ""
    hub_ca_file: str = ""
    """The CA of the hub's certificate; empty: the client CA."""
    insecure_hub: bool = False
    """The hub is a loopback ``hub serve --insecure`` (development): plaintext gRPC, partners
    named by metadata; no gateway certificate is needed."""


def start_gateway(settings: GatewaySettings, *, link: HubLink | None = None) -> RunningGateway:
    """Serve the gateway on ``settings.listen`` and return at once."""
    host, _, port = settings.listen.rpartition(":")
    link = link or _link(settings)
    context = tls_context(
        settings.server_cert_file, settings.server_key_file, settings.client_ca_file
    )
    server = GatewayServer((host.strip("[]"), int(port)), Gateway(link, rendered()), context)
    thread = threading.Thread(target=server.serve_forever, name="hub-gateway", daemon=True)
    thread.start()
    return RunningGateway(server, thread)


def _link(settings: GatewaySettings) -> HubLink:
    if settings.insecure_hub:
        return HubLink.insecure(settings.hub)
    return HubLink.open(
        settings.hub,
        settings.hub_ca_file or settings.client_ca_file,
        settings.gateway_cert_file,
        settings.gateway_key_file,
    )
