"""A real hub gRPC server on a free port, over the ``hub`` fixture's database."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from coalition.hub.v1 import partner_pb2_grpc
from hub import bootstrap
from hub.api.server import start_server
from tests.conftest import add_partner
from tests.e2e.mtls import Pki


@pytest.fixture
def target(hub: bootstrap.Hub) -> Iterator[str]:
    running = start_server(hub, "127.0.0.1:0")
    yield f"127.0.0.1:{running.port}"
    running.stop(grace_s=2)


@pytest.fixture
def channel(target: str) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(target) as opened:
        yield opened


@pytest.fixture
def stub(channel: grpc.Channel) -> partner_pb2_grpc.PartnerServiceStub:
    return partner_pb2_grpc.PartnerServiceStub(channel)


@pytest.fixture
def pki() -> Pki:
    """A coalition CA of the test's own."""
    return Pki()


@pytest.fixture
def mtls_target(hub: bootstrap.Hub, coffee: str, pki: Pki) -> Iterator[str]:
    """A hub serving mutual TLS, with partners coffee and fuel."""
    add_partner(hub, "fuel")
    running = start_server(hub, "127.0.0.1:0", tls=pki.server_tls())
    yield f"localhost:{running.port}"
    running.stop(grace_s=2)
