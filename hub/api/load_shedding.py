"""Load shedding: past its limit of calls in flight the hub refuses at once, with a retry hint.

gRPC's own ``maximum_concurrent_rpcs`` answers ``RESOURCE_EXHAUSTED`` with neither a reason nor
``RetryInfo``, so a client cannot tell it from a quota and gives up. ``LoadShedder`` counts hub
calls the way gRPC does, from their arrival (waiting for a thread or running), and answers
those past the limit ``RESOURCE_EXHAUSTED`` with reason ``SERVER_BUSY`` and ``RetryInfo``; the
SDK waits that long, plus jitter, and retries with the same idempotency key. Health and
reflection are never shed, so a load balancer keeps hearing the truth from a busy hub.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from hub.api.errors import status_for
from hub.api.interceptors import HUB_SERVICE_PREFIX, request_id_of, text_metadata
from hub.domain.errors import ServerBusy

log = logging.getLogger("hub.api")

SERVER_BUSY_RETRY_AFTER_S = 0.1
"""The wait a shed call is told to take: a busy hub frees slots within milliseconds, and the
SDK spreads its callers over a jitter on top of this."""
REFUSAL_THREADS = 2
"""Threads that answer shed calls, apart from the RPC threads: when those are all busy with
slow calls, a refusal must not queue behind them."""

Behaviour = Callable[[Any, grpc.ServicerContext], Any]


class _Refusal:
    """The behaviour of a shed call; gRPC runs it on ``experimental_thread_pool``."""

    def __init__(self, pool: ThreadPoolExecutor, calls_max: int, retry_after_s: float) -> None:
        self.experimental_thread_pool = pool
        self._calls_max = calls_max
        self._retry_after_s = retry_after_s

    def __call__(self, request: Any, context: grpc.ServicerContext) -> None:
        request_id = request_id_of(text_metadata(context))
        log.debug("shed a call request_id=%s", request_id)
        error = ServerBusy(
            f"the hub is serving its limit of {self._calls_max} calls; "
            f"retry in {self._retry_after_s} s",
            retry_after_s=str(self._retry_after_s),
        )
        context.abort_with_status(status_for(error, request_id))


class LoadShedder(grpc.ServerInterceptor):  # type: ignore[misc]
    """Admits at most ``calls_max`` hub calls at once and refuses the rest at once."""

    def __init__(self, calls_max: int, *, retry_after_s: float = SERVER_BUSY_RETRY_AFTER_S) -> None:
        if calls_max < 1:
            raise ValueError(f"calls_max must be at least 1, not {calls_max}")
        self._slots = threading.BoundedSemaphore(calls_max)
        pool = ThreadPoolExecutor(max_workers=REFUSAL_THREADS, thread_name_prefix="hub-shed")
        self._refusal = _Refusal(pool, calls_max, retry_after_s)

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if (
            handler is None
            or handler.unary_unary is None
            or not details.method.startswith(HUB_SERVICE_PREFIX)
        ):
            return handler
        # Decided on arrival, never by waiting: a wait is what overload must not cause.
        admitted = self._slots.acquire(blocking=False)
        return grpc.unary_unary_rpc_method_handler(
            self._holding_a_slot(handler.unary_unary) if admitted else self._refusal,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _holding_a_slot(self, behaviour: Behaviour) -> Behaviour:
        def serve(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                return behaviour(request, context)
            finally:
                free()

        # A call can end before its behaviour runs (cancelled while it waited for a thread),
        # and then only gRPC dropping the handler says so: the slot is freed then.
        free = weakref.finalize(serve, self._slots.release)
        return serve
