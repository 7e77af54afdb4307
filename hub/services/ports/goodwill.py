"""The port of goodwill credits: requests, their decisions and their postings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from hub.domain.goodwill import GoodwillCredit, GoodwillStatus


class GoodwillRepository(Protocol):
    def add(self, credit: GoodwillCredit) -> None:
        """Record a new credit (pending, or posted at once); written at commit."""
        ...

    def get(self, credit_id: uuid.UUID, *, for_update: bool = False) -> GoodwillCredit:
        """The credit, or ``GoodwillCreditNotFound``; ``for_update`` locks it until commit, so
        two people deciding it at once are served one after the other."""
        ...

    def save(self, credit: GoodwillCredit) -> None:
        """Store a credit's decision (status, who, when, note, posting); written at commit."""
        ...

    def list(
        self, status: GoodwillStatus | None, member_id: uuid.UUID | None, limit: int
    ) -> Sequence[GoodwillCredit]:
        """Credits newest first, of one status and member if given."""
        ...
