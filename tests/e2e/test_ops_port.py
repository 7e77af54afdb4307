"""The ops port: probes and metrics over plain HTTP, for orchestrators that cannot speak mTLS."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import grpc
import pytest

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub import bootstrap
from hub.api.headers import PARTNER_ID_HEADER
from hub.api.server import RunningServer, start_server
from hub.domain.clock import ManualClock
from tests.conftest import add_partner, settings_for
from tests.e2e.test_fraud_review_api import raise_flag
from tests.integration.helpers import authorize, earn, enroll


@pytest.fixture
def served(sqlite_url: str, clock: ManualClock) -> Iterator[RunningServer]:
    settings = replace(settings_for(sqlite_url), ops_listen="127.0.0.1:0")
    hub = bootstrap.build(settings, clock=clock)
    add_partner(hub, "coffee")
    running = start_server(hub, "127.0.0.1:0")
    yield running
    running.stop(grace_s=1)
    hub.close()


def _get(running: RunningServer, path: str) -> tuple[int, str]:
    assert running.ops is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{running.ops.port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _ping(running: RunningServer, partner_id: str) -> grpc.StatusCode:
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        stub = partner_pb2_grpc.PartnerServiceStub(channel)
        try:
            stub.Ping(partner_pb2.PingRequest(), metadata=((PARTNER_ID_HEADER, partner_id),))
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK


def test_liveness_answers_without_a_certificate(served: RunningServer) -> None:
    assert _get(served, "/livez") == (200, "alive\n")


def test_readiness_follows_the_database_probe(served: RunningServer) -> None:
    served.health.set_ready(True)
    assert _get(served, "/readyz")[0] == 200

    served.health.set_ready(False)
    assert _get(served, "/readyz") == (503, "not ready: database\n")


def test_a_stopping_hub_is_not_ready(served: RunningServer) -> None:
    served.health.set_ready(True)
    served.health.enter_shutdown()

    assert _get(served, "/readyz")[0] == 503


def test_metrics_count_calls_by_method_and_code(served: RunningServer) -> None:
    assert _ping(served, "coffee") is grpc.StatusCode.OK
    assert _ping(served, "nobody") is grpc.StatusCode.UNAUTHENTICATED

    status, text = _get(served, "/metrics")

    assert status == 200
    method = "/coalition.hub.v1.PartnerService/Ping"
    assert f'hub_rpc_calls_total{{code="OK",method="{method}"}} 1.0' in text
    assert f'hub_rpc_calls_total{{code="UNAUTHENTICATED",method="{method}"}} 1.0' in text
    assert f'hub_rpc_duration_seconds_count{{method="{method}"}} 2.0' in text
    assert "hub_ready " in text


def test_an_unknown_path_is_not_found(served: RunningServer) -> None:
    assert _get(served, "/admin")[0] == 404


def test_no_ops_port_unless_configured(hub: bootstrap.Hub) -> None:
    running = start_server(hub, "127.0.0.1:0")
    try:
        assert running.ops is None
    finally:
        running.stop(grace_s=1)


def test_a_malformed_ops_address_is_a_configuration_problem(sqlite_url: str) -> None:
    settings = replace(settings_for(sqlite_url), ops_listen="9090")

    assert any("HUB_OPS_LISTEN" in problem for problem in settings.problems())


@pytest.mark.postgres
def test_metrics_show_the_database_connections_in_use(pg_url: str, clock: ManualClock) -> None:
    hub = bootstrap.build(replace(settings_for(pg_url), ops_listen="127.0.0.1:0"), clock=clock)
    running = start_server(hub, "127.0.0.1:0")
    try:
        status, text = _get(running, "/metrics")
        _, most = hub.database_connections()
    finally:
        running.stop(grace_s=1)
        hub.close()

    assert status == 200
    assert "hub_db_connections_in_use 0.0" in text
    assert f"hub_db_connections_max {float(most)}" in text


def test_metrics_read_the_sweepers_backlog_flags_and_settlement_from_the_database(
    sqlite_url: str, clock: ManualClock
) -> None:
    hub = bootstrap.build(replace(settings_for(sqlite_url), ops_listen="127.0.0.1:0"), clock=clock)
    add_partner(hub, "coffee")
    member = enroll(hub, "coffee").member_id
    earn(hub, member, 10_000)
    authorize(hub, member, 10)
    raise_flag(hub, member)
    clock.advance(timedelta(minutes=20))  # five minutes past the hold's life; nothing swept
    running = start_server(hub, "127.0.0.1:0")
    try:
        _, text = _get(running, "/metrics")
    finally:
        running.stop(grace_s=1)
        hub.close()

    lag = re.search(r"^hub_sweeper_lag_seconds (\S+)$", text, re.MULTILINE)
    assert lag is not None
    assert 5 * 60 - 1 <= float(lag.group(1)) <= 20 * 60
    assert 'hub_fraud_flags_last_day{decision="review",rule="cashier_one_card"}' in text
    assert "hub_settlement_latest_day_age_days" not in text  # nothing settled yet
