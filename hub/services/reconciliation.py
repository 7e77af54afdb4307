"""Reconciliation: partners' own reports matched against the ledger, and approval of a run.

A partner's report for a settled day (see ``settlement.reconciliation`` for its format) is
matched in the database against the partner's transactions the run settled (its window's and
its late ones); what does not match becomes an open exception. Counts come from the database,
whatever their size; exceptions are listed a page at a time, and can be accepted one by one or
in bulk (by partner, by kind) with one note. A new report replaces the partner's previous one,
until the run is approved. An officer approves the run once no exception is open; the officer
who ran the settlement cannot approve it (four eyes).

A partner that sent no report does not hold approval back: reconciliation checks the reports
partners choose to send, and ``hub settle show`` lists the partners without one as not
reconciled (``SettlementRunView.unreported``).

Every change is audited in the transaction that makes it. Import, acceptance and approval of a
day lock the day's run first, so they happen one after the other: an exception accepted or a
report imported while the run is being approved waits, then finds it approved.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta

from hub.domain.audit import AuditEvent, AuditValue
from hub.domain.clock import Clock
from hub.domain.errors import (
    ExceptionAlreadyAccepted,
    ExceptionsOpen,
    InvalidField,
    SameOfficer,
    SettlementApproved,
    SettlementNotFound,
)
from hub.domain.principals import person_of
from hub.services import audit, settlement, transactions
from hub.services.commands import (
    AcceptException,
    AcceptExceptions,
    ApproveSettlement,
    ImportReport,
    ListExceptions,
)
from hub.services.exception_pages import (
    EXCEPTIONS_PAGE_SIZE_DEFAULT,
    EXCEPTIONS_PAGE_SIZE_MAX,
    cursor_after,
    decode_token,
    encode_token,
)
from hub.services.paging import page_size
from hub.services.ports.reconciliation import (
    ExceptionKind,
    ExceptionStatus,
    ReconciliationExceptionView,
)
from hub.services.ports.settlement import StoredRun
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import (
    ExceptionPage,
    ExceptionsAccepted,
    ReconciliationView,
    RunStatus,
    SettlementRunView,
)
from settlement.model import NOTHING_SEEN, BusinessDay
from settlement.reconciliation import report_lines

_ONE_DAY = timedelta(days=1)


def import_report(
    cmd: ImportReport, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> ReconciliationView:
    """Store the partner's report for the day, replacing its previous one, and match it; a
    bad report (``InvalidReport``, naming the line) changes nothing."""
    target = f"settlement:{cmd.business_date.isoformat()}:{cmd.partner_id}"
    event = cmd.submitted_by.event("settlement.report.import", target)
    report_lines(cmd.report_csv)  # the size and the header, before any transaction
    sha256 = hashlib.sha256(cmd.report_csv).digest()

    def import_and_match(uow: UnitOfWork) -> ReconciliationView:
        now = clock.now()
        run = _unapproved_run(uow, cmd.business_date)
        uow.partners.get(cmd.partner_id)
        lines = uow.reconciliation.replace_report(
            cmd.business_date,
            cmd.partner_id,
            report_lines(cmd.report_csv),
            submitted_by=cmd.submitted_by.actor,
            submitted_at=now,
            sha256=sha256,
        )
        matched = uow.reconciliation.match(cmd.partner_id, _settled_day(uow, run), run.snapshot)
        first_page = ListExceptions(cmd.business_date, cmd.partner_id, include_accepted=True)
        view = ReconciliationView(
            cmd.business_date, cmd.partner_id, matched, _page(uow, first_page)
        )
        audit.record(uow, _imported(event, view, lines, sha256), now)
        return view

    return transactions.run(import_and_match, uow_factory=uow_factory)


def _settled_day(uow: UnitOfWork, run: StoredRun) -> BusinessDay:
    """The run's day as it settled it: its window, and the previous run's snapshot that told
    which earlier-stamped operations were late."""
    previous = uow.settlement.run(run.business_date - _ONE_DAY) if run.window_start else None
    return BusinessDay(
        run.business_date,
        run.window_start,
        run.window_end,
        seen_before=previous.snapshot if previous else NOTHING_SEEN,
    )


def _imported(event: AuditEvent, view: ReconciliationView, lines: int, sha256: bytes) -> AuditEvent:
    # Counts the database gave, not the listed exceptions: a listing is a page.
    counts = view.page.counts
    details: dict[str, AuditValue] = {
        "lines": lines,
        "matched": view.matched,
        "missing_at_hub": counts.missing_at_hub,
        "missing_at_partner": counts.missing_at_partner,
        "amount_mismatch": counts.amount_mismatch,
        "sha256": sha256.hex(),
    }
    return replace(event, details=details)


def list_exceptions(cmd: ListExceptions, *, uow_factory: UnitOfWorkFactory) -> ExceptionPage:
    """A page of the day's exceptions (of one partner or all, of one kind or all), open ones
    only unless asked, by partner, kind and report line, with the true counts of all of them."""
    limit = _page_size(cmd)
    with uow_factory(read_only=True) as uow:
        _run(uow, cmd.business_date)
        return _page(uow, cmd, limit)


def _page_size(cmd: ListExceptions) -> int:
    return page_size(
        cmd.page_size, default=EXCEPTIONS_PAGE_SIZE_DEFAULT, maximum=EXCEPTIONS_PAGE_SIZE_MAX
    )


def _page(uow: UnitOfWork, cmd: ListExceptions, limit: int | None = None) -> ExceptionPage:
    limit = limit or _page_size(cmd)
    day, partner, accepted = cmd.business_date, cmd.partner_id, cmd.include_accepted
    kind, after = _kind(cmd.kind), decode_token(cmd.page_token)
    # One more than the page: whether another page follows, without counting.
    found = uow.reconciliation.exceptions(
        day, partner, include_accepted=accepted, limit=limit + 1, after=after, kind=kind
    )
    page = tuple(found[:limit])
    return ExceptionPage(
        exceptions=page,
        counts=uow.reconciliation.counts(day, partner, include_accepted=accepted, kind=kind),
        next_page_token=encode_token(cursor_after(page[-1])) if len(found) > limit else "",
    )


def accept_exception(
    cmd: AcceptException, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> ReconciliationExceptionView:
    """Accept an open exception; the officer's reason is its note, and is required."""
    if not cmd.accepted_by.reason.strip():
        raise InvalidField("say why: accepting an exception needs a note", field="note")
    event = cmd.accepted_by.event("settlement.exception.accept", f"exception:{cmd.exception_id}")

    def accept(uow: UnitOfWork) -> ReconciliationExceptionView:
        now = clock.now()
        day = uow.reconciliation.exception(cmd.exception_id).business_date
        _unapproved_run(uow, day)
        # Read again under the run's lock: a new report may have replaced it meanwhile.
        found = uow.reconciliation.exception(cmd.exception_id)
        if found.status is ExceptionStatus.ACCEPTED:
            raise ExceptionAlreadyAccepted(
                f"exception {found.id} was accepted by {found.accepted_by}"
            )
        uow.reconciliation.accept(found.id, cmd.accepted_by.actor, now, cmd.accepted_by.reason)
        details = {
            "business_date": day.isoformat(),
            "partner": found.partner_id,
            "kind": found.kind.value,
        }
        audit.record(uow, replace(event, details=details), now)
        return replace(
            found,
            status=ExceptionStatus.ACCEPTED,
            accepted_at=now,
            accepted_by=cmd.accepted_by.actor,
            note=cmd.accepted_by.reason,
        )

    return transactions.run(accept, uow_factory=uow_factory)


