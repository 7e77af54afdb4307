"""Builds and runs the hub's gRPC server: partner, admin, rules, fraud review and settlement
APIs, health and reflection.

Health answers readiness (``""`` and each hub service: the database is reachable) and
liveness (``"liveness"``) separately; see ``hub.api.health``.

With ``tls`` the server requires a client certificate chained to the coalition CA and takes
the caller's identity from it; without, it serves plaintext and trusts metadata, which
``hub serve`` allows only on a loopback address.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2_grpc

from coalition.hub.v1 import (
    admin_pb2_grpc,
    fraud_pb2_grpc,
    goodwill_pb2_grpc,
    merge_pb2_grpc,
    partner_pb2_grpc,
    rules_pb2_grpc,
    settlement_pb2_grpc,
    tuning_pb2_grpc,
)
from hub.adapters.pki import CertificateAuthority
from hub.api import authentication
from hub.api.admin_servicer import AdminServicer
from hub.api.fraud_servicer import FraudReviewServicer
from hub.api.goodwill_servicer import GoodwillServicer
from hub.api.health import HubHealth
from hub.api.interceptors import Gatekeeper, HubInterceptor
from hub.api.load_shedding import LoadShedder
from hub.api.malformed import REPORT_REQUEST_SIZE_MAX_BYTES, MalformedRequestGuard
from hub.api.merge_servicer import MergeServicer
from hub.api.metrics import HubMetrics
from hub.api.ops_port import OpsPort
from hub.api.partner_servicer import PartnerServicer
from hub.api.policy import HUB_SERVICES
from hub.api.rate_limits import RateLimiter
from hub.api.reflection_v1 import enable_reflection
from hub.api.rules_servicer import RulesServicer
from hub.api.settlement_servicer import PartnerSettlementServicer, SettlementServicer
from hub.api.tuning_servicer import FraudTuningServicer
from hub.bootstrap import Hub

log = logging.getLogger("hub.api")

MESSAGE_SIZE_MAX_BYTES = REPORT_REQUEST_SIZE_MAX_BYTES
"""The transport's limit for any request (gRPC has no per-method one): a settlement report at
its largest. Beyond it gRPC answers RESOURCE_EXHAUSTED without reading the body; below it,
``hub.api.malformed`` holds each method to its own, much smaller, limit."""
HUB_SERVICE_NAMES = tuple(service.full_name for service in HUB_SERVICES)


@dataclass(frozen=True)
class ServerTls:
    """The hub's certificate and key, and the CA its callers' certificates must chain to."""

    certificate_pem: bytes
    key_pem: bytes = field(repr=False)
    client_ca_pem: bytes

    @classmethod
    def issued_by(
        cls, authority: CertificateAuthority, hostnames: Sequence[str], now: datetime
    ) -> ServerTls:
        """A fresh server certificate from ``authority``, which also verifies the callers."""
        server = authority.issue_server(hostnames, now)
        return cls(server.certificate_pem, server.key_pem, authority.certificate_pem)

    @classmethod
    def from_files(cls, certificate: str, key: str, client_ca: str) -> ServerTls:
        return cls(*(Path(path).read_bytes() for path in (certificate, key, client_ca)))

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key_pem, self.certificate_pem)],
            root_certificates=self.client_ca_pem,
            require_client_auth=True,
        )


def _add_settlement(hub: Hub, server: grpc.Server) -> None:
    use_cases = hub.settlement_api()
    settlement_pb2_grpc.add_SettlementServiceServicer_to_server(  # type: ignore[no-untyped-call]
        SettlementServicer(use_cases), server
    )
    settlement_pb2_grpc.add_PartnerSettlementServiceServicer_to_server(  # type: ignore[no-untyped-call]
        PartnerSettlementServicer(use_cases), server
    )


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: HubHealth
    metrics: HubMetrics
    ops: OpsPort | None = None
    """The plain-HTTP probes and metrics port, when ``HUB_OPS_LISTEN`` asks for one."""

    def stop(self, grace_s: float) -> None:
        """Report NOT_SERVING, refuse new calls, let in-flight ones finish within ``grace_s``."""
        # Readiness first, so health watchers (load balancers) stop sending calls before the
        # port refuses them.
        self.health.enter_shutdown()
        stopped = self.server.stop(grace_s)
        # Once the port refuses calls, or a watcher would reconnect and watch again.
        self.health.end_watches()
        stopped.wait()
        if self.ops is not None:
            self.ops.stop()


def start_server(
    hub: Hub, listen: str, *, tls: ServerTls | None = None, share_port: bool = False
) -> RunningServer:
    """Start serving on ``listen`` (``host:0`` picks a free port) and return at once: over
    mutual TLS with ``tls``, else plaintext with callers named by metadata. With
    ``share_port`` other processes may listen on the same port and the kernel spreads new
    connections between them (``SO_REUSEPORT``): ``hub serve --workers``."""
    settings = hub.settings
    metrics = HubMetrics()
    gatekeeper = Gatekeeper(
        authenticate=authentication.from_metadata
        if tls is None
        else authentication.from_certificate,
        admit=hub.operator.admit,
        limiter=RateLimiter(),
        default_rate_limit_per_s=settings.partner_rate_limit_per_s,
    )
    server = grpc.server(
        ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="hub-rpc"),
        # Outermost first: shed before anything else, then refuse unreadable bodies before
        # the hub's own interceptor authenticates anyone.
        interceptors=[
            LoadShedder(settings.max_concurrent_rpcs),
            MalformedRequestGuard(),
            HubInterceptor(gatekeeper, metrics),
        ],
        options=[
            ("grpc.max_receive_message_length", MESSAGE_SIZE_MAX_BYTES),
            # Unless asked, a second hub must fail to bind rather than silently share traffic.
            ("grpc.so_reuseport", int(share_port)),
        ],
    )
    servicer = PartnerServicer(hub.partner_api(), hub.clock)
    partner_pb2_grpc.add_PartnerServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(hub.operator, hub.erase_member), server
    )  # type: ignore[no-untyped-call]
    rules_pb2_grpc.add_RulesServiceServicer_to_server(RulesServicer(hub.operator), server)  # type: ignore[no-untyped-call]
    fraud_pb2_grpc.add_FraudReviewServiceServicer_to_server(
        FraudReviewServicer(hub.fraud_api(), hub.clock, hub.zone), server
    )  # type: ignore[no-untyped-call]
    _add_settlement(hub, server)
    tuning_pb2_grpc.add_FraudTuningServiceServicer_to_server(  # type: ignore[no-untyped-call]
        FraudTuningServicer(hub.operator), server
    )
    merges = MergeServicer(hub.merge_members, hub.unmerge_members, hub.fraud_api().resolve_id)
    merge_pb2_grpc.add_MergeServiceServicer_to_server(merges, server)  # type: ignore[no-untyped-call]
    goodwill_pb2_grpc.add_GoodwillServiceServicer_to_server(  # type: ignore[no-untyped-call]
        GoodwillServicer(hub.goodwill_api(), hub.fraud_api().resolve_id), server
    )
    hub_health = HubHealth(HUB_SERVICE_NAMES)
    health_pb2_grpc.add_HealthServicer_to_server(hub_health.servicer, server)
    enable_reflection((*HUB_SERVICE_NAMES, health.SERVICE_NAME), server)
    try:
        if tls is None:
            port = server.add_insecure_port(listen)
        else:
            port = server.add_secure_port(listen, tls.credentials())
    except RuntimeError:  # grpcio raises it for an address in use or not its own
        port = 0
    if port == 0:
        raise OSError(f"cannot listen on {listen}: the address is in use or not this host's")
    hub.start_refreshing()
    hub_health.start()
    # Readiness follows the database from the first call on (told at once, then each change).
    hub.database_probe.start(hub_health.set_ready)
    metrics.ready.set_function(lambda: float(hub_health.is_ready()))
    metrics.gauge(
        "hub_db_connections_in_use",
        "Database connections held by calls and background work now",
        lambda: float(hub.database_connections()[0]),
    )
    metrics.watch_database(hub.ops_figures, hub.clock.now)
    metrics.gauge(
        "hub_db_connections_max",
        "The most database connections this process's calls may hold at once",
        lambda: float(hub.database_connections()[1]),
    )
    ops = _ops_port(settings.ops_listen, metrics, hub_health)
    server.start()
    log.info("serving on port %d", port)
    return RunningServer(server, port, hub_health, metrics, ops)


def _ops_port(listen: str, metrics: HubMetrics, hub_health: HubHealth) -> OpsPort | None:
    if not listen:
        return None
    try:
        return OpsPort(listen, metrics, hub_health.is_ready).start()
    except OSError as error:
        raise OSError(f"cannot serve the ops port on {listen}: {error.strerror}") from None
