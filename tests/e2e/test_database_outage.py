"""A real ``hub serve`` whose PostgreSQL stops and comes back (a cluster of the test's own):
readiness NOT_SERVING and calls UNAVAILABLE (DATABASE_UNAVAILABLE) while it is away, liveness
SERVING throughout, and service resumed without restarting the hub."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub.api.health import LIVENESS_SERVICE
from hub.api.server import HUB_SERVICE_NAMES
from tests.e2e.hub_process import HubProcess, health_status, hub_serve, until
from tests.e2e.test_cli import hub_cli, seed_partner
from tests.e2e.test_grpc_edge import CARD, COFFEE, details_of, earn_request
from tests.pg_cluster import PgCluster

pytestmark = pytest.mark.slow

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    with PgCluster.temporary() as started:
        yield started


@pytest.fixture
def served(cluster: PgCluster) -> Iterator[HubProcess]:
    """``hub serve`` on the cluster, migrated, with partner coffee; its ledger verified after."""
    url = cluster.url()
    migrated = hub_cli("migrate", "--db", url)
    assert migrated.returncode == 0, migrated.stderr
    seed_partner(url, "coffee", name="Coffee")
    with hub_serve(url) as serving:
        yield serving
        assert serving.terminate() == 0, serving.logs()
    verified = hub_cli("ledger", "verify", "--db", url)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _ping_fails(stub: partner_pb2_grpc.PartnerServiceStub) -> grpc.RpcError | None:
    try:
        stub.Ping(partner_pb2.PingRequest(), metadata=COFFEE, timeout=10)
    except grpc.RpcError as error:
        return error
    return None


def _assert_database_unavailable(error: grpc.RpcError | None) -> None:
    assert error is not None
    assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
    assert details_of(error)["ErrorInfo"].reason == "DATABASE_UNAVAILABLE"  # type: ignore[attr-defined]


def _earn(stub: partner_pb2_grpc.PartnerServiceStub) -> partner_pb2.EarnResponse:
    return stub.Earn(earn_request(order_id=uuid.uuid4().hex), metadata=COFFEE, timeout=10)


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])
def test_a_database_outage_is_unavailable_and_not_serving_until_it_returns(
    cluster, served, stop_mode
):
    with grpc.insecure_channel(served.target) as channel:
        stub = partner_pb2_grpc.PartnerServiceStub(channel)
        stub.EnrollMember(
            partner_pb2.EnrollMemberRequest(idempotency_key="e-1", identifiers=[CARD.identifier]),
            metadata=COFFEE,
        )
        assert _earn(stub).points == 10
        assert health_status(channel) == SERVING

        # fast: sessions told "terminating connection due to administrator command";
        # immediate: a crash, sessions cut without a word (and recovery on restart).
        cluster.stop(mode=stop_mode)
        until(lambda: health_status(channel) == NOT_SERVING)
        for service in HUB_SERVICE_NAMES:
            assert health_status(channel, service) == NOT_SERVING
        assert health_status(channel, LIVENESS_SERVICE) == SERVING
        with pytest.raises(grpc.RpcError) as refused:
            _earn(stub)
        _assert_database_unavailable(refused.value)
        # Ping needs no database until the admission cache stops being vouched for (1 s).
        until(lambda: _ping_fails(stub))
        _assert_database_unavailable(_ping_fails(stub))

        cluster.start()
        until(lambda: health_status(channel) == SERVING)
        for service in (*HUB_SERVICE_NAMES, LIVENESS_SERVICE):
            assert health_status(channel, service) == SERVING
        stub.Ping(partner_pb2.PingRequest(), metadata=COFFEE, timeout=10)
        assert _earn(stub).points == 10
        balance = stub.GetBalance(partner_pb2.GetBalanceRequest(member=CARD), metadata=COFFEE)
        assert balance.available_points == 20
