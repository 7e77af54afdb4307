"""The gateway's one channel to the hub, and calls on it as the partner being relayed.

The gateway presents its own certificate (``spiffe://coalition.hub/gateway/<name>``); each
call names the partner in ``x-hub-partner-id`` and the serial of the certificate the partner
presented in ``x-hub-partner-serial``, or passes on the partner's API key in ``x-hub-api-key``.
The hub admits both, and its one policy table and
interceptor decide the call as for a partner calling directly: the gateway decides nothing
the hub does not check again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf.message import Message

from hub.api.headers import (
    API_KEY_HEADER,
    PARTNER_ID_HEADER,
    PARTNER_SERIAL_HEADER,
    REQUEST_ID_HEADER,
)
from hub.domain.principals import Principal
from hub.gateway.routes import Route
from hub.gateway.transcode import request_class, response_class

CALL_TIMEOUT_S = 30.0
"""Longer than any till call takes; a hub that does not answer by then is reported 504."""


@dataclass(frozen=True)
class Relayed:
    """Who the gateway calls as, in the metadata the hub reads (``hub.api.authentication``)."""

    metadata: tuple[tuple[str, str], ...]

    @classmethod
    def partner(cls, partner: Principal) -> Relayed:
        """The partner its client certificate names, with that certificate's serial."""
        serial = partner.credential_serial or ""
        return cls(((PARTNER_ID_HEADER, partner.name), (PARTNER_SERIAL_HEADER, serial)))

    @classmethod
    def api_key(cls, key: str) -> Relayed:
        """Whoever the key names, if the hub holds it."""
        return cls(((API_KEY_HEADER, key),))


class HubLink:
    """Calls any routed RPC on the hub as a partner."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel

    @classmethod
    def open(cls, hub: str, ca_file: str, cert_file: str, key_file: str) -> HubLink:
        credentials = grpc.ssl_channel_credentials(
            Path(ca_file).read_bytes(), Path(key_file).read_bytes(), Path(cert_file).read_bytes()
        )
        return cls(grpc.secure_channel(hub, credentials))

    @classmethod
    def insecure(cls, hub: str) -> HubLink:
        """Plaintext, to a loopback ``hub serve --insecure`` (development only)."""
        return cls(grpc.insecure_channel(hub))

    def call(self, route: Route, request: Message, caller: Relayed, request_id: str) -> Message:
        """The hub's answer to ``request``; a refusal raises the ``grpc.RpcError``."""
        method = self.channel.unary_unary(
            route.grpc_path,
            request_serializer=request_class(route).SerializeToString,
            response_deserializer=response_class(route).FromString,
        )
        metadata = ((REQUEST_ID_HEADER, request_id), *caller.metadata)
        response: Message = method(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
        return response

    def close(self) -> None:
        self.channel.close()
