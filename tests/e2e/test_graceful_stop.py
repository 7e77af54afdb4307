"""SIGTERM to a real ``hub serve``: readiness goes NOT_SERVING first, new calls are refused,
calls in flight finish within the grace period, and the process exits 0."""

from __future__ import annotations

import signal

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub.api.health import LIVENESS_SERVICE
from hub.api.server import HUB_SERVICE_NAMES
from tests.e2e.hub_process import hub_serve, until
from tests.e2e.test_cli import seed_partner
from tests.e2e.test_grpc_edge import CARD, COFFEE, earn_request

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
GRACE_S = "30"
"""Far longer than the test needs: a drain that waited it out would show as a slow test."""


def _calls_waiting_on_a_lock(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as watcher:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def coffee_db(pg_url: str) -> str:
    seed_partner(pg_url, "coffee", name="Coffee")
    return pg_url


def test_sigterm_drains_in_flight_calls_and_refuses_new_ones(coffee_db):
    with hub_serve(coffee_db, HUB_SHUTDOWN_GRACE_S=GRACE_S) as hub:
        channel = grpc.insecure_channel(hub.target)
        stub = partner_pb2_grpc.PartnerServiceStub(channel)
        stub.EnrollMember(
            partner_pb2.EnrollMemberRequest(idempotency_key="e-1", identifiers=[CARD.identifier]),
            metadata=COFFEE,
        )
        health = health_pb2_grpc.HealthStub(channel)
        readiness = [
            health.Watch(health_pb2.HealthCheckRequest(service=service))
            for service in ("", *HUB_SERVICE_NAMES)
        ]
        liveness = health.Watch(health_pb2.HealthCheckRequest(service=LIVENESS_SERVICE))
        assert {next(watch).status for watch in (*readiness, liveness)} == {SERVING}
        with psycopg.connect(coffee_db) as blocker:
            # Every mutating call claims its idempotency key: this earn waits on the lock.
            blocker.execute("LOCK TABLE idempotency_keys IN EXCLUSIVE MODE")
            in_flight = stub.Earn.future(earn_request(), metadata=COFFEE, timeout=60)
            until(lambda: _calls_waiting_on_a_lock(coffee_db) > 0)
            hub.process.send_signal(signal.SIGTERM)

            assert {next(watch).status for watch in readiness} == {NOT_SERVING}
            # The streams end with OK, not at the grace's end; liveness never changed.
            assert [list(watch) for watch in (*readiness, liveness)] == [[]] * (len(readiness) + 1)
            with grpc.insecure_channel(hub.target) as fresh:
                refused = partner_pb2_grpc.PartnerServiceStub(fresh).Ping.future(
                    partner_pb2.PingRequest(), metadata=COFFEE, timeout=10
                )
                assert refused.exception().code() == grpc.StatusCode.UNAVAILABLE
            assert in_flight.running()
            blocker.rollback()
        assert in_flight.result().points == 10
        channel.close()
        assert hub.process.wait(timeout=60) == 0, hub.logs()
