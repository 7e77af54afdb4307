from __future__ import annotations

from collections.abc import Iterator

import pytest

from partner_sdk import HubClient

from .fakes import FakeClock, FakePartnerService, served


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
