"""Admission from memory, kept current across replicas: two hubs on one database, as two
``hub serve`` processes would be, each with its own cache and refresher.

A change made through one hub is refused (or accepted) by the other within a second, with no
restart: by the NOTIFY on PostgreSQL, by the version check everywhere (SQLite, a dropped
listening connection). Every wait polls against a deadline; no sleep is asserted as a timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from fraud.thresholds import FraudThresholds
from hub import bootstrap
from hub.adapters import connections
from hub.adapters.cache_refresher import APPLICATION_NAME
from hub.adapters.tables import cache_versions
from hub.domain.errors import CredentialRevoked, HubError, PartnerDisabled, Unauthenticated
from hub.domain.principals import Principal
from hub.services.commands import (
    PutRule,
    RecordCredential,
    RevokeCredential,
    SetPartnerStatus,
    SetPhoneRegion,
    SetRate,
    SetRateLimit,
)
from tests.conftest import OPERATOR, START, add_partner, rates, settings_for

PROPAGATION_S = 1.0
"""What the hub promises; the deadline adds the time the polling itself may take."""
DEADLINE_S = PROPAGATION_S + 0.5

Hubs = tuple[bootstrap.Hub, bootstrap.Hub]


@pytest.fixture
def replicas(database_url: str) -> Iterator[Hubs]:
    first, second = (bootstrap.build(settings_for(database_url)) for _ in range(2))
    for replica in (first, second):
        replica.start_refreshing()
    yield first, second
    for replica in (first, second):
        replica.close()


def issue(hub: bootstrap.Hub, serial: str, partner_id: str = "coffee") -> Principal:
    principal = Principal.partner(partner_id)
    hub.operator.record_credential(
        RecordCredential(
            serial,
            principal.uri,
            "00" * 32,
            START,
            START + timedelta(days=365),
            changed_by=OPERATOR,
        )
    )
    return principal.with_serial(serial)


def admitted(hub: bootstrap.Hub, caller: Principal) -> bool:
    try:
        hub.operator.admit(caller)
    except HubError:
        return False
    return True


def refused_with(hub: bootstrap.Hub, caller: Principal) -> type[HubError] | None:
    try:
        hub.operator.admit(caller)
    except HubError as error:
        return type(error)
    return None


def within(deadline_s: float, condition: Callable[[], bool]) -> float:
    """Seconds until ``condition`` held, polling; fails at ``deadline_s``."""
    started = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - started
        assert elapsed < deadline_s, f"still not so after {elapsed:.2f} s"
        time.sleep(0.01)
    return time.monotonic() - started


def warm(hub: bootstrap.Hub, caller: Principal) -> None:
    """Admit ``caller`` until it is served from the replica's memory."""
    within(DEADLINE_S, lambda: admitted(hub, caller))
    assert admitted(hub, caller)


def test_a_certificate_revoked_on_one_replica_is_refused_on_the_other_within_a_second(
    replicas: Hubs,
) -> None:
    first, second = replicas
    add_partner(first)
    caller = issue(first, "5e1a1")
    warm(second, caller)
    first.operator.revoke_credential(RevokeCredential("5e1a1", changed_by=OPERATOR))
    within(DEADLINE_S, lambda: refused_with(second, caller) is CredentialRevoked)
    assert refused_with(first, caller) is CredentialRevoked


def test_a_partner_disabled_on_one_replica_is_refused_on_the_other_within_a_second(
    replicas: Hubs,
) -> None:
    first, second = replicas
    add_partner(first)
    caller = issue(first, "d15ab1ed")
    warm(second, caller)
    first.operator.set_partner_status(SetPartnerStatus("coffee", False, changed_by=OPERATOR))
    within(DEADLINE_S, lambda: refused_with(second, caller) is PartnerDisabled)
    first.operator.set_partner_status(SetPartnerStatus("coffee", True, changed_by=OPERATOR))
    within(DEADLINE_S, lambda: admitted(second, caller))


def test_a_certificate_issued_on_one_replica_is_accepted_on_the_other_within_a_second(
    replicas: Hubs,
) -> None:
    first, second = replicas
    add_partner(first)
    unknown = Principal.partner("coffee", "0fresh")
    assert refused_with(second, unknown) is Unauthenticated  # now remembered as unknown
    issue(first, "0fresh")
    within(DEADLINE_S, lambda: admitted(second, unknown))


