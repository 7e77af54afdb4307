"""The console's one channel to the hub, and calls on it as the signed-in person.

The console presents its own certificate; each call names the person in ``x-hub-staff``
(``role/name``) and the serial of the certificate they signed in with in
``x-hub-staff-serial``. The hub admits both, and its policy table decides what the person's
role may call: the console decides nothing the hub does not check again.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

from coalition.hub.v1 import (
    admin_pb2_grpc,
    fraud_pb2_grpc,
    rules_pb2_grpc,
    settlement_pb2_grpc,
    tuning_pb2_grpc,
)
from hub.api.headers import REQUEST_ID_HEADER, STAFF_HEADER, STAFF_SERIAL_HEADER
from hub.console.settings import ConsoleSettings
from hub.domain.principals import Principal
from partner_sdk.errors import HubError, from_rpc_error

CALL_TIMEOUT_S = 60.0
"""A settlement run or a bulk acceptance is the longest a page waits."""

__all__ = ["HubError", "HubLink"]


class HubLink:
    """The hub's staff services, each call made as a person."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.fraud = fraud_pb2_grpc.FraudReviewServiceStub(channel)  # type: ignore[no-untyped-call]
        self.settlement = settlement_pb2_grpc.SettlementServiceStub(channel)  # type: ignore[no-untyped-call]
        self.rules = rules_pb2_grpc.RulesServiceStub(channel)  # type: ignore[no-untyped-call]
        self.admin = admin_pb2_grpc.AdminServiceStub(channel)  # type: ignore[no-untyped-call]
        self.tuning = tuning_pb2_grpc.FraudTuningServiceStub(channel)  # type: ignore[no-untyped-call]

    @classmethod
    def open(cls, settings: ConsoleSettings) -> HubLink:
        if settings.insecure_hub:
            return cls(grpc.insecure_channel(settings.hub))
        credentials = grpc.ssl_channel_credentials(
            _read(settings.hub_ca_file or settings.client_ca_file),
            _read(settings.console_key_file),
            _read(settings.console_cert_file),
        )
        return cls(grpc.secure_channel(settings.hub, credentials))

    def call(self, person: Principal, method: Any, request: Message) -> Any:
        """``method(request)`` as ``person``; a refusal raises the SDK's typed ``HubError``."""
        request_id = uuid.uuid4().hex
        metadata = [
            (REQUEST_ID_HEADER, request_id),
            (STAFF_HEADER, f"{person.role.value}/{person.name}"),
        ]
        if person.credential_serial:
            metadata.append((STAFF_SERIAL_HEADER, person.credential_serial))
        try:
            return method(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            raise from_rpc_error(error, request_id=request_id) from error

    def close(self) -> None:
        self.channel.close()


def _read(path: str) -> bytes:
    return Path(path).read_bytes()
