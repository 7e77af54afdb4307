"""Failures as HTTP answers: the status code ``google.rpc.Code`` maps to (the mapping in
googleapis' ``google/rpc/code.proto``), and the body the hub's own ``google.rpc.Status``, as JSON,
with its details (ErrorInfo, BadRequest, RequestInfo, RetryInfo) as the hub sent them.

The gateway's own refusals (a body that is not JSON, no credential) are the hub's domain errors
made into a status by the same function the hub uses (``hub.api.errors.status_for``), so a
partner reads one error shape whichever side refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import grpc
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2

from hub.api.errors import status_for
from hub.domain.errors import HubError

HTTP_STATUS_OF_CODE = {
    code_pb2.OK: 200,
    code_pb2.CANCELLED: 499,
    code_pb2.UNKNOWN: 500,
    code_pb2.INVALID_ARGUMENT: 400,
    code_pb2.DEADLINE_EXCEEDED: 504,
    code_pb2.NOT_FOUND: 404,
    code_pb2.ALREADY_EXISTS: 409,
    code_pb2.PERMISSION_DENIED: 403,
    code_pb2.UNAUTHENTICATED: 401,
    code_pb2.RESOURCE_EXHAUSTED: 429,
    code_pb2.FAILED_PRECONDITION: 400,
    code_pb2.ABORTED: 409,
    code_pb2.OUT_OF_RANGE: 400,
    code_pb2.UNIMPLEMENTED: 501,
    code_pb2.INTERNAL: 500,
    code_pb2.UNAVAILABLE: 503,
    code_pb2.DATA_LOSS: 500,
}
_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class Failure:
    """An HTTP answer to a refused call."""

    http_status: int
    body: bytes
    retry_after_s: int | None = None
    """For ``Retry-After``, when the status carries a ``RetryInfo``."""


def failure_of_status(status: status_pb2.Status) -> Failure:
    body = json.dumps(json_format.MessageToDict(status), ensure_ascii=False).encode()
    return Failure(HTTP_STATUS_OF_CODE.get(status.code, 500), body, _retry_after_s(status))


def failure_of_rpc_error(error: grpc.RpcError, request_id: str) -> Failure:
    """The hub's refusal as it sent it; a refusal without details (a transport failure) is
    made into a bare status of its code."""
    status = _status_of(error)
    if status is None:
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        status = status_pb2.Status(code=code.value[0], message=_details(error))
        status.details.add().Pack(error_details_pb2.RequestInfo(request_id=request_id))
    return failure_of_status(status)


def failure_of_error(error: HubError, request_id: str) -> Failure:
    """A refusal the gateway makes itself, in the hub's shape."""
    metadata = dict(status_for(error, request_id).trailing_metadata)
    return failure_of_status(status_pb2.Status.FromString(metadata[_DETAILS_KEY]))


def plain_failure(code: int, message: str, request_id: str) -> Failure:
    """A status with no reason: for requests no RPC answers (no such path)."""
    status = status_pb2.Status(code=code, message=message)
    status.details.add().Pack(error_details_pb2.RequestInfo(request_id=request_id))
    return failure_of_status(status)


def _status_of(error: grpc.RpcError) -> status_pb2.Status | None:
    trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailing or ():
        if key == _DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def _details(error: grpc.RpcError) -> str:
    return str(error.details()) if hasattr(error, "details") else "the hub did not answer"


def _retry_after_s(status: status_pb2.Status) -> int | None:
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            delay_ns: int = info.retry_delay.ToNanoseconds()
            return max(1, math.ceil(delay_ns / 1e9))
    return None
