"""Request bodies that are not their method's message are refused before any work is done.

gRPC decodes a request before any interceptor or servicer sees it. When decoding fails, grpcio
answers ``INTERNAL`` and, as of 1.85, never frees that call (about 16 KB each), so junk from
anyone who can open a connection, a revoked certificate included, would grow the hub until it
died. Every unary method's deserializer is therefore wrapped: a body larger than its method
accepts, or one that does not decode, becomes a ``Malformed`` value instead of an exception,
and ``MalformedRequestGuard`` answers it ``INVALID_ARGUMENT`` (reason ``MALFORMED_REQUEST``)
before authentication, admission or the database.

A body larger than ``REPORT_REQUEST_SIZE_MAX_BYTES`` (the transport's own limit, set as
``grpc.max_receive_message_length``) never reaches Python: gRPC refuses it with
``RESOURCE_EXHAUSTED`` and no details, before reading it into memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from coalition.hub.v1 import settlement_pb2
from hub.api.errors import status_for
from hub.api.interceptors import WrappedHandlers, request_id_of, text_metadata
from hub.domain.errors import MalformedRequest
from settlement.reconciliation import REPORT_BYTES_MAX

log = logging.getLogger("hub.api")

REQUEST_SIZE_MAX_BYTES = 1 << 20
"""Any request but a settlement report. The largest real one, a receipt of 200 lines at the
longest field lengths, is under 64 KB."""
REPORT_REQUEST_SIZE_MAX_BYTES = REPORT_BYTES_MAX + (1 << 20)
"""A request carrying a partner's settlement report (CSV) at its largest, plus room for the
rest of its message; also the transport's limit for every request."""


def _method_path(service: str, method: str) -> str:
    descriptor = settlement_pb2.DESCRIPTOR.services_by_name[service]
    return f"/{descriptor.full_name}/{descriptor.methods_by_name[method].name}"


REPORT_METHODS = frozenset(
    {
        _method_path("SettlementService", "ImportReport"),
        _method_path("PartnerSettlementService", "SubmitReport"),
    }
)
"""The methods whose requests carry a settlement report."""


def size_max_bytes(method: str) -> int:
    """The largest request body ``method`` (``/package.Service/Method``) accepts."""
    return REPORT_REQUEST_SIZE_MAX_BYTES if method in REPORT_METHODS else REQUEST_SIZE_MAX_BYTES


@dataclass(frozen=True)
class Malformed:
    """Stands for a request body that could not be read; what the servicer gets instead."""

    problem: str
    size_bytes: int
    size_max_bytes: int

    def error(self) -> MalformedRequest:
        return MalformedRequest(
            f"the request body {self.problem}",
            size_bytes=str(self.size_bytes),
            size_max_bytes=str(self.size_max_bytes),
        )


Deserializer = Callable[[bytes], Any]


def tolerant(deserialize: Deserializer, size_max_bytes: int) -> Deserializer:
    """``deserialize``, returning a ``Malformed`` where it would raise (or refuse too much)."""

    def read(body: bytes) -> Any:
        if len(body) > size_max_bytes:
            return Malformed(
                f"is {len(body)} bytes; this method accepts at most {size_max_bytes}",
                len(body),
                size_max_bytes,
            )
        try:
            return deserialize(body)
        except DecodeError:
            return Malformed("does not decode as this method's message", len(body), size_max_bytes)

    return read


def _refuse(malformed: Malformed, context: grpc.ServicerContext) -> None:
    """Aborts the call (gRPC aborts by raising)."""
    request_id = request_id_of(text_metadata(context))
    # Debug only: junk can arrive by the thousand, and it says nothing about the hub.
    log.debug("malformed request refused request_id=%s", request_id)
    context.abort_with_status(status_for(malformed.error(), request_id))


_GRPC_BEHAVIOUR_OPTIONS = ("experimental_non_blocking", "experimental_thread_pool")
"""How a servicer method asks gRPC to run it; health's ``Watch`` is non-blocking (it holds no
thread while it waits), and must stay so when wrapped."""


def _checked(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
    for request in requests:
        if isinstance(request, Malformed):
            _refuse(request, context)
        yield request


def _guarded(behaviour: Callable[..., Any], *, request_streaming: bool) -> Callable[..., Any]:
    def serve(request: Any, context: grpc.ServicerContext, *callback: Any) -> Any:
        if request_streaming:
            return behaviour(_checked(request, context), context, *callback)
        if isinstance(request, Malformed):
            _refuse(request, context)
        return behaviour(request, context, *callback)

    for option in _GRPC_BEHAVIOUR_OPTIONS:
        if hasattr(behaviour, option):
            setattr(serve, option, getattr(behaviour, option))
    return serve


_HANDLERS = {
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}
"""Per (request streaming, response streaming): the handler's behaviour and its factory."""


class MalformedRequestGuard(grpc.ServerInterceptor):  # type: ignore[misc]
    """Refuses unreadable request bodies of every method: the hub's, health's, reflection's."""

    def __init__(self) -> None:
        self._wrapped = WrappedHandlers()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None or handler.request_deserializer is None:
            return handler
        return self._wrapped.get(details.method, handler, _guard)


def _guard(method: str, handler: Any) -> Any:
    streaming = (handler.request_streaming, handler.response_streaming)
    behaviour_name, make_handler = _HANDLERS[streaming]
    return make_handler(
        _guarded(getattr(handler, behaviour_name), request_streaming=streaming[0]),
        request_deserializer=tolerant(handler.request_deserializer, size_max_bytes(method)),
        response_serializer=handler.response_serializer,
    )
