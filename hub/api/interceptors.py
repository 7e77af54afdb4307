"""Everything every hub RPC does around its servicer method, in one interceptor.

It names the call (request id), identifies the caller, maps domain errors to statuses and
turns any other exception into a generic ``INTERNAL``, so servicers never catch anything.
Two cheaper refusals come before it: load shedding (``hub.api.load_shedding``) and unreadable
request bodies (``hub.api.malformed``).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from hub import telemetry
from hub.api.authentication import Authenticate
from hub.api.errors import internal_status, status_for
from hub.api.headers import REQUEST_ID_HEADER
from hub.api.metrics import HubMetrics
from hub.api.policy import require_allowed
from hub.api.rate_limits import RateLimiter
from hub.domain.access import Admission
from hub.domain.errors import HubError
from hub.domain.principals import Principal

log = logging.getLogger("hub.api")
access_log = logging.getLogger("hub.access")
"""One line per call at INFO: request id, caller, method, code, duration (never the body)."""

HUB_SERVICE_PREFIX = "/coalition.hub."
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("hub_principal")
_phone_region: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hub_phone_region", default=None
)


def caller() -> Principal:
    """The authenticated, admitted caller of the RPC being served."""
    return _principal.get()


def caller_phone_region() -> str | None:
    """The calling partner's default phone region, as admission read it (``None`` for staff
    and for partners without one: phone numbers must then be in international form)."""
    return _phone_region.get()


@dataclass(frozen=True)
class Gatekeeper:
    """Lets a call in: who it is, whether its role may call the method, whether its credential
    and partner are still accepted, and whether the partner is within its request rate."""

    authenticate: Authenticate
    admit: Callable[[Principal], Admission]
    limiter: RateLimiter
    default_rate_limit_per_s: int

    def enter(
        self, method: str, context: grpc.ServicerContext, metadata: Mapping[str, str]
    ) -> Admission:
        principal = self.authenticate(context, metadata)
        require_allowed(method, principal)
        if principal.via is not None:
            self.admit(principal.via)  # a revoked console relays for no one
        admission = self.admit(principal)
        if principal.is_partner:
            limit = admission.rate_limit_per_s or self.default_rate_limit_per_s
            self.limiter.take(principal.name, limit)
        return admission


def text_metadata(context: grpc.ServicerContext) -> dict[str, str]:
    """The call's metadata with text values (binary ``-bin`` headers left out)."""
    return {key: value for key, value in context.invocation_metadata() if isinstance(value, str)}


def request_id_of(metadata: Mapping[str, str]) -> str:
    """The caller's request id if it is a usable one, else a new one."""
    given = metadata.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


Behaviour = Callable[[Any, grpc.ServicerContext], Any]


class HubInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, gatekeeper: Gatekeeper, metrics: HubMetrics | None = None) -> None:
        self._gatekeeper = gatekeeper
        self._metrics = metrics or HubMetrics()
        self._wrapped = WrappedHandlers()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if (
            handler is None
            or handler.unary_unary is None
            or not details.method.startswith(HUB_SERVICE_PREFIX)
        ):
            return handler
        return self._wrapped.get(details.method, handler, self._wrap)

    def _wrap(self, method: str, handler: Any) -> Any:
        return grpc.unary_unary_rpc_method_handler(
            _served(self._gatekeeper, method, handler.unary_unary, self._metrics),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class WrappedHandlers:
    """An interceptor's handler for each method, made once. Interceptors run on grpcio's one
    dispatching thread, which must take the GIL from the RPC threads for each call: the less
    Python it runs per call, the more calls it hands out (a new handler per call cost an earn
    0.4-0.6 ms of CPU at 32 clients, nothing at one)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[Any, Any]] = {}

    def get(self, method: str, handler: Any, wrap: Callable[[str, Any], Any]) -> Any:
        made = self._made.get(method)
        if made is not None and made[0] is handler:
            return made[1]
        wrapped = wrap(method, handler)
        self._made[method] = (handler, wrapped)  # a dict store is atomic: no lock needed
        return wrapped


def _served(
    gatekeeper: Gatekeeper, method: str, behaviour: Behaviour, metrics: HubMetrics
) -> Behaviour:
    def serve(request: Any, context: grpc.ServicerContext) -> Any:
        metadata = text_metadata(context)
        request_id = request_id_of(metadata)
        context.set_trailing_metadata(((REQUEST_ID_HEADER, request_id),))
        started = time.perf_counter()
        outcome = _Outcome()
        request_token = telemetry.current_request_id.set(request_id)
        try:
            with telemetry.rpc_span(method, metadata, request_id) as span:
                try:
                    call = _Call(method, request_id, metadata, outcome)
                    return _answer(gatekeeper, behaviour, request, context, call)
                finally:
                    telemetry.set_status_code(span, outcome.code)
        finally:
            duration_s = time.perf_counter() - started
            metrics.observe_call(method, outcome.code, duration_s)
            if access_log.isEnabledFor(logging.INFO):
                _log_access(method, outcome, duration_s)  # with the request id still set
            telemetry.current_request_id.reset(request_token)

    return serve


@dataclass
class _Outcome:
    code: str = "OK"
    caller: str = "unauthenticated"


@dataclass(frozen=True)
class _Call:
    method: str
    request_id: str
    metadata: Mapping[str, str]
    outcome: _Outcome


def _answer(
    gatekeeper: Gatekeeper,
    behaviour: Behaviour,
    request: Any,
    context: grpc.ServicerContext,
    call: _Call,
) -> Any:
    """Admit the caller and run the method, with its principal in context; a refusal or a bug
    becomes the call's status (``abort_with_status`` raises to end the call)."""
    method, request_id, outcome = call.method, call.request_id, call.outcome
    try:
        admission = gatekeeper.enter(method, context, call.metadata)
        outcome.caller = str(admission.principal)
        token = _principal.set(admission.principal)
        region_token = _phone_region.set(admission.phone_region)
        try:
            return behaviour(request, context)
        finally:
            _phone_region.reset(region_token)
            _principal.reset(token)
    except HubError as error:
        outcome.code = error.code
        log.info("%s refused %s request_id=%s", method, error.reason, request_id)
        context.abort_with_status(status_for(error, request_id))
    except Exception:
        outcome.code = "INTERNAL"
        log.exception("%s failed request_id=%s", method, request_id)
        context.abort_with_status(internal_status(request_id))


def _log_access(method: str, outcome: _Outcome, duration_s: float) -> None:
    access_log.info(
        "%s %s %.1f ms",
        method,
        outcome.code,
        duration_s * 1000,
        extra={
            "method": method,
            "code": outcome.code,
            "duration_ms": round(duration_s * 1000, 3),
            "caller": outcome.caller,
        },
    )
