"""The audit log on both stores: appends chain, and tampering with any record is detected.

Tampering is done the way an intruder with database access would: the append-only triggers
are taken out of the way first, then records and the head are rewritten with plain SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import audit_head, audit_log
from hub.adapters.unit_of_work import SqlUnitOfWorkFactory
from hub.config import ConfigError
from hub.domain.audit import AuditEvent, AuditRecord, BreakKind, key_id
from hub.services import audit
from hub.services.audit import AuditReport, list_audit, record, verify_audit
from hub.services.ports.unit_of_work import UnitOfWork
from tests.conftest import settings_for

NEW_KEY = bytes(range(100, 132))
THREADS = 8
APPENDS_PER_THREAD = 25


def event(n: int, actor: str = "cli:alice", action: str = "partner.disable") -> AuditEvent:
    return AuditEvent(actor, action, f"partner:p{n}", f"reason {n}", {"n": n, "flag": True})


def append(hub: bootstrap.Hub, *events: AuditEvent, factory=None) -> list[AuditRecord]:
    """Each event in a unit of work of its own, committed."""
    appended = []
    for one in events:
        with (factory or hub.uow_factory)() as uow:
            appended.append(record(uow, one, hub.clock.now()))
            uow.commit()
    return appended


def append_five(hub: bootstrap.Hub) -> list[AuditRecord]:
    return append(hub, *(event(n) for n in range(1, 6)))


def verify(hub: bootstrap.Hub, keys: tuple[bytes, ...] | None = None) -> AuditReport:
    return verify_audit(uow_factory=hub.uow_factory, keys=keys or hub.settings.audit_keys())


def found(report: AuditReport) -> set[tuple[int, BreakKind]]:
    return {(b.seq, b.kind) for b in report.breaks}


@contextmanager
def tampering(hub: bootstrap.Hub) -> Iterator[sa.Connection]:
    """A connection of an intruder who first disabled the append-only triggers."""
    with hub.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        yield connection


def at(seq: int) -> sa.ColumnElement[bool]:
    return audit_log.c.seq == seq


def mac_of(connection: sa.Connection, seq: int) -> bytes:
    return bytes(connection.execute(sa.select(audit_log.c.mac).where(at(seq))).scalar_one())


def forge_after_last(connection: sa.Connection, records: list[AuditRecord]) -> bytes:
    """A sixth record in the right shape, chained to the fifth, under a MAC made up."""
    last = records[-1]
    forged_mac = bytes(range(32))
    row = {
        "seq": 6,
        "recorded_at": last.recorded_at,
        "actor": last.event.actor,
        "action": "partner.enable",
        "target": last.event.target,
        "details": "{}",
        "reason": "back on",
        "key_id": last.key_id,
        "prev_mac": last.mac,
        "mac": forged_mac,
    }
    connection.execute(audit_log.insert(), row)
    return forged_mac


def edit(column: str, value: object) -> Callable[[sa.Connection, list[AuditRecord]], None]:
    def tamper(connection: sa.Connection, _: list[AuditRecord]) -> None:
        connection.execute(sa.update(audit_log).where(at(3)).values({column: value}))

    return tamper


def delete_middle(connection: sa.Connection, _: list[AuditRecord]) -> None:
    connection.execute(sa.delete(audit_log).where(at(3)))


def delete_last(connection: sa.Connection, _: list[AuditRecord]) -> None:
    connection.execute(sa.delete(audit_log).where(at(5)))


def delete_last_and_move_the_head_back(connection: sa.Connection, _: list[AuditRecord]) -> None:
    connection.execute(sa.delete(audit_log).where(at(5)))
    connection.execute(sa.update(audit_head).values(seq=4, mac=mac_of(connection, 4)))


def swap_second_and_third(connection: sa.Connection, _: list[AuditRecord]) -> None:
    for old, new in ((2, -2), (3, 2), (-2, 3)):
        connection.execute(sa.update(audit_log).where(at(old)).values(seq=new))


def insert_forged(connection: sa.Connection, records: list[AuditRecord]) -> None:
    forge_after_last(connection, records)


def insert_forged_and_move_the_head(connection: sa.Connection, records: list[AuditRecord]) -> None:
    forged_mac = forge_after_last(connection, records)
    connection.execute(sa.update(audit_head).values(seq=6, mac=forged_mac))


SEALED = {(3, BreakKind.EDITED)}


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (edit("actor", "cli:mallory"), SEALED),
        (edit("action", "partner.enable"), SEALED),
        (edit("target", "partner:other"), SEALED),
        (edit("reason", "nothing to see here"), SEALED),
        (edit("details", '{"flag":true,"n":30}'), SEALED),
        (edit("details", "not json at all"), SEALED),
        (edit("recorded_at", sa.func.current_timestamp()), SEALED),
        (edit("key_id", "0123456789abcdef"), {(3, BreakKind.UNKNOWN_KEY)}),
        (delete_middle, {(4, BreakKind.SEQUENCE), (4, BreakKind.LINK)}),
        (delete_last, {(5, BreakKind.HEAD)}),
        (delete_last_and_move_the_head_back, {(4, BreakKind.HEAD)}),
        (
            swap_second_and_third,
            {
                (2, BreakKind.LINK),
                (2, BreakKind.EDITED),
                (3, BreakKind.LINK),
                (3, BreakKind.EDITED),
                (4, BreakKind.LINK),
            },
        ),
        (insert_forged, {(6, BreakKind.EDITED), (5, BreakKind.HEAD)}),
        (insert_forged_and_move_the_head, {(6, BreakKind.EDITED), (6, BreakKind.HEAD)}),
    ],
    ids=[
        "edit-actor",
        "edit-action",
        "edit-target",
        "edit-reason",
        "edit-details",
        "garble-details",
        "edit-time",
        "edit-key-id",
        "delete-middle",
        "delete-last",
        "delete-last-fix-head",
        "swap",
        "insert-forged",
        "insert-forged-move-head",
    ],
)
def test_tampering_with_any_audit_record_is_detected(hub, tamper, expected):
    records = append_five(hub)
    assert verify(hub).ok
    with tampering(hub) as connection:
        tamper(connection, records)
    report = verify(hub)
    assert not report.ok
    assert found(report) == expected


def test_a_forged_record_slipped_into_the_middle_is_detected(hub):
    records = append_five(hub)
    with tampering(hub) as connection:
        for seq in (5, 4, 3):  # make room at #3, from the top down
            connection.execute(sa.update(audit_log).where(at(seq)).values(seq=seq + 1))
        row = {**connection.execute(sa.select(audit_log).where(at(2))).mappings().one()}
        row.update(seq=3, reason="a forged approval", prev_mac=records[1].mac, mac=bytes(32))
        connection.execute(audit_log.insert(), row)
    report = verify(hub)
    assert {(3, BreakKind.EDITED), (4, BreakKind.LINK), (4, BreakKind.EDITED)} <= found(report)
    assert (5, BreakKind.HEAD) in found(report)  # the chain now runs past its head


def test_appended_records_verify_and_read_back_as_written(hub):
    records = append_five(hub)
    report = verify(hub)
    assert report.ok
    assert report.breaks == ()
    assert report.records_checked == 5
    assert report.head is not None
    assert report.head.seq == 5
    with hub.uow_factory(read_only=True) as uow:
        assert list(uow.audit_log.records(0, 100)) == records
        assert [r.seq for r in uow.audit_log.records(2, 2)] == [3, 4]
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_mac == bytes(32)
    assert all(b.prev_mac == a.mac for a, b in pairwise(records))


def test_an_empty_audit_log_verifies(hub):
    report = verify(hub)
    assert report.ok
    assert report.records_checked == 0
    assert report.head is not None
    assert report.head.seq == 0


def test_the_append_only_triggers_refuse_to_rewrite_or_delete_a_record(hub):
    append_five(hub)
    for statement in (
        sa.update(audit_log).where(at(3)).values(reason="rewritten"),
        sa.delete(audit_log).where(at(3)),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), hub.engine.begin() as c:
            c.execute(statement)
    assert verify(hub).ok


def test_an_audited_change_that_is_rolled_back_leaves_no_record(hub):
    with hub.uow_factory() as uow:
        record(uow, event(1), hub.clock.now())
    report = verify(hub)
    assert report.ok
    assert report.records_checked == 0
    assert append(hub, event(2))[0].seq == 1


def test_several_records_in_one_transaction_chain_to_each_other(hub):
    with hub.uow_factory() as uow:
        first = record(uow, event(1), hub.clock.now())
        second = record(uow, event(2), hub.clock.now())
        uow.commit()
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_mac == first.mac
    assert verify(hub).records_checked == 2


def test_recent_records_come_newest_first_and_filter_by_actor_and_action(hub):
    append(hub, event(1), event(2, actor="cli:bob"), event(3, action="partner.enable"))
    hub.clock.advance(timedelta(minutes=1))
    append(hub, event(4, actor="cli:bob", action="partner.enable"))
    listed = partial_list(hub)
    assert [r.seq for r in listed()] == [4, 3, 2, 1]
    assert [r.seq for r in listed(limit=2)] == [4, 3]
    assert [r.seq for r in listed(actor="cli:bob")] == [4, 2]
    assert [r.seq for r in listed(action="partner.enable")] == [4, 3]
    assert [r.seq for r in listed(actor="cli:bob", action="partner.enable")] == [4]
    assert listed(actor="cli:nobody") == ()
    assert listed()[0].recorded_at == hub.clock.now()


def partial_list(hub: bootstrap.Hub) -> Callable[..., tuple[AuditRecord, ...]]:
    def listed(limit: int = 10, **filters: str) -> tuple[AuditRecord, ...]:
        return list_audit(uow_factory=hub.uow_factory, limit=limit, **filters)

    return listed


def test_appending_without_an_audit_key_is_refused_with_how_to_make_one(hub):
    keyless = SqlUnitOfWorkFactory(hub.engine)
    with pytest.raises(ConfigError, match=r"HUB_AUDIT_KEY.*hub keygen"), keyless() as uow:
        record(uow, event(1), hub.clock.now())
    assert verify(hub).records_checked == 0


def test_records_chained_under_a_retired_key_still_verify_after_rotation(hub):
    old_keys = hub.settings.audit_keys()
    append(hub, event(1), event(2))
    rotated = SqlUnitOfWorkFactory(hub.engine, audit_keys=(NEW_KEY, *old_keys))
    newer = append(hub, event(3), event(4), factory=rotated)
    assert {r.key_id for r in newer} == {key_id(NEW_KEY)}
    assert verify(hub, keys=(NEW_KEY, *old_keys)).ok
    without_the_old_key = verify(hub, keys=(NEW_KEY,))
    assert found(without_the_old_key) == {(1, BreakKind.UNKNOWN_KEY), (2, BreakKind.UNKNOWN_KEY)}


def test_verification_reads_in_batches_and_still_finds_a_hole(hub, monkeypatch):
    monkeypatch.setattr(audit, "VERIFY_BATCH_MAX", 2)
    append_five(hub)
    assert verify(hub).records_checked == 5
    with tampering(hub) as connection:
        delete_middle(connection, [])
    report = verify(hub)
    assert report.records_checked == 4
    assert found(report) == {(4, BreakKind.SEQUENCE), (4, BreakKind.LINK)}


def test_a_record_appended_while_verifying_is_checked_not_reported(hub):
    append_five(hub)
    opened = 0

    def factory(*, read_only: bool = False) -> UnitOfWork:
        nonlocal opened
        opened += 1
        if opened == 2:  # after the records were read, before the head is
            append(hub, event(6))
        return hub.uow_factory(read_only=read_only)

    report = verify_audit(uow_factory=factory, keys=hub.settings.audit_keys())
    assert report.ok
    assert report.records_checked == 6
    assert report.head is not None
    assert report.head.seq == 6


@pytest.mark.postgres
def test_concurrent_appends_on_postgresql_form_one_contiguous_chain(pg_url, clock):
    wired = bootstrap.build(replace(settings_for(pg_url), threads=THREADS), clock=clock)
    barrier = threading.Barrier(THREADS)

    def appender(thread: int) -> list[int]:
        barrier.wait()
        events = (
            event(thread * 100 + n, actor=f"cli:t{thread}") for n in range(APPENDS_PER_THREAD)
        )
        return [appended.seq for appended in append(wired, *events)]

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            seqs = [seq for batch in pool.map(appender, range(THREADS)) for seq in batch]
        report = verify(wired)
    finally:
        wired.close()
    total = THREADS * APPENDS_PER_THREAD
    assert sorted(seqs) == list(range(1, total + 1))
    assert report.ok
    assert report.records_checked == total
    assert report.head is not None
    assert report.head.seq == total
