"""The port of idempotency keys: a request claims its key, or gets the stored response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.services.ports.reads import Later


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What an earlier request with the same idempotency key asked and got."""

    operation: str
    request_hash: bytes
    response: str


class IdempotencyRepository(Protocol):
    def claim(
        self, partner_id: str, key: str, operation: str, request_hash: bytes, now: datetime
    ) -> StoredResponse | None:
        """Take ``key`` for this request, or return what an earlier request stored under it."""
        ...

    def claim_later(
        self, partner_id: str, key: str, operation: str, request_hash: bytes, now: datetime
    ) -> Later[StoredResponse | None]:
        """``claim``, sent now and answered with the reads sent after it."""
        ...

    def save(self, partner_id: str, key: str, response: str) -> None: ...
