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
from hub.domain.errors import PartnerExists
from tests.integration.helpers import card, earn, enroll

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
    from hub.services.unit_of_work import TransientConflict

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
