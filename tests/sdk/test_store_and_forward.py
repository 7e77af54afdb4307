"""Store-and-forward: a till's earns are journalled on disk, queued while the hub cannot be
reached, and sent later with their original keys and sale times, in order; what the hub
refuses is recorded and never sent again; redemptions are never queued."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest

from partner_sdk import (
    AsyncHubClient,
    AsyncStoreAndForward,
    Earned,
    ForwardReport,
    FraudDeclined,
    HubClient,
    QueuedEarn,
    StoreAndForward,
    Unavailable,
)

from .fakes import FakeClock, FakePartnerService, hang, plain, rich

SOLD_AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
HUB_DOWN = plain(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses")
TOO_LATE = rich(
    grpc.StatusCode.FAILED_PRECONDITION,
    "OFFLINE_WINDOW_EXCEEDED",
    metadata={"offline_window_s": "259200"},
)


class TillClock:
    """The till's wall clock: a minute passes between sales."""

    def __init__(self) -> None:
        self.now = SOLD_AT

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "earns.sqlite3"


def till_for(client: HubClient, journal: Path, **options: object) -> StoreAndForward:
    return StoreAndForward(client, journal, clock=TillClock(), **options)  # type: ignore[arg-type]


def sell(till: StoreAndForward, order_id: str) -> Earned | QueuedEarn:
    return till.earn("m_1", amount_minor=1050, currency="EUR", order_id=order_id)


def earns_received(fake_hub: FakePartnerService) -> list[object]:
    return [r.request for r in fake_hub.received if r.method == "Earn"]