def accept_exceptions(
    cmd: AcceptExceptions, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> ExceptionsAccepted:
    """Accept every open exception of the day (of one partner, of one kind, or all) with one
    note, as single acceptances do: each records who, when and the note, and the audit log
    records the acceptance with how many it took."""
    note = cmd.accepted_by.reason
    if not note.strip():
        raise InvalidField("say why: accepting exceptions needs a note", field="note")
    kind = _kind(cmd.kind)
    day = cmd.business_date
    target = f"settlement:{day.isoformat()}" + (f":{cmd.partner_id}" if cmd.partner_id else "")

    def accept_all(uow: UnitOfWork) -> ExceptionsAccepted:
        now = clock.now()
        _unapproved_run(uow, day)
        if cmd.partner_id is not None:
            uow.partners.get(cmd.partner_id)
        accepted = uow.reconciliation.accept_all(
            day, cmd.partner_id, kind, accepted_by=cmd.accepted_by.actor, at=now, note=note
        )
        details: dict[str, AuditValue] = {
            "business_date": day.isoformat(),
            "partner": cmd.partner_id or "*",
            "kind": kind.value if kind else "*",
            "accepted": accepted,
        }
        event = cmd.accepted_by.event("settlement.exceptions.accept", target)
        audit.record(uow, replace(event, details=details), now)
        return ExceptionsAccepted(day, cmd.partner_id, kind, accepted, cmd.accepted_by.actor, note)

    return transactions.run(accept_all, uow_factory=uow_factory)


def _kind(text: str | None) -> ExceptionKind | None:
    if text is None:
        return None
    try:
        return ExceptionKind(text)
    except ValueError:
        kinds = ", ".join(kind.value for kind in ExceptionKind)
        raise InvalidField(
            f"kind must be one of {kinds}; got {text[:32]!r}", field="kind"
        ) from None


def approve_settlement(
    cmd: ApproveSettlement, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> SettlementRunView:
    """Approve the day's run: no exception may be open, and the officer who ran it cannot."""
    day = cmd.business_date
    event = cmd.approved_by.event("settlement.approve", f"settlement:{day.isoformat()}")

    def approve(uow: UnitOfWork) -> SettlementRunView:
        now = clock.now()
        run = _unapproved_run(uow, day)
        if person_of(cmd.approved_by.actor) == person_of(run.run_by):
            raise SameOfficer(f"{run.run_by} ran this settlement; another person approves it")
        if open_count := uow.reconciliation.open_exceptions(day):
            raise ExceptionsOpen(
                f"{open_count} reconciliation exceptions of {day.isoformat()} are open; "
                "accept each with a note first"
            )
        uow.settlement.approve(day, cmd.approved_by.actor, now, cmd.approved_by.reason)
        audit.record(uow, event, now)
        return settlement.run_view(uow, _run(uow, day))

    return transactions.run(approve, uow_factory=uow_factory)


def _run(uow: UnitOfWork, business_date: date, *, for_update: bool = False) -> StoredRun:
    stored = uow.settlement.run(business_date, for_update=for_update)
    if stored is None:
        raise SettlementNotFound(f"business day {business_date.isoformat()} is not settled")
    return stored


def _unapproved_run(uow: UnitOfWork, business_date: date) -> StoredRun:
    """The day's run, locked: what changes a day's reconciliation waits for its approval."""
    stored = _run(uow, business_date, for_update=True)
    if stored.status == RunStatus.APPROVED.value:
        raise SettlementApproved(
            f"the settlement of {business_date.isoformat()} was approved by {stored.approved_by}"
        )
    return stored
