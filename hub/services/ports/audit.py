"""The ports of auditing: the ledger's invariant checks and the hash-chained audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.audit import AuditEvent, AuditHead, AuditRecord


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken ledger invariant, as ``hub ledger verify`` reports it."""

    invariant: str
    subject: str
    detail: str


class AuditQueries(Protocol):
    def names(self) -> Sequence[str]:
        """The invariants checked, in order."""
        ...

    def violations(self, limit: int) -> Sequence[Violation]: ...
    def counts(self) -> dict[str, int]: ...


class AuditLog(Protocol):
    """The hash-chained audit log (see ``hub.domain.audit``)."""

    def append(self, event: AuditEvent, now: datetime) -> AuditRecord:
        """Chain ``event`` after the last record; appends are serialised by the chain's head."""
        ...

    def records(self, after_seq: int, limit: int) -> Sequence[AuditRecord]:
        """Up to ``limit`` records after ``after_seq``, in chain order."""
        ...

    def head(self) -> AuditHead | None:
        """Where the chain ends as last written; ``None`` if the head row is gone."""
        ...

    def recent(
        self, limit: int, *, actor: str | None = None, action: str | None = None
    ) -> Sequence[AuditRecord]:
        """The newest ``limit`` records first, optionally only one actor's or one action's."""
        ...
