from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from partner_sdk import HubClient

from .fakes import FakeClock, FakePartnerService, served
from .pki import Pki


@pytest.fixture
def fake_hub() -> Iterator[FakePartnerService]:
    with served(FakePartnerService()) as service:
        yield service


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake_hub: FakePartnerService, clock: FakeClock) -> Iterator[HubClient]:
    with HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy()) as hub_client:
        yield hub_client


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki.create(tmp_path, datetime.now(UTC))


@pytest.fixture
def tls_hub(pki: Pki) -> Iterator[FakePartnerService]:
    """The fake hub over TLS with a coalition certificate, requiring client certificates."""
    with served(FakePartnerService(), pki.server_credentials()) as service:
        yield service
