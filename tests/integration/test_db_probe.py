"""The background database probe (hub.adapters.db_probe): what readiness is made of."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from hub.adapters.database import create_engine
from hub.adapters.db_probe import APPLICATION_NAME, DatabaseProbe
from tests.pg_cluster import PgCluster, free_port

WAIT_S = 15.0
"""A generous bound for what should take well under a second."""


class Heard:
    """What a probe told its listener, in order."""

    def __init__(self) -> None:
        self.answers: queue.Queue[bool] = queue.Queue()
        self.all: list[bool] = []

    def __call__(self, reachable: bool) -> None:
        self.all.append(reachable)
        self.answers.put(reachable)

    def next(self) -> bool:
        return self.answers.get(timeout=WAIT_S)


def _until(condition: Callable[[], object]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def probe_of() -> Iterator[Callable[[str], DatabaseProbe]]:
    made: list[tuple[DatabaseProbe, object]] = []

    def make(url: str) -> DatabaseProbe:
        engine = create_engine(url, pool_size=1)
        probe = DatabaseProbe(engine, interval_s=0.1)
        made.append((probe, engine))
        return probe

    yield make
    for probe, engine in made:
        probe.stop()
        engine.dispose()  # type: ignore[attr-defined]


def _probe_pids(url: str) -> set[int]:
    """The probes connected to ``url``'s database: other tests' hubs probe theirs on the same
    server at the same time."""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (APPLICATION_NAME,),
        ).fetchall()
    return {row[0] for row in rows}


def test_a_database_that_refuses_connections_is_reported_unreachable(probe_of):
    heard = Heard()
    probe_of(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres").start(heard)
    assert heard.next() is True  # the answer so far, told at once
    assert heard.next() is False


def test_sqlite_is_always_reachable_and_needs_no_thread(probe_of, sqlite_url):
    heard, probe = Heard(), probe_of(sqlite_url)
    probe.start(heard)
    assert heard.all == [True]
    assert probe._thread is None


@pytest.mark.postgres
def test_losing_only_the_probes_own_connection_is_not_an_outage(probe_of, pg_url):
    heard = Heard()
    probe_of(pg_url).start(heard)
    _until(lambda: _probe_pids(pg_url))
    (first,) = _probe_pids(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    _until(lambda: _probe_pids(pg_url) - {first})
    assert heard.all == [True]


@pytest.mark.slow
def test_a_stopped_database_is_unreachable_and_reachable_again_once_restarted(probe_of):
    with PgCluster.temporary() as cluster:
        heard = Heard()
        probe_of(cluster.url()).start(heard)
        _until(lambda: _probe_pids(cluster.url()))
        cluster.stop()
        assert (heard.next(), heard.next()) == (True, False)
        cluster.start()
        assert heard.next() is True


@pytest.mark.slow
def test_a_database_that_accepts_connections_but_never_answers_is_unreachable(probe_of):
    with PgCluster.temporary() as cluster:
        heard = Heard()
        probe_of(cluster.url()).start(heard)
        _until(lambda: _probe_pids(cluster.url()))
        with cluster.frozen():
            assert (heard.next(), heard.next()) == (True, False)
        assert heard.next() is True
