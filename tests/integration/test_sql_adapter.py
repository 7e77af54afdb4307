"""The SQL adapter's promises: errors keep their meaning wherever they surface, pooled
connections come back clean, and hot-path statements are compiled once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hub.adapters import sql
from hub.adapters.database import create_engine
from hub.adapters.tables import partners
from hub.adapters.unit_of_work import SqlUnitOfWork
from hub.domain.errors import InsufficientPoints, PartnerExists
from tests.integration.helpers import authorize, card, earn, enroll

NOW = datetime(2026, 11, 22, tzinfo=UTC)
DUPLICATE = {
    "id": "coffee",
    "name": "Again",
    "currency": "EUR",
    "rounding": "floor",
    "pending_period_s": 0,
    "expiry": "never",
    "status": "active",
    "created_at": NOW,
}


@pytest.fixture
def one_connection(database_url, hub, coffee):
    """An engine whose pool holds a single connection, so a dirty one would be reused."""
    engine = create_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def _duplicate_then_read(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.partners._sql.defer(partners.insert(), [DUPLICATE])  # type: ignore[attr-defined]
        uow.partners.list()


def _duplicate_then_commit(engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.partners._sql.defer(partners.insert(), [DUPLICATE])  # type: ignore[attr-defined]
        uow.commit()


def test_a_constraint_error_surfacing_at_a_read_keeps_its_meaning(one_connection):
    with pytest.raises(PartnerExists):
        _duplicate_then_read(one_connection)


def test_a_constraint_error_surfacing_at_commit_keeps_its_meaning(one_connection):
    with pytest.raises(PartnerExists):
        _duplicate_then_commit(one_connection)


def test_a_failed_commit_leaves_the_pooled_connection_usable(one_connection):
    for _ in range(3):
        with pytest.raises(PartnerExists):
            _duplicate_then_commit(one_connection)
        with SqlUnitOfWork(one_connection, read_only=True) as uow:
            assert [partner.id for partner in uow.partners.list()] == ["coffee"]


@pytest.mark.postgres
def test_an_earn_compiles_no_statement_once_warm(pg_url, clock):
    from hub import bootstrap
    from tests.conftest import add_partner, settings_for

    hub = bootstrap.build(settings_for(pg_url), clock=clock)
    add_partner(hub)
    enroll(hub)
    earn(hub, card())
    compiled = sql.compiled_for_postgres.cache_info().misses
    for _ in range(5):
        earn(hub, card())
    assert sql.compiled_for_postgres.cache_info().misses == compiled
    hub.close()


def test_uncommitted_writes_are_rolled_back(one_connection):
    with SqlUnitOfWork(one_connection) as uow:
        uow.partners._sql.defer(partners.insert(), [DUPLICATE | {"id": "tea"}])  # type: ignore[attr-defined]
        uow.partners.list()
    with one_connection.connect() as connection:
        assert connection.execute(sa.select(partners.c.id)).scalars().all() == ["coffee"]


@pytest.mark.postgres
def test_a_deadlock_the_database_reports_becomes_a_retryable_conflict(pg_url):
    import threading

    from hub.adapters.tables import accounts
    from hub.services.ports.conflicts import TransientConflict

    engine = create_engine(pg_url, pool_size=2)
    lock = {
        code: sa.select(accounts.c.id).where(accounts.c.code == code).with_for_update()
        for code in ("coalition:breakage", "coalition:adjustments")
    }
    both_hold_one = threading.Barrier(2)
    outcomes: list[str] = []

    def lock_in_order(first: str, second: str) -> None:
        try:
            with SqlUnitOfWork(engine) as uow:
                sql = uow.partners._sql  # type: ignore[attr-defined]
                sql.rows(lock[first])
                both_hold_one.wait()
                sql.rows(lock[second])
                outcomes.append("ok")
        except TransientConflict:
            outcomes.append("conflict")

    threads = [
        threading.Thread(
            target=lock_in_order, args=("coalition:breakage", "coalition:adjustments")
        ),
        threading.Thread(
            target=lock_in_order, args=("coalition:adjustments", "coalition:breakage")
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    engine.dispose()
    assert sorted(outcomes) == ["conflict", "ok"]


# -- connection faults (PostgreSQL) -----------------------------------------------------------


def _terminate_backends(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
def test_a_call_on_connections_the_server_dropped_runs_again_on_a_fresh_one(pg_url, clock):
    from hub import bootstrap
    from tests.conftest import add_partner, settings_for

    hub = bootstrap.build(settings_for(pg_url), clock=clock)
    try:
        add_partner(hub)
        enroll(hub)
        earn(hub, card())
        _terminate_backends(pg_url)  # every pooled connection is dead now
        assert earn(hub, card()).points == 10
    finally:
        hub.close()


@pytest.mark.postgres
def test_a_connection_whose_prepared_statements_are_out_of_step_is_dropped_and_the_call_runs_again(
    pg_url, clock
):
    """psycopg believing a statement prepared under a name the server does not have (seen
    after a pipeline aborted on a deadlock) must not answer the till INTERNAL."""
    from hub import bootstrap
    from hub.adapters.connections import for_engine
    from tests.conftest import add_partner, settings_for

    hub = bootstrap.build(settings_for(pg_url), clock=clock)
    try:
        add_partner(hub)
        enroll(hub)
        before = balance_of(hub)
        for _ in range(8):  # past psycopg's prepare threshold: the earn's reads are prepared
            earn(hub, card())
        pooled = list(for_engine(hub.engine)._idle.queue)
        prepared = [conn.connection._prepared._names for conn in pooled]  # psycopg's record
        assert any(prepared)
        for names in prepared:
            for key in names:
                names[key] = b"_pg3_gone"  # what the server never prepared

        assert earn(hub, card()).points == 10
        assert balance_of(hub) == before + 9 * 10  # the last earn applied once
        assert pooled[-1].connection.closed  # the one taken (the pool is LIFO), dropped
    finally:
        hub.close()


@pytest.fixture
def warm_pg_hub(pg_url, clock):
    """A hub on PostgreSQL whose earn statements are prepared on the pooled connections."""
    from hub import bootstrap
    from tests.conftest import add_partner, settings_for

    hub = bootstrap.build(settings_for(pg_url), clock=clock)
    add_partner(hub)
    enroll(hub)
    for _ in range(8):  # past psycopg's prepare threshold: the earn's reads are prepared
        earn(hub, card())
    yield hub
    hub.close()


def _last_served(hub):
    from hub.adapters.connections import for_engine

    return for_engine(hub.engine)._idle.queue[-1]  # the pool is LIFO


def _prepared_on_server(pooled) -> int:
    counted = pooled.connection.execute("SELECT count(*) FROM pg_prepared_statements")
    pooled.pipeline.sync()
    return int(counted.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.parametrize("ending", ["staff read", "refusal"])
def test_a_transaction_rolled_back_without_error_keeps_the_prepared_statements(warm_pg_hub, ending):
    """psycopg forgets a connection's prepared statements at every ROLLBACK; one that ends a
    transaction which met no error (support's member summary, a refused redemption) goes
    past that, so the tills on the connection keep theirs."""
    if ending == "staff read":
        warm_pg_hub.inspect_member(card())  # a read-only transaction of several statements
    else:
        with pytest.raises(InsufficientPoints):
            authorize(warm_pg_hub, card(), 100)  # 80 points held

    served = _last_served(warm_pg_hub)
    assert served.connection._prepared._names  # psycopg's record
    assert _prepared_on_server(served) >= 1  # and the server's


@pytest.mark.postgres
def test_a_transaction_that_met_an_error_forgets_them_as_psycopg_does(warm_pg_hub):
    """After an error the server skips what followed, statements prepared among it too:
    psycopg's record is dropped with the ROLLBACK, as it was before."""
    with pytest.raises(PartnerExists):
        _duplicate_then_commit(warm_pg_hub.engine)

    served = _last_served(warm_pg_hub)
    assert not served.connection._prepared._names
    assert earn(warm_pg_hub, card()).points == 10


def balance_of(hub) -> int:
    from tests.integration.helpers import balance

    held = balance(hub, card())
    return held.available_points + held.pending_points


@pytest.mark.postgres
def test_a_connection_lost_after_commit_was_sent_is_an_unknown_outcome_not_retried(
    pg_url, monkeypatch
):
    from hub.domain.errors import CommitOutcomeUnknown

    queue_command = sql.Sql._queue_command

    def dropped_after_commit(self: sql.Sql, command: str) -> None:
        queue_command(self, command)
        if command == "COMMIT":
            _terminate_backends(pg_url)

    monkeypatch.setattr(sql.Sql, "_queue_command", dropped_after_commit)
    engine = create_engine(pg_url, pool_size=1)
    try:
        with SqlUnitOfWork(engine) as uow:
            uow.partners.list()
            uow.partners._sql.defer(partners.insert(), [DUPLICATE | {"id": "tea"}])  # type: ignore[attr-defined]
            with pytest.raises(CommitOutcomeUnknown):
                uow.commit()
        monkeypatch.undo()
        with SqlUnitOfWork(engine, read_only=True) as uow:  # the pool opens a fresh one
            # Unknown indeed: the server may have committed before it was stopped.
            assert [partner.id for partner in uow.partners.list()] in ([], ["tea"])
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_an_unreachable_database_is_unavailable_not_a_bug():
    from hub.domain.errors import DatabaseUnavailable
    from tests.pg_cluster import free_port

    engine = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    try:
        with pytest.raises(DatabaseUnavailable), SqlUnitOfWork(engine):
            pass
    finally:
        engine.dispose()
