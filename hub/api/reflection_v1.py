"""Server reflection under both names tools ask for: ``grpc.reflection.v1`` (grpcurl, buf curl,
grpc-js and Postman now try it first) and ``grpc.reflection.v1alpha``.

grpcio-reflection serves only v1alpha. The two protocols are the same messages under another
package name, field for field, so the v1 method is the v1alpha servicer behind the v1 path,
with v1alpha's (wire-identical) codecs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"
V1ALPHA_SERVICE_NAME = reflection.SERVICE_NAME


def enable_reflection(service_names: Sequence[str], server: grpc.Server) -> None:
    """Reflection of ``service_names`` (and of itself, under both names) on ``server``."""
    _describe_v1()
    names = (*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)
    servicer = reflection.ReflectionServicer(names)
    server.add_generic_rpc_handlers(
        tuple(_handler(service, servicer) for service in (V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME))
    )


def _handler(service: str, servicer: reflection.ReflectionServicer) -> grpc.GenericRpcHandler:
    method = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(service, {"ServerReflectionInfo": method})


@functools.cache
def _describe_v1() -> None:
    """Add ``grpc/reflection/v1/reflection.proto`` to the default pool, made from v1alpha's by
    renaming its package, so a tool can describe the v1 service it calls."""
    file = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(file)
    old, new = f".{file.package}.", ".grpc.reflection.v1."
    file.name, file.package = "grpc/reflection/v1/reflection.proto", "grpc.reflection.v1"
    for message in file.message_type:
        for field in message.field:
            if field.type_name:  # assigning even "" would mark a scalar field as typed
                field.type_name = field.type_name.replace(old, new)
    for service in file.service:
        for method in service.method:
            method.input_type = method.input_type.replace(old, new)
            method.output_type = method.output_type.replace(old, new)
    descriptor_pool.Default().Add(file)
