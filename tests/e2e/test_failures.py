"""How the hub fails: busy with a retry hint, or broken without leaking why."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import grpc
import pytest

from hub import bootstrap
from hub.adapters import connections
from hub.api.server import start_server
from hub.services import accounts
from partner_sdk import HubClient, Identifier, InternalError, ServerBusy
from tests.conftest import add_partner, settings_for

CARD = Identifier.card("4000123412341234")


@pytest.fixture
def tight_hub(database_url, clock):
    """A hub with one RPC thread, so one busy connection exhausts its pool."""
    settings = replace(settings_for(database_url), threads=1, db_pool_timeout_s=0.1)
    wired = bootstrap.build(settings, clock=clock)
    add_partner(wired, "coffee")
    yield wired
    wired.close()


def _database_connection(hub: bootstrap.Hub) -> contextlib.AbstractContextManager[object]:
    """One of the connections the hub's units of work take."""
    if hub.engine.dialect.name == "postgresql":
        return connections.for_engine(hub.engine).connection()
    return hub.engine.connect()


def test_a_hub_out_of_database_connections_says_busy_and_when_to_retry(tight_hub):
    server = start_server(tight_hub, "127.0.0.1:0")
    try:
        with contextlib.ExitStack() as held:
            for _ in range(2):  # the RPC thread's and the sweeper's
                held.enter_context(_database_connection(tight_hub))
            till = HubClient(f"127.0.0.1:{server.port}", partner_id="coffee", retry=None)
            with till, pytest.raises(ServerBusy) as caught:
                till.balance(CARD)
    finally:
        server.stop(grace_s=1)
    assert caught.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert caught.value.retry_after_s == pytest.approx(0.2)


def test_a_bug_answers_internal_without_leaking_its_message(hub, coffee, monkeypatch, caplog):
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    monkeypatch.setattr(accounts, "get_balance", broken)
    server = start_server(hub, "127.0.0.1:0")  # binds the patched use case
    try:
        till = HubClient(f"127.0.0.1:{server.port}", partner_id="coffee", retry=None)
        with till, pytest.raises(InternalError) as caught:
            till.balance(CARD)
    finally:
        server.stop(grace_s=1)
    assert caught.value.reason == "INTERNAL_ERROR"
    assert "hunter2" not in caught.value.message
    assert caught.value.request_id
    assert any(caught.value.request_id in record.getMessage() for record in caplog.records)
