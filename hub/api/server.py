"""Builds and runs the hub's gRPC server: partner API, health service and reflection."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub.api.interceptors import HubInterceptor
from hub.api.partner_servicer import PartnerServicer
from hub.bootstrap import Hub

log = logging.getLogger("hub.api")

MESSAGE_SIZE_MAX_BYTES = 1 << 20
PARTNER_SERVICE = partner_pb2.DESCRIPTOR.services_by_name["PartnerService"].full_name


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer

    def stop(self, grace_s: float) -> None:
        """Report NOT_SERVING, refuse new calls, let in-flight ones finish within ``grace_s``."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()


def start_server(hub: Hub, listen: str) -> RunningServer:
    """Start serving on ``listen`` (``host:0`` picks a free port) and return at once."""
    settings = hub.settings
    server = grpc.server(
        ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="hub-rpc"),
        interceptors=[HubInterceptor()],
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", MESSAGE_SIZE_MAX_BYTES),
            # Without this a second hub could bind the same port and silently share its traffic.
            ("grpc.so_reuseport", 0),
        ],
    )
    servicer = PartnerServicer(hub.partner_api(), hub.clock)
    partner_pb2_grpc.add_PartnerServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (PARTNER_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(listen)
    if port == 0:
        raise OSError(f"cannot listen on {listen}")
    server.start()
    for service in ("", PARTNER_SERVICE):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving on port %d", port)
    return RunningServer(server, port, health_servicer)
