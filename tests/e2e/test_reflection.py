"""Server reflection answers tools under v1 and v1alpha alike."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

from hub.api.reflection_v1 import V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME


def _ask(channel: grpc.Channel, service: str, request: reflection_pb2.ServerReflectionRequest):
    call = channel.stream_stream(
        f"/{service}/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    (response,) = list(call(iter([request]), timeout=5))
    return response


@pytest.mark.parametrize("service", [V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME])
def test_reflection_lists_the_hub_services_under_either_name(
    channel: grpc.Channel, service: str
) -> None:
    request = reflection_pb2.ServerReflectionRequest(list_services="*")

    listed = {s.name for s in _ask(channel, service, request).list_services_response.service}

    assert {
        "coalition.hub.v1.PartnerService",
        "grpc.health.v1.Health",
        V1_SERVICE_NAME,
        V1ALPHA_SERVICE_NAME,
    } <= listed


@pytest.mark.parametrize(
    "symbol",
    [
        "coalition.hub.v1.PartnerService",
        V1_SERVICE_NAME,
        "grpc.reflection.v1.ServerReflectionRequest",
    ],
)
def test_reflection_v1_describes_every_service_it_lists(channel: grpc.Channel, symbol: str) -> None:
    request = reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)

    answer = _ask(channel, V1_SERVICE_NAME, request)

    assert not answer.HasField("error_response"), answer.error_response.error_message
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in answer.file_descriptor_response.file_descriptor_proto
    ]
    assert any(symbol.startswith(f.package) for f in files)
