"""Importing a partner's own programme: its members and their opening balances, from CSV.

Read the file a chunk at a time, decide each row purely (``hub.domain.import_rows``), hash its
identifiers and make its ids here, and write the chunk in one commit with the run's progress
(``ports.bulk_import``). A crash loses at most the chunk being written: running the same file
again starts after the last committed line, and the partner's own member id keeps any member
from being imported twice.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.ids import new_id
from hub.domain.import_rows import MemberRow, RefusedRow, RowLayout
from hub.domain.members import IdentifierHasher
from hub.services.ports.bulk_import import (
    BulkImportStore,
    Chunk,
    ChunkWritten,
    EncodedChunk,
    ImportTerms,
    RunState,
    RunStatus,
    StagedMember,
)

CHUNK_ROWS_DEFAULT = 50_000
CHUNK_ROWS_MAX = 500_000
"""A chunk is one commit: bounded, so a crash re-does little and memory stays flat."""
HEADER_LINE = 1


@dataclass(frozen=True, slots=True)
class ImportFile:
    name: str
    sha256: bytes
    text: TextIO


@dataclass(frozen=True, slots=True)
class ImportOptions:
    stop_on_error: bool = False
    chunk_rows: int = CHUNK_ROWS_DEFAULT


@dataclass
class ImportProgress:
    """What the import has done so far, counted over every attempt of the run."""

    line: int
    imported_members: int
    imported_points: int
    refused_rows: int
    already_imported: int = 0
    resumed_from_line: int = HEADER_LINE + 1
    stopped_at: RefusedRow | None = None

    @classmethod
    def of(cls, state: RunState) -> ImportProgress:
        return cls(
            state.next_line,
            state.imported_members,
            state.imported_points,
            state.refused_rows,
            resumed_from_line=state.next_line,
        )


@dataclass
class _Seen:
    """Identifiers and partner ids of this attempt's earlier lines, to refuse repeats."""

    digests: dict[bytes, int] = field(default_factory=dict)
    external_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Work:
    """What every chunk of one import uses."""

    terms: ImportTerms
    options: ImportOptions
    store: BulkImportStore
    hasher: IdentifierHasher
    clock: Clock
    zone: ZoneInfo


def import_members(
    partner_id: str,
    source: ImportFile,
    options: ImportOptions,
    *,
    store: BulkImportStore,
    hasher: IdentifierHasher,
    clock: Clock,
    zone: ZoneInfo,
    progress: Callable[[ImportProgress], None],
) -> ImportProgress:
    """Import ``source`` for ``partner_id``, resuming its run if it was interrupted."""
    if not 1 <= options.chunk_rows <= CHUNK_ROWS_MAX:
        raise InvalidField(f"chunk rows: 1 to {CHUNK_ROWS_MAX}", field="chunk_rows")
    terms, state = store.start(partner_id, source.name, source.sha256, clock.now())
    done = ImportProgress.of(state)
    if state.status is not RunStatus.FINISHED:
        work = _Work(terms, options, store, hasher, clock, zone)
        _import_chunks(source.text, state.next_line, work, done, progress)
    return done


def _import_chunks(
    text: TextIO,
    first_line: int,
    work: _Work,
    done: ImportProgress,
    progress: Callable[[ImportProgress], None],
) -> None:
    reader = csv.reader(text, strict=True)
    layout = RowLayout.of_header(next(reader, []), work.terms.phone_region)
    seen = _Seen()
    rows = _records(reader, first_line)

    def next_chunk() -> tuple[EncodedChunk, datetime] | None:
        now = work.clock.now()
        size = work.options.chunk_rows
        batch = [layout.read(line, fields, now) for line, fields in _take(rows, size)]
        return (work.store.encode(_chunk(batch, work, seen, now)), now) if batch else None

    # Reading, hashing and encoding the next chunk (Python) goes on while the database writes
    # this one: the import takes the longer of the two, not their sum.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-reader") as reader_thread:
        upcoming = reader_thread.submit(next_chunk)
        while (ready := upcoming.result()) is not None:
            encoded, now = ready
            upcoming = reader_thread.submit(next_chunk)
            written = work.store.write(encoded, work.terms, work.hasher.key_id, now)
            _count(done, written)
            progress(done)
            if written.stopped_at is not None:
                return
    work.store.finish(work.clock.now())


def _records(
    reader: Iterator[list[str]], first_line: int
) -> Iterator[tuple[int, list[str] | None]]:
    """Each record from ``first_line`` on with the line it ends on; ``None`` for one the CSV
    reader cannot read (an unclosed quote, say)."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = None
        line = reader.line_num  # type: ignore[attr-defined]
        if line >= first_line:
            yield line, fields


def _take(
    rows: Iterator[tuple[int, list[str] | None]], count: int
) -> Iterator[tuple[int, list[str] | None]]:
    for _, row in zip(range(count), rows, strict=False):
        yield row


def _chunk(
    batch: Sequence[MemberRow | RefusedRow], work: _Work, seen: _Seen, now: datetime
) -> Chunk:
    members: list[StagedMember] = []
    refused: list[RefusedRow] = []
    stop = work.options.stop_on_error
    for row in batch:
        staged = row if isinstance(row, RefusedRow) else _staged(row, work, seen, now)
        if isinstance(staged, StagedMember):
            members.append(staged)
            continue
        refused.append(staged)
        if stop:
            return Chunk(members, refused, staged.line, stop_on_refusal=True)
    return Chunk(members, refused, batch[-1].line + 1, stop_on_refusal=stop)


def _staged(row: MemberRow, work: _Work, seen: _Seen, now: datetime) -> StagedMember | RefusedRow:
    """The row's member with its ids and digests, or refused for repeating an earlier line."""
    if (earlier := seen.external_ids.get(row.external_id)) is not None:
        return RefusedRow(row.line, f"external_id repeats line {earlier}")
    digests = tuple(work.hasher.digests(identifier) for identifier in row.identifiers)
    for identifier, keyed in zip(row.identifiers, digests, strict=True):
        if (earlier := seen.digests.get(keyed[0])) is not None:
            return RefusedRow(row.line, f"{identifier.kind.value} repeats line {earlier}")
    seen.external_ids[row.external_id] = row.line
    seen.digests.update((keyed[0], row.line) for keyed in digests)
    return StagedMember(
        line=row.line,
        external_id=row.external_id,
        member_id=new_id(),
        transaction_id=new_id(),
        lot_id=new_id(),
        digests=tuple(
            (identifier.kind, keyed[0])
            for identifier, keyed in zip(row.identifiers, digests, strict=True)
        ),
        retired_digests=tuple(digest for keyed in digests for digest in keyed[1:]),
        points=row.opening_points,
        expires_at=row.expires_at or work.terms.expiry.expires_at(now, work.zone),
    )


def _count(done: ImportProgress, written: ChunkWritten) -> None:
    done.line = written.state.next_line
    done.imported_members = written.state.imported_members
    done.imported_points = written.state.imported_points
    done.refused_rows = written.state.refused_rows
    done.already_imported += written.already_imported
    done.stopped_at = written.stopped_at