def test_an_earn_the_hub_cannot_take_is_queued_with_its_key_and_sale_time(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        queued = sell(till, "r-1")

    assert isinstance(queued, QueuedEarn)
    sent = earns_received(fake_hub)
    assert {r.idempotency_key for r in sent} == {queued.idempotency_key}
    assert sent[0].purchased_at.ToDatetime(tzinfo=UTC) == queued.purchased_at
    assert queued.purchased_at == SOLD_AT + timedelta(minutes=1)
    assert (queued.order_id, queued.amount.amount_minor) == ("r-1", 1050)
    assert "failed to connect" in queued.queued_because


def test_an_earn_the_hub_does_not_answer_in_time_is_queued(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.fail_next(hang)
    with till_for(client, journal) as till:
        queued = till.earn(
            "m_1", amount_minor=1050, currency="EUR", order_id="r-1", timeout_s=0.2, retry=None
        )
        assert till.queued() == (queued,)

    assert isinstance(queued, QueuedEarn)


def test_the_queue_outlives_the_client_a_new_one_on_the_same_file_sees_it(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        first, second = sell(till, "r-1"), sell(till, "r-2")

    with till_for(client, journal) as reopened:
        assert [q.idempotency_key for q in reopened.queued()] == [
            first.idempotency_key,
            second.idempotency_key,
        ]


def test_queued_earns_are_replayed_in_order_with_their_original_requests(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        queued = [sell(till, f"r-{n}") for n in range(3)]
    first_attempts = {r.idempotency_key: r for r in earns_received(fake_hub)}
    fake_hub.always = None
    fake_hub.received.clear()

    with till_for(client, journal) as till:
        report = till.forward()

    replayed = earns_received(fake_hub)
    assert [r.idempotency_key for r in replayed] == [q.idempotency_key for q in queued]
    assert all(r == first_attempts[r.idempotency_key] for r in replayed)
    assert [f.order_id for f in report.forwarded] == ["r-0", "r-1", "r-2"]
    assert [f.purchased_at for f in report.forwarded] == [q.purchased_at for q in queued]
    assert all(f.earned.transaction_id == "t_1" for f in report.forwarded)
    assert (report.still_queued, report.refused, report.stopped_by) == (0, (), None)


def test_a_forwarded_earn_leaves_the_journal_so_forwarding_again_sends_nothing(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        sell(till, "r-1")
        fake_hub.always = None
        assert len(till.forward().forwarded) == 1
        fake_hub.received.clear()
        assert till.forward() == ForwardReport()
    assert earns_received(fake_hub) == []


def test_an_earn_the_hub_refuses_is_recorded_reported_and_never_sent_again(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        late, on_time = sell(till, "r-late"), sell(till, "r-ok")
        fake_hub.always = None
        fake_hub.fail_next(TOO_LATE)

        report = till.forward()
        fake_hub.received.clear()
        again = till.forward()

        (refused,) = report.refused
        assert (refused.idempotency_key, refused.reason, refused.code) == (
            late.idempotency_key,
            "OFFLINE_WINDOW_EXCEEDED",
            "FAILED_PRECONDITION",
        )
        assert [f.idempotency_key for f in report.forwarded] == [on_time.idempotency_key]
        assert till.refused() == (refused,)
        assert again == ForwardReport()
        assert earns_received(fake_hub) == []
        assert till.dismiss(late.idempotency_key)
        assert till.refused() == ()


def test_the_hub_still_down_keeps_every_earn_queued_and_ends_the_pass(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        sell(till, "r-1")
        sell(till, "r-2")
        fake_hub.received.clear()

        report = till.forward()

    assert isinstance(report.stopped_by, Unavailable)
    assert (report.forwarded, report.refused, report.still_queued) == ((), (), 2)
    assert {r.order_id for r in earns_received(fake_hub)} == {"r-1"}


def test_the_earn_is_on_disk_before_the_hub_hears_of_it(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    seen: list[int] = []

    def count_journalled(context: grpc.ServicerContext, request_id: str) -> None:
        with sqlite3.connect(journal) as other_process:
            seen.append(other_process.execute("SELECT count(*) FROM earns").fetchone()[0])

    fake_hub.fail_next(count_journalled)
    with till_for(client, journal) as till:
        earned = sell(till, "r-1")
        assert till.queued() == ()

    assert isinstance(earned, Earned)
    assert seen == [1]


def test_an_online_earn_sends_the_queued_ones_after_it(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    reports: list[ForwardReport] = []
    fake_hub.always = HUB_DOWN
    with till_for(client, journal, on_forward=reports.append) as till:
        queued = sell(till, "r-1")
        fake_hub.always = None
        fake_hub.received.clear()

        assert isinstance(sell(till, "r-2"), Earned)

    assert [r.order_id for r in earns_received(fake_hub)] == ["r-2", "r-1"]
    assert [f.idempotency_key for f in reports[0].forwarded] == [queued.idempotency_key]


def test_an_earn_the_hub_refuses_online_is_raised_and_not_queued(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.FAILED_PRECONDITION, "FRAUD_DECLINED"))
    with till_for(client, journal) as till:
        with pytest.raises(FraudDeclined):
            sell(till, "r-1")
        assert (till.queued(), till.refused()) == ((), ())


def test_redemptions_are_never_queued_they_raise_as_the_client_does(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        assert not hasattr(till, "authorize")
        with pytest.raises(Unavailable):
            till.client.authorize("m_1", amount_minor=800, currency="EUR", order_id="r-2", points=5)
        assert till.queued() == ()


def test_an_earn_sent_with_a_key_already_queued_is_refused_before_sending(
    fake_hub: FakePartnerService, client: HubClient, journal: Path
) -> None:
    fake_hub.always = HUB_DOWN
    with till_for(client, journal) as till:
        queued = sell(till, "r-1")
        fake_hub.received.clear()
        with pytest.raises(ValueError, match="already in the journal"):
            till.earn(
                "m_1",
                amount_minor=1050,
                currency="EUR",
                order_id="r-1",
                idempotency_key=queued.idempotency_key,
            )
    assert earns_received(fake_hub) == []


def test_a_journal_belongs_to_one_partner(
    fake_hub: FakePartnerService, clock: FakeClock, journal: Path
) -> None:
    with HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy()) as coffee:
        StoreAndForward(coffee, journal).close()
    with (
        HubClient(fake_hub.target, partner_id="fuel", retry=clock.policy()) as fuel,
        pytest.raises(ValueError, match="partner 'coffee'"),
    ):
        StoreAndForward(fuel, journal)


def test_the_async_till_queues_and_forwards_like_the_sync_one(
    fake_hub: FakePartnerService, clock: FakeClock, journal: Path
) -> None:
    async def scenario() -> tuple[object, ForwardReport]:
        fake_hub.always = HUB_DOWN
        async with (
            AsyncHubClient(fake_hub.target, partner_id="coffee", retry=clock.policy()) as client,
            AsyncStoreAndForward(client, journal, clock=TillClock()) as till,
        ):
            queued = await till.earn("m_1", amount_minor=1050, currency="EUR", order_id="r-1")
            fake_hub.always = None
            return queued, await till.forward()

    queued, report = asyncio.run(scenario())

    assert isinstance(queued, QueuedEarn)
    assert [f.idempotency_key for f in report.forwarded] == [queued.idempotency_key]
    assert len({r.idempotency_key for r in earns_received(fake_hub)}) == 1
