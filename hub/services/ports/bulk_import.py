"""What ``hub.services.bulk_import`` needs from storage: the partner's terms and the file's run,
then one commit per chunk of members, with the chunk's refusals and the run's progress."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from hub.domain.import_rows import RefusedRow
from hub.domain.members import IdentifierKind
from hub.domain.partners import ExpiryPolicy
from hub.domain.rates import RateVersion


class RunStatus(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    """Stopped at a refused row, as the operator chose (``--on-error stop``)."""
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class ImportTerms:
    """The partner's programme as the import reads it, once, when it starts."""

    partner_id: str
    phone_region: str | None
    rate: RateVersion
    """In force when the import started: opening balances are issued at its issue price."""
    expiry: ExpiryPolicy


@dataclass(frozen=True, slots=True)
class RunState:
    next_line: int
    """The first line not yet committed; a new run starts after the header, at 2."""
    imported_members: int
    imported_points: int
    refused_rows: int
    status: RunStatus


@dataclass(frozen=True, slots=True)
class StagedMember:
    """A member ready to write: ids made, identifiers hashed."""

    line: int
    external_id: str
    member_id: uuid.UUID
    transaction_id: uuid.UUID
    lot_id: uuid.UUID
    digests: tuple[tuple[IdentifierKind, bytes], ...]
    """Under the current key: what is stored."""
    retired_digests: tuple[bytes, ...]
    """Under retired keys: an identifier on file under one of them is taken too."""
    points: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Chunk:
    members: Sequence[StagedMember]
    refused: Sequence[RefusedRow]
    """Refused while reading: malformed, invalid, or repeating an earlier line."""
    next_line: int
    """The line after the chunk's last, committed with it."""
    stop_on_refusal: bool
    """Stop at the first refused row: write only the members on lines before it."""


@dataclass(frozen=True, slots=True)
class ChunkWritten:
    imported_members: int
    imported_points: int
    refused: Sequence[RefusedRow]
    """The chunk's refusals, those the database found (identifiers taken) included."""
    already_imported: int
    """Members the partner's id says an earlier import brought in; left as they are."""
    stopped_at: RefusedRow | None
    state: RunState


@dataclass(frozen=True, slots=True)
class EncodedChunk:
    """A chunk in the form the store writes, made beside the write of the one before."""

    chunk: Chunk
    payload: Any


class BulkImportStore(Protocol):
    def start(
        self, partner_id: str, file_name: str, file_sha256: bytes, now: datetime
    ) -> tuple[ImportTerms, RunState]:
        """The partner's terms and the file's run, created if new (``PartnerNotFound``)."""
        ...

    def encode(self, chunk: Chunk) -> EncodedChunk:
        """The chunk ready to write: CPU only, no database, safe on another thread."""
        ...

    def write(
        self, encoded: EncodedChunk, terms: ImportTerms, key_id: str, now: datetime
    ) -> ChunkWritten:
        """Write the chunk's members, refusals and the run's progress in one commit."""
        ...

    def finish(self, now: datetime) -> RunState:
        """Mark the run finished (it was running) and commit."""
        ...

    def refusals(self) -> Sequence[RefusedRow]:
        """Every row the run refused, by line, whichever attempt refused it."""
        ...
