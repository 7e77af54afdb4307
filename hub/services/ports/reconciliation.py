"""The port of reconciliation: partners' reports for settled days and the exceptions
matching them finds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from settlement.model import BusinessDay, Snapshot
from settlement.reconciliation import ReportLine


@dataclass(frozen=True, slots=True)
class ExceptionCursor:
    """Where a page of reconciliation exceptions starts: after this exception, in the listing's
    order (partner, kind, report line (0: none), item kind, order id ("": none), id)."""

    partner_id: str
    kind: str
    report_line: int
    item_kind: str
    order_id: str
    exception_id: uuid.UUID


class ExceptionKind(StrEnum):
    MISSING_AT_HUB = "missing_at_hub"
    MISSING_AT_PARTNER = "missing_at_partner"
    AMOUNT_MISMATCH = "amount_mismatch"


class ExceptionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class ReconciliationExceptionView:
    id: uuid.UUID
    business_date: date
    partner_id: str
    kind: ExceptionKind
    item_kind: str
    transaction_id: uuid.UUID | None
    order_id: str | None
    hub_points: int | None
    partner_points: int | None
    report_line: int | None
    status: ExceptionStatus
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ExceptionCounts:
    """Exceptions per kind, counted by the database (never from a listing, which is paged)."""

    missing_at_hub: int = 0
    missing_at_partner: int = 0
    amount_mismatch: int = 0

    def of(self, kind: ExceptionKind) -> int:
        return int(getattr(self, kind.value))

    @property
    def total(self) -> int:
        return self.missing_at_hub + self.missing_at_partner + self.amount_mismatch


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A partner's imported report for a day, without its lines."""

    business_date: date
    partner_id: str
    submitted_at: datetime
    submitted_by: str
    line_count: int
    matched: int


@dataclass(frozen=True, slots=True)
class ExceptionTally:
    """How many of a partner's exceptions of a day are open and accepted."""

    business_date: date
    partner_id: str
    open: int
    accepted: int


@dataclass(frozen=True, slots=True)
class AcceptanceRecord:
    """How many exceptions of a day one actor accepted, and when the latest."""

    business_date: date
    accepted_by: str
    exceptions: int
    last_accepted_at: datetime


class ReconciliationRepository(Protocol):
    """Partners' reports for settled days, and the exceptions matching them finds."""

    def open_exceptions(self, business_date: date) -> int:
        """How many of the day's exceptions are not accepted yet."""
        ...

    def replace_report(
        self,
        business_date: date,
        partner_id: str,
        lines: Iterable[ReportLine],
        *,
        submitted_by: str,
        submitted_at: datetime,
        sha256: bytes,
    ) -> int:
        """Drop the partner's report for the day (its lines and exceptions), then store this
        one, loading ``lines`` in bounded batches; how many lines it has. A bad line raises
        while loading: the caller rolls back."""
        ...

    def match(self, partner_id: str, day: BusinessDay, seen_by_run: Snapshot) -> int:
        """Match the stored report for ``day`` with the partner's transactions its run settled
        (those of its window and its late ones that ``seen_by_run``, the run's snapshot, saw),
        in the database: record the exceptions, store the matched count and return it."""
        ...

    def exceptions(
        self,
        business_date: date,
        partner_id: str | None,
        *,
        include_accepted: bool,
        limit: int,
        after: ExceptionCursor | None = None,
        kind: ExceptionKind | None = None,
    ) -> Sequence[ReconciliationExceptionView]:
        """A page of the day's exceptions (one partner's, or all; one kind, or all), open only
        unless asked, in ``ExceptionCursor``'s order, starting after ``after``."""
        ...

    def counts(
        self,
        business_date: date,
        partner_id: str | None,
        *,
        include_accepted: bool,
        kind: ExceptionKind | None = None,
    ) -> ExceptionCounts:
        """How many exceptions of each kind the same filter selects, counted by the database."""
        ...

    def accept_all(
        self,
        business_date: date,
        partner_id: str | None,
        kind: ExceptionKind | None,
        *,
        accepted_by: str,
        at: datetime,
        note: str,
    ) -> int:
        """Accept the day's open exceptions (of one partner and kind, or all) with one note;
        how many it accepted."""
        ...

    def exception(self, exception_id: uuid.UUID) -> ReconciliationExceptionView:
        """The exception, or ``ExceptionNotFound``."""
        ...

    def accept(self, exception_id: uuid.UUID, accepted_by: str, at: datetime, note: str) -> None:
        """Mark the exception accepted, with the officer's note."""
        ...

    def reported_partners(self, business_date: date) -> Sequence[str]:
        """The partners whose report for the day is stored, by id."""
        ...

    def reports(self, newest: date, oldest: date) -> Sequence[ReportRecord]:
        """The reports stored for the days from ``oldest`` to ``newest`` (both included)."""
        ...

    def tallies(self, newest: date, oldest: date) -> Sequence[ExceptionTally]:
        """Open and accepted exceptions per day and partner over those days, counted by the
        database."""
        ...

    def acceptances(self, newest: date, oldest: date) -> Sequence[AcceptanceRecord]:
        """Accepted exceptions per day and actor over those days, counted by the database."""
        ...
