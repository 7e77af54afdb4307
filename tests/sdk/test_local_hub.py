"""LocalHub end to end: a real hub process, through the CLI, called with the SDK."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from partner_sdk import (
    Earned,
    FraudDeclined,
    HubClient,
    Identifier,
    MemberNotFound,
    OfflineWindowExceeded,
)
from partner_sdk.testing import LocalHub, LocalHubError


def _hub_cli_works() -> bool:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hub", "--help"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture(scope="module")
def hub_cli() -> None:
    if not _hub_cli_works():
        pytest.skip("`python -m hub --help` fails: the hub is not importable by this interpreter")


@pytest.fixture(scope="module")
def local_hub(hub_cli: None) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_partner("coffee", currency="EUR", earn_rate="0.1")
        yield hub


@pytest.mark.slow
def test_a_partner_earns_points_on_a_local_hub(local_hub: LocalHub) -> None:
    with local_hub.client("coffee") as client:
        member = client.enroll(Identifier.card("4000123456789010"))
        earned = client.earn(member.member_id, amount_minor=1050, currency="EUR", order_id="r-1")
        balance = client.balance(Identifier.card("4000123456789010"))

    assert earned.points == 1
    assert earned.expires_at is None
    assert balance.available_points == 1


@pytest.mark.slow
def test_a_local_hub_raises_typed_errors(local_hub: LocalHub) -> None:
    with local_hub.client("coffee") as client, pytest.raises(MemberNotFound) as raised:
        client.lookup(Identifier.phone("+4915100000000"))

    assert raised.value.request_id


@pytest.mark.slow
def test_the_async_client_works_against_a_local_hub(local_hub: LocalHub) -> None:
    async def ping() -> object:
        async with local_hub.async_client("coffee") as client:
            return await client.ping()

    assert asyncio.run(ping()) is not None


@pytest.mark.slow
def test_a_failing_cli_command_reports_its_stderr(local_hub: LocalHub) -> None:
    with pytest.raises(LocalHubError, match="exited with"):
        local_hub.add_partner("coffee")


def test_a_stopped_local_hub_has_no_target() -> None:
    hub = LocalHub()

    with pytest.raises(LocalHubError, match="not running"):
        _ = hub.target


@pytest.mark.slow
@pytest.mark.usefixtures("hub_cli")
def test_a_hub_that_cannot_start_reports_its_stderr() -> None:
    with (
        pytest.raises(LocalHubError, match="HUB_IDENTIFIER_KEY"),
        LocalHub(env={"HUB_IDENTIFIER_KEY": "not-hex"}),
    ):
        pass


# The hub's default velocity limit refuses a card's 60th earn within the hour.
EARNS_REFUSED_FROM = 60


def _earn_up_to_the_velocity_limit(client: HubClient, card: Identifier) -> Earned:
    client.enroll(card)
    for _ in range(EARNS_REFUSED_FROM):
        # Fresh order ids: the module's hub is shared with other tests.
        earned = client.earn(card, amount_minor=1000, currency="EUR", order_id=uuid.uuid4().hex)
    return earned


@pytest.mark.slow
def test_a_local_hub_runs_the_fraud_checks(local_hub: LocalHub) -> None:
    with local_hub.client("coffee") as client, pytest.raises(FraudDeclined):
        _earn_up_to_the_velocity_limit(client, Identifier.card("4000999988887777"))


@pytest.mark.slow
@pytest.mark.usefixtures("hub_cli")
def test_a_local_hub_without_fraud_checks_lets_a_test_earn_as_often_as_it_likes() -> None:
    with LocalHub(fraud_checks=False) as hub:
        hub.add_partner("coffee", currency="EUR", earn_rate="0.1")
        with hub.client("coffee") as client:
            last = _earn_up_to_the_velocity_limit(client, Identifier.card("4000999988887777"))

    assert last.points == 1


@pytest.mark.slow
def test_a_local_hub_partner_may_refuse_earns_sent_after_the_sale(local_hub: LocalHub) -> None:
    local_hub.add_partner("kiosk", offline_window_s=0)
    sold_an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    card = Identifier.card("4000555566667777")
    with local_hub.client("kiosk") as client:
        client.enroll(card)
        with pytest.raises(OfflineWindowExceeded) as refused:
            client.earn(
                card,
                amount_minor=1000,
                currency="EUR",
                order_id="k-1",
                purchased_at=sold_an_hour_ago,
            )

    assert refused.value.details["offline_window_s"] == "0"
