"""The one place domain errors become gRPC statuses with machine-readable details."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from hub.api.headers import REQUEST_ID_HEADER
from hub.domain.errors import (
    DatabaseUnavailable,
    HubError,
    InvalidArgument,
    ResourceExhausted,
    Unavailable,
)

ERROR_DOMAIN = "hub.coalition"
INTERNAL_MESSAGE = "internal error; the hub's operators can trace it by the request id"
DATABASE_RETRY_AFTER_S = 0.2
"""What a caller is told to wait when the database is unreachable and the error names no delay:
a restarting or failing-over database is usually back within a second, and the SDK adds its own
jittered backoff, so callers come back spread out rather than all at once."""


@dataclass(frozen=True)
class _Status(grpc.Status):  # type: ignore[misc]
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _packed(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_for(error: HubError, request_id: str) -> grpc.Status:
    """``error`` as a status carrying ErrorInfo, RequestInfo and, for bad input, BadRequest."""
    details = [
        _packed(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata
            )
        ),
        _packed(error_details_pb2.RequestInfo(request_id=request_id)),
    ]
    retry_after_s = _retry_after_s(error)
    if retry_after_s is not None:
        delay = Duration()
        delay.FromNanoseconds(int(retry_after_s * 1e9))
        details.append(_packed(error_details_pb2.RetryInfo(retry_delay=delay)))
    if isinstance(error, InvalidArgument) and error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message
        )
        details.append(_packed(error_details_pb2.BadRequest(field_violations=[violation])))
    code = grpc.StatusCode[error.code]
    status = rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message=error.message, details=details)
    )
    # Aborting replaces the trailing metadata, so the request id must travel with the status.
    metadata = (*status.trailing_metadata, (REQUEST_ID_HEADER, request_id))
    return _Status(status.code, status.details, metadata)


def _retry_after_s(error: HubError) -> float | None:
    """The delay a retryable refusal asks for (``google.rpc.RetryInfo``), if any."""
    if not isinstance(error, ResourceExhausted | Unavailable):
        return None
    if "retry_after_s" in error.metadata:
        return float(error.metadata["retry_after_s"])
    return DATABASE_RETRY_AFTER_S if isinstance(error, DatabaseUnavailable) else None


def internal_status(request_id: str) -> grpc.Status:
    """A bug's status: a generic message, never the exception's text."""
    return status_for(HubError(INTERNAL_MESSAGE), request_id)