def test_a_partner_rate_limit_and_phone_region_set_on_one_replica_reach_the_other(
    replicas: Hubs,
) -> None:
    first, second = replicas
    add_partner(first)
    caller = issue(first, "1e6a1")
    warm(second, caller)
    first.operator.set_rate_limit(SetRateLimit("coffee", 7, changed_by=OPERATOR))
    first.operator.set_phone_region(SetPhoneRegion("coffee", "RU", changed_by=OPERATOR))

    def current() -> bool:
        admission = second.operator.admit(caller)
        return (admission.rate_limit_per_s, admission.phone_region) == (7, "RU")

    within(DEADLINE_S, current)


def cache_version(hub: bootstrap.Hub) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(cache_versions.c.version)).scalar_one())


def test_a_partner_rate_or_rule_change_moves_the_cache_version(replicas: Hubs) -> None:
    first, _ = replicas
    versions = [cache_version(first)]
    add_partner(first)
    versions.append(cache_version(first))
    first.operator.set_rate(SetRate("coffee", rates("2"), changed_by=OPERATOR))
    versions.append(cache_version(first))
    thresholds = FraudThresholds(partner_id="coffee")
    first.operator.put_rule(PutRule("", thresholds, changed_by=OPERATOR))
    versions.append(cache_version(first))
    assert versions == sorted(set(versions)), versions


def test_a_revocation_is_refused_by_the_replica_that_made_it_at_the_very_next_call(
    replicas: Hubs,
) -> None:
    first, _ = replicas
    add_partner(first)
    caller = issue(first, "5e1f")
    warm(first, caller)
    first.operator.revoke_credential(RevokeCredential("5e1f", changed_by=OPERATOR))
    assert refused_with(first, caller) is CredentialRevoked


@pytest.mark.postgres
def test_a_revocation_reaches_a_replica_whose_listening_connection_was_dropped(
    pg_url: str,
) -> None:
    first, second = (bootstrap.build(settings_for(pg_url)) for _ in range(2))
    try:
        second.start_refreshing()
        add_partner(first)
        caller = issue(first, "d20bbed")
        warm(second, caller)
        conninfo = make_url(pg_url).render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                (APPLICATION_NAME,),
            ).fetchall()
        assert dropped == [(True,)]
        first.operator.revoke_credential(RevokeCredential("d20bbed", changed_by=OPERATOR))
        within(DEADLINE_S, lambda: refused_with(second, caller) is CredentialRevoked)
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_a_change_whose_notification_is_lost_is_caught_by_the_version_check(
    pg_url: str,
) -> None:
    first, second = (bootstrap.build(settings_for(pg_url)) for _ in range(2))
    try:
        second.start_refreshing()
        add_partner(first)
        caller = issue(first, "105e")
        warm(second, caller)
        conninfo = make_url(pg_url).render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as writer:
            # The counter moves as the trigger would move it, but nobody is notified.
            writer.execute("ALTER TABLE credentials DISABLE TRIGGER hub_cache_credentials")
            writer.execute(
                "UPDATE credentials SET revoked_at = now(), revoked_by = 'test', "
                "revoked_reason = 'lost' WHERE serial = '105e'"
            )
            writer.execute("UPDATE cache_versions SET version = version + 1 WHERE id = 1")
            writer.execute("ALTER TABLE credentials ENABLE TRIGGER hub_cache_credentials")
        within(DEADLINE_S, lambda: refused_with(second, caller) is CredentialRevoked)
    finally:
        first.close()
        second.close()


def served_from_memory(hub: bootstrap.Hub, caller: Principal, calls: int = 50) -> bool:
    """Whether ``calls`` admissions took no connection from the hub's pool (the PostgreSQL
    refresher has its own connection, outside the pool)."""
    pool = connections.for_engine(hub.engine)
    before = pool.checkouts
    for _ in range(calls):
        hub.operator.admit(caller)
    return pool.checkouts == before


@pytest.mark.postgres
def test_a_replica_admits_repeated_calls_without_touching_the_database(pg_url: str) -> None:
    hub = bootstrap.build(settings_for(pg_url))
    try:
        add_partner(hub)
        caller = issue(hub, "cafe")
        assert not served_from_memory(hub, caller), "no refresher: every call reads"
        hub.start_refreshing()
        within(DEADLINE_S, lambda: served_from_memory(hub, caller))
    finally:
        hub.close()


@pytest.mark.postgres
def test_a_replica_serves_from_memory_again_once_its_listener_reconnects(pg_url: str) -> None:
    hub = bootstrap.build(settings_for(pg_url))
    try:
        hub.start_refreshing()
        add_partner(hub)
        caller = issue(hub, "beef")
        within(DEADLINE_S, lambda: served_from_memory(hub, caller))
        conninfo = make_url(pg_url).render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                (APPLICATION_NAME,),
            )
        within(5 * DEADLINE_S, lambda: served_from_memory(hub, caller))
    finally:
        hub.close()
