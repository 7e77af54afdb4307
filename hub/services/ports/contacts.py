"""The port of members' contact data, stored sealed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SealedContact:
    """A member's contact data as stored: AES-GCM ciphertext under the key ``key_id`` names."""

    key_id: str
    nonce: bytes
    ciphertext: bytes
    updated_at: datetime


class ContactRepository(Protocol):
    def put(self, member_id: uuid.UUID, sealed: SealedContact) -> None: ...
    def get(self, member_id: uuid.UUID) -> SealedContact | None: ...
    def delete(self, member_id: uuid.UUID) -> None: ...
    def stale(
        self, current_key_id: str, after: uuid.UUID, limit: int
    ) -> Sequence[tuple[uuid.UUID, SealedContact]]:
        """Up to ``limit`` contacts sealed under another key, member ids after ``after`` in
        order, locked (those locked by someone else are skipped)."""
        ...

    def key_counts(self) -> dict[str, int]: ...
