"""The audit chain, pure: every kind of tampering breaks it where it happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.audit import (
    GENESIS_HEAD,
    GENESIS_MAC,
    AuditEvent,
    AuditHead,
    AuditRecord,
    BreakKind,
    ChainChecker,
    canonical_bytes,
    details_json,
    head_after,
    key_id,
    keyring,
    record_mac,
    seal,
    stored_event,
    verify_chain,
)
from hub.domain.errors import InvalidField
from hub.domain.invariants import InvariantViolation

KEY = bytes(range(32))
NEW_KEY = bytes(range(1, 33))
ATTACKER_KEY = bytes(32)
START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def event(n: int = 1, actor: str = "cli:alice") -> AuditEvent:
    return AuditEvent(actor, "partner.disable", f"partner:p{n}", f"reason {n}", {"n": n})


def extend(
    records: list[AuditRecord], count: int, key: bytes = KEY
) -> tuple[list[AuditRecord], AuditHead]:
    """``records`` with ``count`` more appended under ``key``, and the head after them."""
    chain = list(records)
    for _ in range(count):
        seq = len(chain) + 1
        prev_mac = chain[-1].mac if chain else GENESIS_MAC
        at = START + timedelta(minutes=seq)
        chain.append(seal(event(seq), seq=seq, recorded_at=at, prev_mac=prev_mac, key=key))
    return chain, head_after(chain[-1], key)


def chain_of(count: int) -> tuple[list[AuditRecord], AuditHead]:
    return extend([], count)


def kinds(breaks: tuple[object, ...]) -> set[tuple[int, BreakKind]]:
    return {(b.seq, b.kind) for b in breaks}  # type: ignore[attr-defined]


def test_an_intact_chain_has_no_breaks():
    records, head = chain_of(5)
    assert verify_chain(records, keyring([KEY]), head) == ()
    assert head.seq == 5


def test_an_empty_log_with_the_genesis_head_has_no_breaks():
    assert verify_chain([], keyring([KEY]), GENESIS_HEAD) == ()


@pytest.mark.parametrize(
    "edit",
    [
        {"actor": "cli:mallory"},
        {"action": "partner.enable"},
        {"target": "partner:other"},
        {"reason": "reason 3, and nothing to see"},
        {"details": {"n": 4}},
    ],
)
def test_editing_any_field_of_an_event_is_detected_at_that_record(edit):
    records, head = chain_of(5)
    records[2] = replace(records[2], event=replace(records[2].event, **edit))
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {(3, BreakKind.EDITED)}


def test_editing_when_a_record_was_made_is_detected():
    records, head = chain_of(5)
    records[2] = replace(records[2], recorded_at=records[2].recorded_at - timedelta(days=1))
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {(3, BreakKind.EDITED)}


def test_an_edited_record_whose_mac_was_rewritten_also_breaks_the_next_link():
    records, head = chain_of(5)
    edited = replace(records[2], event=replace(records[2].event, reason="nothing happened"))
    records[2] = replace(edited, mac=record_mac(edited, ATTACKER_KEY))
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {
        (3, BreakKind.EDITED),
        (4, BreakKind.LINK),
    }


def test_deleting_a_middle_record_is_detected_where_the_hole_is():
    records, head = chain_of(5)
    del records[2]
    breaks = verify_chain(records, keyring([KEY]), head)
    assert kinds(breaks) == {(4, BreakKind.SEQUENCE), (4, BreakKind.LINK)}
    assert "#3 missing" in breaks[0].detail


def test_deleting_the_first_record_is_detected():
    records, head = chain_of(3)
    del records[0]
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {
        (2, BreakKind.SEQUENCE),
        (2, BreakKind.LINK),
    }


def test_swapping_two_records_is_detected():
    records, head = chain_of(5)
    second, third = records[1], records[2]
    records[1], records[2] = replace(third, seq=2), replace(second, seq=3)
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {
        (2, BreakKind.LINK),
        (2, BreakKind.EDITED),
        (3, BreakKind.LINK),
        (3, BreakKind.EDITED),
        (4, BreakKind.LINK),
    }


def test_records_out_of_seq_order_are_reported_as_such():
    records, head = chain_of(4)
    records[1], records[2] = records[2], records[1]
    breaks = verify_chain(records, keyring([KEY]), head)
    assert (2, BreakKind.SEQUENCE) in kinds(breaks)
    assert any("out of order" in b.detail for b in breaks)


def test_a_forged_record_inserted_in_the_middle_is_detected():
    records, head = chain_of(4)
    forged = seal(event(99), seq=3, recorded_at=START, prev_mac=records[1].mac, key=ATTACKER_KEY)
    records = [*records[:2], forged, *(replace(r, seq=r.seq + 1) for r in records[2:])]
    found = kinds(verify_chain(records, keyring([KEY]), replace(head, seq=5)))
    assert (3, BreakKind.UNKNOWN_KEY) in found
    assert (4, BreakKind.LINK) in found
    assert (4, BreakKind.EDITED) in found


def test_a_forged_record_appended_after_the_head_is_detected():
    records, head = chain_of(3)
    forged = seal(event(99), seq=4, recorded_at=START, prev_mac=records[2].mac, key=ATTACKER_KEY)
    found = kinds(verify_chain([*records, forged], keyring([KEY]), head))
    assert found == {(4, BreakKind.UNKNOWN_KEY), (3, BreakKind.HEAD)}


def test_a_forged_record_with_the_head_moved_to_it_is_still_detected():
    records, _ = chain_of(3)
    forged = seal(event(99), seq=4, recorded_at=START, prev_mac=records[2].mac, key=ATTACKER_KEY)
    found = kinds(verify_chain([*records, forged], keyring([KEY]), AuditHead(4, forged.mac)))
    assert found == {(4, BreakKind.UNKNOWN_KEY)}


def test_deleting_the_last_record_is_detected_by_the_head():
    records, head = chain_of(5)
    breaks = verify_chain(records[:-1], keyring([KEY]), head)
    assert kinds(breaks) == {(5, BreakKind.HEAD)}
    assert "ends at #4" in breaks[0].detail


def test_deleting_the_last_record_and_rewriting_the_head_is_detected():
    records, _ = chain_of(5)
    rewritten = AuditHead(4, records[3].mac)  # all an intruder without the key can write
    assert kinds(verify_chain(records[:-1], keyring([KEY]), rewritten)) == {(4, BreakKind.HEAD)}


def test_emptying_the_log_but_keeping_the_head_is_detected():
    _, head = chain_of(2)
    assert kinds(verify_chain([], keyring([KEY]), head)) == {(2, BreakKind.HEAD)}


def test_a_missing_head_is_detected():
    records, _ = chain_of(2)
    assert kinds(verify_chain(records, keyring([KEY]), None)) == {(2, BreakKind.HEAD)}


def test_an_edited_head_of_an_empty_log_is_detected():
    found = verify_chain([], keyring([KEY]), AuditHead(0, b"\x01" * 32))
    assert kinds(found) == {(0, BreakKind.HEAD)}


def test_records_chained_under_a_retired_key_still_verify_after_rotation():
    old, _ = chain_of(3)
    records, head = extend(old, 3, key=NEW_KEY)
    assert {r.key_id for r in records} == {key_id(KEY), key_id(NEW_KEY)}
    assert verify_chain(records, keyring([NEW_KEY, KEY]), head) == ()


def test_records_under_a_key_that_is_not_configured_are_flagged_not_trusted():
    old, _ = chain_of(2)
    records, head = extend(old, 2, key=NEW_KEY)
    breaks = verify_chain(records, keyring([NEW_KEY]), head)
    assert kinds(breaks) == {(1, BreakKind.UNKNOWN_KEY), (2, BreakKind.UNKNOWN_KEY)}
    assert key_id(KEY) in breaks[0].detail


def test_checking_in_batches_finds_what_checking_at_once_finds():
    records, head = chain_of(10)
    del records[6]
    records[2] = replace(records[2], event=replace(records[2].event, target="partner:x"))
    checker = ChainChecker(keyring([KEY]))
    for start in range(0, len(records), 3):
        checker.check(records[start : start + 3])
    assert checker.finish(head) == verify_chain(records, keyring([KEY]), head)
    assert checker.checked == 9
    assert checker.last_seq == 10


def test_breaks_beyond_the_limit_are_counted_but_not_kept():
    records, head = chain_of(10)
    edited = [replace(r, event=replace(r.event, reason="rewritten")) for r in records]
    checker = ChainChecker(keyring([KEY]), kept_max=3)
    checker.check(edited)
    assert len(checker.finish(head)) == 3
    assert checker.breaks_total == 10


def test_a_record_read_back_from_storage_verifies_like_the_one_written():
    records, head = chain_of(2)
    written = records[1].event
    read = stored_event(
        written.actor, written.action, written.target, written.reason, details_json(written.details)
    )
    records[1] = replace(records[1], event=read)
    assert read == written
    assert verify_chain(records, keyring([KEY]), head) == ()


@pytest.mark.parametrize(
    "stored_details",
    ['{"n": 2}', "not json", "[2]", '{"n":2.0}', '{"n":[2]}', ""],
    ids=["respaced", "garbage", "array", "float", "nested", "empty"],
)
def test_details_altered_in_storage_fail_their_mac(stored_details):
    records, head = chain_of(2)
    written = records[1].event
    read = stored_event(
        written.actor, written.action, written.target, written.reason, stored_details
    )
    records[1] = replace(records[1], event=read)
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {(2, BreakKind.EDITED)}


def test_a_record_stored_with_an_invalid_reason_still_loads_and_fails_its_mac():
    records, head = chain_of(2)
    written = records[1].event
    read = stored_event(written.actor, written.action, written.target, "  ", '{"n":2}')
    records[1] = replace(records[1], event=read)
    assert kinds(verify_chain(records, keyring([KEY]), head)) == {(2, BreakKind.EDITED)}


def test_the_canonical_bytes_are_compact_sorted_json_in_utc():
    record = seal(event(), seq=1, recorded_at=START, prev_mac=GENESIS_MAC, key=KEY)
    text = canonical_bytes(record).decode()
    assert text.startswith('{"action":"partner.disable","actor":"cli:alice","details":{"n":1}')
    assert '"recorded_at":"2026-11-22T10:00:00.000000+00:00"' in text
    assert f'"prev_mac":"{"00" * 32}"' in text
    assert '"mac"' not in text


def test_a_key_id_names_a_key_without_revealing_it():
    assert key_id(KEY) == key_id(bytes(KEY))
    assert key_id(KEY) != key_id(NEW_KEY)
    assert len(key_id(KEY)) == 16
    assert KEY.hex()[:16] not in key_id(KEY)


def test_sealing_refuses_a_time_without_a_zone():
    with pytest.raises(InvariantViolation):
        seal(event(), seq=1, recorded_at=START.replace(tzinfo=None), prev_mac=GENESIS_MAC, key=KEY)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"actor": ""}, "actor"),
        ({"actor": "a" * 161}, "actor"),
        ({"action": "a" * 65}, "action"),
        ({"target": "t" * 161}, "target"),
        ({"details": {"rate": 1.5}}, "details"),
        ({"details": {"ids": ["a"]}}, "details"),
        ({"details": {f"k{i}": i for i in range(65)}}, "details"),
    ],
)
def test_an_event_the_log_cannot_hold_is_refused(fields, field):
    values = {"actor": "cli:alice", "action": "a.b", "target": "t", "reason": "why"} | fields
    with pytest.raises(InvalidField) as refused:
        AuditEvent(**values)
    assert refused.value.field == field
