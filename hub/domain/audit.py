"""The audit log's records: who did what to which thing, when and why.

Records form a chain: each carries an HMAC over its own content and the previous record's MAC,
under a key only the hub holds, so an edited, deleted, inserted or reordered record breaks
the chain where it happened (``hub audit verify``). The chain's *head* (the last seq, and a MAC
over it and the last record's MAC) is kept apart from the records: deleting records at the end
moves the chain's end away from the head, and nobody without the key can write a head to match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from hub.domain.errors import InvalidField
from hub.domain.fields import storable_text
from hub.domain.invariants import require

AuditValue = str | int | bool | None
REASON_LENGTH_MAX = 1000
ACTOR_LENGTH_MAX = 160
ACTION_LENGTH_MAX = 64
TARGET_LENGTH_MAX = 160
DETAILS_ITEMS_MAX = 64
MAC_BYTES = 32
GENESIS_MAC = bytes(MAC_BYTES)
"""What the first record chains to, and the MAC of an empty log's head."""
BREAKS_KEPT_MAX = 100
"""Breaks a check keeps to report; beyond that it only counts them (bounded memory)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What is recorded: ``actor`` is a principal URI or ``cli:<os user>``."""

    actor: str
    action: str
    """Dotted, e.g. ``partner.disable``, ``credential.revoke``, ``member.erase``."""
    target: str
    reason: str
    details: Mapping[str, AuditValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidField("say why: a reason is required for the audit log", field="reason")
        if len(self.reason) > REASON_LENGTH_MAX:
            raise InvalidField(
                f"a reason is at most {REASON_LENGTH_MAX} characters", field="reason"
            )
        storable_text(self.reason, field="reason")
        _check_text("actor", self.actor, ACTOR_LENGTH_MAX, required=True)
        _check_text("action", self.action, ACTION_LENGTH_MAX, required=True)
        _check_text("target", self.target, TARGET_LENGTH_MAX, required=False)
        _check_details(self.details)


def _check_text(name: str, value: str, length_max: int, *, required: bool) -> None:
    if required and not value.strip():
        raise InvalidField(f"the audit log needs an {name}", field=name)
    if len(value) > length_max:
        raise InvalidField(f"an audit {name} is at most {length_max} characters", field=name)


def _check_details(details: Mapping[str, AuditValue]) -> None:
    # Only scalars: what a stored record's details can never be is how an unreadable one is
    # told apart (see ``stored_event``).
    if len(details) > DETAILS_ITEMS_MAX:
        raise InvalidField(f"at most {DETAILS_ITEMS_MAX} audit details", field="details")
    for name, value in details.items():
        if not isinstance(name, str) or not isinstance(value, str | int | None):
            raise InvalidField(
                f"audit detail {name!r} is not text, a number or a flag", field="details"
            )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An event as stored: its place in the chain and its MAC."""

    seq: int
    recorded_at: datetime
    event: AuditEvent
    key_id: str
    prev_mac: bytes
    mac: bytes


@dataclass(frozen=True, slots=True)
class AuditHead:
    """Where the chain ends as the hub last wrote it: the last record's seq, and a MAC over that
    seq and the last record's MAC (``GENESIS_MAC`` at seq 0, before the first record)."""

    seq: int
    mac: bytes


GENESIS_HEAD = AuditHead(0, GENESIS_MAC)


def key_id(key: bytes) -> str:
    """Names an audit key without revealing it; stored with each record it chained."""
    return hashlib.sha256(b"hub-audit-key-id:" + key).hexdigest()[:16]


def keyring(keys: Iterable[bytes]) -> dict[str, bytes]:
    """Keys by their ``key_id``: the current one and the retired ones older records used."""
    return {key_id(key): key for key in keys}


def details_json(details: Mapping[str, object]) -> str:
    """Details as stored: canonical JSON, so the same details are always the same text."""
    return _compact(dict(details))


def seal(
    event: AuditEvent, *, seq: int, recorded_at: datetime, prev_mac: bytes, key: bytes
) -> AuditRecord:
    """``event`` as record ``seq`` of the chain, after the record whose MAC is ``prev_mac``."""
    require(recorded_at.tzinfo is not None, "audit times must be timezone-aware")
    unsealed = AuditRecord(seq, recorded_at.astimezone(UTC), event, key_id(key), prev_mac, b"")
    return replace(unsealed, mac=record_mac(unsealed, key))


def head_after(record: AuditRecord, key: bytes) -> AuditHead:
    """The head once ``record`` is the last one; ``key`` is the one that sealed it."""
    return AuditHead(record.seq, _mac(key, {"head_seq": record.seq, "last_mac": record.mac.hex()}))


def record_mac(record: AuditRecord, key: bytes) -> bytes:
    """The MAC ``record`` must carry: HMAC-SHA256 of its canonical bytes."""
    return _mac(key, _content(record))


def canonical_bytes(record: AuditRecord) -> bytes:
    """What a record's MAC covers: everything but the MAC, as compact JSON with sorted keys."""
    return _compact(_content(record)).encode()


def _content(record: AuditRecord) -> dict[str, object]:
    event = record.event
    return {
        "seq": record.seq,
        "recorded_at": record.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "reason": event.reason,
        "details": dict(event.details),
        "key_id": record.key_id,
        "prev_mac": record.prev_mac.hex(),
    }


def _mac(key: bytes, document: Mapping[str, object]) -> bytes:
    return hmac.new(key, _compact(document).encode(), hashlib.sha256).digest()


def _compact(document: Mapping[str, object]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def stored_event(actor: str, action: str, target: str, reason: str, details: str) -> AuditEvent:
    """An event as read back from storage, without the checks of a new one.

    A tampered record must reach verification and fail its MAC there, not fail to load. Details
    that are not the canonical JSON of an object are read as a list, which no checked event
    holds, so such a record can never match the MAC it was written with.
    """
    event = object.__new__(AuditEvent)
    values = (actor, action, target, reason, _details_from_json(details))
    for name, value in zip(("actor", "action", "target", "reason", "details"), values, strict=True):
        object.__setattr__(event, name, value)  # frozen: the way dataclasses set it themselves
    return event


def _details_from_json(text: str) -> Mapping[str, object]:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and details_json(parsed) == text:
        return parsed
    return {"unreadable": [text]}


class BreakKind(StrEnum):
    SEQUENCE = "sequence"
    """Seq numbers skip or repeat: records were deleted or inserted."""
    LINK = "link"
    """``prev_mac`` is not the previous record's MAC: records were deleted, inserted or moved."""
    EDITED = "edited"
    """The content does not match its MAC."""
    UNKNOWN_KEY = "unknown-key"
    """Chained under a key the hub does not hold: forged, or a retired key is not configured."""
    HEAD = "head"
    """The head does not match the chain's last record: records at the end were deleted or
    added, or the head itself was rewritten."""


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    """The record where the chain breaks (the head's seq for ``HEAD``)."""
    kind: BreakKind
    detail: str


def verify_chain(
    records: Iterable[AuditRecord], keys_by_id: Mapping[str, bytes], head: AuditHead | None
) -> tuple[ChainBreak, ...]:
    """Every break in ``records`` (the whole chain, in seq order) and its ``head``."""
    checker = ChainChecker(keys_by_id)
    checker.check(records)
    return checker.finish(head)


class ChainChecker:
    """``verify_chain`` fed batch by batch, so a long chain is checked in bounded memory."""

    def __init__(self, keys_by_id: Mapping[str, bytes], *, kept_max: int = BREAKS_KEPT_MAX):
        self._keys = dict(keys_by_id)
        self._kept_max = kept_max
        self._last: AuditRecord | None = None
        self._breaks: list[ChainBreak] = []
        self.checked = 0
        self.breaks_total = 0
        """All breaks found; only the first ``kept_max`` are kept."""

    @property
    def last_seq(self) -> int:
        """The seq of the last record checked; 0 before the first."""
        return self._last.seq if self._last else 0

    def check(self, records: Iterable[AuditRecord]) -> None:
        """Check the next records of the chain, in seq order."""
        for record in records:
            self._note(_record_breaks(record, self._last, self._keys))
            self._last = record
            self.checked += 1

    def finish(self, head: AuditHead | None) -> tuple[ChainBreak, ...]:
        """Check the head against the last record; every break kept, in chain order."""
        self._note(_head_breaks(head, self._last, self._keys))
        return tuple(self._breaks)

    def _note(self, breaks: Iterable[ChainBreak]) -> None:
        for found in breaks:
            self.breaks_total += 1
            if len(self._breaks) < self._kept_max:
                self._breaks.append(found)


def _record_breaks(
    record: AuditRecord, previous: AuditRecord | None, keys: Mapping[str, bytes]
) -> Iterator[ChainBreak]:
    expected_seq = previous.seq + 1 if previous else 1
    if record.seq != expected_seq:
        yield ChainBreak(record.seq, BreakKind.SEQUENCE, _gap(expected_seq, record.seq))
    if not hmac.compare_digest(record.prev_mac, previous.mac if previous else GENESIS_MAC):
        after = f"record #{previous.seq}" if previous else "the start of the chain"
        detail = f"does not chain to {after}: records were deleted, inserted or moved"
        yield ChainBreak(record.seq, BreakKind.LINK, detail)
    yield from _seal_breaks(record, keys)


def _seal_breaks(record: AuditRecord, keys: Mapping[str, bytes]) -> Iterator[ChainBreak]:
    key = keys.get(record.key_id)
    if key is None:
        detail = (
            f"sealed with key {record.key_id!r}, which is not configured: "
            "forged, or a retired key is missing"
        )
        yield ChainBreak(record.seq, BreakKind.UNKNOWN_KEY, detail)
    elif not hmac.compare_digest(record_mac(record, key), record.mac):
        yield ChainBreak(record.seq, BreakKind.EDITED, "content does not match its MAC: edited")


def _gap(expected_seq: int, seq: int) -> str:
    if seq < expected_seq:
        return f"comes after #{expected_seq - 1}: records out of order or repeated"
    missing = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq}..#{seq - 1}"
    return f"{missing} missing before it: deleted"


def _head_breaks(
    head: AuditHead | None, last: AuditRecord | None, keys: Mapping[str, bytes]
) -> Iterator[ChainBreak]:
    last_seq = last.seq if last else 0
    if head is None:
        yield ChainBreak(last_seq, BreakKind.HEAD, "the head row is missing")
    elif head.seq > last_seq:
        detail = f"the head is at #{head.seq} but the chain ends at #{last_seq}: records deleted"
        yield ChainBreak(head.seq, BreakKind.HEAD, detail)
    elif head.seq < last_seq:
        detail = f"the chain goes on past the head (#{head.seq}) to #{last_seq}: records added"
        yield ChainBreak(head.seq, BreakKind.HEAD, detail)
    elif not _head_matches(head, last, keys):
        detail = f"the head does not match #{last_seq}: rewritten (to hide deleted records?)"
        yield ChainBreak(head.seq, BreakKind.HEAD, detail)


def _head_matches(head: AuditHead, last: AuditRecord | None, keys: Mapping[str, bytes]) -> bool:
    if last is None:
        return head == GENESIS_HEAD
    key = keys.get(last.key_id)
    # Under an unknown key the last record is reported already; its head cannot be checked.
    return key is None or hmac.compare_digest(head_after(last, key).mac, head.mac)
