"""Everything every hub RPC does around its servicer method, in one interceptor.

It names the call (request id), identifies the caller, maps domain errors to statuses and
turns any other exception into a generic ``INTERNAL``, so servicers never catch anything.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from hub.api.errors import internal_status, status_for
from hub.api.headers import PARTNER_ID_HEADER, REQUEST_ID_HEADER
from hub.domain.errors import HubError, Unauthenticated
from hub.domain.partners import PARTNER_ID_PATTERN

log = logging.getLogger("hub.api")

HUB_SERVICE_PREFIX = "/coalition.hub."
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling. Today a partner named in metadata on a trusted network; certificates
    will say it once mTLS is in place."""

    partner_id: str


_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("hub_principal")


def caller() -> Principal:
    """The authenticated caller of the RPC being served."""
    return _principal.get()


def _authenticate(metadata: dict[str, str]) -> Principal:
    partner_id = metadata.get(PARTNER_ID_HEADER, "")
    if not PARTNER_ID_PATTERN.fullmatch(partner_id):
        raise Unauthenticated(f"calls must name the partner in the {PARTNER_ID_HEADER} metadata")
    return Principal(partner_id)


def _request_id(metadata: dict[str, str]) -> str:
    given = metadata.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


Behaviour = Callable[[Any, grpc.ServicerContext], Any]


class HubInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if (
            handler is None
            or handler.unary_unary is None
            or not details.method.startswith(HUB_SERVICE_PREFIX)
        ):
            return handler
        return grpc.unary_unary_rpc_method_handler(
            _served(details.method, handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _served(method: str, behaviour: Behaviour) -> Behaviour:
    def serve(request: Any, context: grpc.ServicerContext) -> Any:
        metadata = {
            key: value for key, value in context.invocation_metadata() if isinstance(value, str)
        }
        request_id = _request_id(metadata)
        context.set_trailing_metadata(((REQUEST_ID_HEADER, request_id),))
        started = time.perf_counter()
        try:
            token = _principal.set(_authenticate(metadata))
            try:
                return behaviour(request, context)
            finally:
                _principal.reset(token)
        except HubError as error:
            log.info("%s refused %s request_id=%s", method, error.reason, request_id)
            context.abort_with_status(status_for(error, request_id))
        except Exception:
            log.exception("%s failed request_id=%s", method, request_id)
            context.abort_with_status(internal_status(request_id))
        finally:
            log.debug(
                "%s took %.1f ms request_id=%s",
                method,
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    return serve
