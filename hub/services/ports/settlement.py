"""The port of settlement: runs, their statements and outstanding points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from hub.domain.money import Rounding
from settlement.model import (
    NOTHING_SEEN,
    BusinessDay,
    OutstandingGroup,
    SettlementInputs,
    Snapshot,
)


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A settlement run's row."""

    business_date: date
    window_start: datetime | None
    window_end: datetime
    currency: str
    status: str
    run_at: datetime
    run_by: str
    approved_at: datetime | None
    approved_by: str | None
    summary: bytes
    summary_signature: bytes
    signing_key_id: str
    snapshot: Snapshot = NOTHING_SEEN
    """What the run read: the next run settles the earlier-stamped rows it did not see."""
    approval_note: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    """When the run started and when its work was done; ``None`` on runs stored before
    these were kept."""

    @property
    def duration_s(self) -> float | None:
        """How long the run took, if it is known."""
        return _duration_s(self.started_at, self.finished_at)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Who ran and approved a day, and when: a run's row without its figures."""

    business_date: date
    status: str
    run_at: datetime
    run_by: str
    approved_at: datetime | None
    approved_by: str | None
    approval_note: str | None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        """How long the run took, if it is known."""
        return _duration_s(self.started_at, self.finished_at)


def _duration_s(started_at: datetime | None, finished_at: datetime | None) -> float | None:
    if started_at is None or finished_at is None:
        return None
    return (finished_at - started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class StoredStatement:
    partner_id: str
    json: bytes
    json_signature: bytes
    csv: bytes
    csv_signature: bytes


class SettlementRepository(Protocol):
    """Settlement runs, their statements and outstanding points, and the set-based sums a run
    reads from the ledger."""

    def run(self, business_date: date, *, for_update: bool = False) -> StoredRun | None: ...
    def latest_run(self) -> StoredRun | None:
        """The run of the latest settled day."""
        ...

    def roundings(self) -> dict[str, Rounding]:
        """Every partner's settlement rounding, by partner id."""
        ...

    def snapshot(self) -> Snapshot:
        """The snapshot this unit of work reads under (a run's, in its transaction)."""
        ...

    def inputs(
        self, day: BusinessDay, previous: Sequence[OutstandingGroup], progress: Progress
    ) -> SettlementInputs:
        """The day's sums (its window and its late rows), computed by the database;
        ``progress`` hears of each step."""
        ...

    def outstanding(self, business_date: date) -> Sequence[OutstandingGroup]: ...
    def add_run(
        self,
        run: StoredRun,
        statements: Sequence[StoredStatement],
        outstanding: Sequence[OutstandingGroup],
    ) -> None: ...
    def statement(self, business_date: date, partner_id: str) -> StoredStatement | None: ...
    def first_settled_day(self) -> date | None:
        """The earliest settled business day; ``None`` before the first run."""
        ...

    def run_records(self, newest: date, oldest: date) -> Sequence[RunRecord]:
        """The runs of the days from ``oldest`` to ``newest`` (both included)."""
        ...

    def settled_partners(self, newest: date, oldest: date) -> Mapping[date, Sequence[str]]:
        """The partners each of those days settled (those with a statement), by partner id."""
        ...

    def approve(self, business_date: date, approved_by: str, at: datetime, note: str) -> None: ...


class Progress(Protocol):
    """Told when each step of a long run starts; ``hub settle-due`` shows it (as a note of
    its ``hub.services.ports.progress.WorkProgress``)."""

    def __call__(self, step: str) -> None: ...
