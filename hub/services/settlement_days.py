"""The night board: settlement days, newest first, with their state and who did what, when.

The listing runs from the latest closed business day back to the first settled one. Days
settle in order, so the days after the latest run are the ones not run yet; before anything
was settled the listing holds the latest closed day alone (what the nightly run settles
first). A page is read with a handful of grouped statements over its days, whatever their
volume.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.domain.clock import Clock
from hub.domain.errors import InvalidPageToken, Unauthenticated
from hub.domain.principals import Principal, person_of
from hub.services.commands import ListSettlementDays
from hub.services.paging import page_size
from hub.services.ports.reconciliation import AcceptanceRecord, ExceptionTally, ReportRecord
from hub.services.ports.settlement import RunRecord
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import (
    AcceptanceView,
    ActorView,
    DayState,
    PartnerDayView,
    RunStatus,
    SettlementDayPage,
    SettlementDayView,
)
from hub.services.settlement import SettlementSettings
from settlement.periods import latest_closed_day

SETTLEMENT_DAYS_PAGE_SIZE_DEFAULT = 31
SETTLEMENT_DAYS_PAGE_SIZE_MAX = 366
"""A year of days at most per page: each costs a handful of rows."""
_ONE_DAY = timedelta(days=1)
_PERSON_PREFIX = "staff:"


@dataclass(frozen=True, slots=True)
class _PageRows:
    """What the database holds of a page's days."""

    runs: Mapping[date, RunRecord]
    partners: Mapping[date, Sequence[str]]
    reports: Mapping[tuple[date, str], ReportRecord]
    tallies: Mapping[tuple[date, str], ExceptionTally]
    acceptances: Sequence[AcceptanceRecord]


def list_days(
    cmd: ListSettlementDays,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    settings: SettlementSettings,
) -> SettlementDayPage:
    """A page of settlement days, newest first, with the whole listing's length."""
    limit = page_size(
        cmd.page_size,
        default=SETTLEMENT_DAYS_PAGE_SIZE_DEFAULT,
        maximum=SETTLEMENT_DAYS_PAGE_SIZE_MAX,
    )
    latest_closed = latest_closed_day(clock.now(), settings.zone, settings.cutoff, settings.grace_s)
    newest = min(decode_day_token(cmd.page_token) or latest_closed, latest_closed)
    with uow_factory(read_only=True) as uow:
        first = uow.settlement.first_settled_day() or latest_closed
        oldest = max(first, newest - _ONE_DAY * (limit - 1))
        rows = _read_page(uow, newest, oldest)
    days = [newest - _ONE_DAY * n for n in range((newest - oldest).days + 1)]
    more = bool(days) and days[-1] > first
    return SettlementDayPage(
        days=tuple(day_view(day, rows) for day in days),
        total=max((latest_closed - first).days + 1, 0),
        next_page_token=encode_day_token(days[-1] - _ONE_DAY) if more else "",
    )


def _read_page(uow: UnitOfWork, newest: date, oldest: date) -> _PageRows:
    """The page's days as stored: a handful of grouped reads, whatever the days' volume."""
    return _PageRows(
        runs={run.business_date: run for run in uow.settlement.run_records(newest, oldest)},
        partners=uow.settlement.settled_partners(newest, oldest),
        reports={
            (r.business_date, r.partner_id): r for r in uow.reconciliation.reports(newest, oldest)
        },
        tallies={
            (t.business_date, t.partner_id): t for t in uow.reconciliation.tallies(newest, oldest)
        },
        acceptances=uow.reconciliation.acceptances(newest, oldest),
    )


def day_view(day: date, rows: _PageRows) -> SettlementDayView:
    run = rows.runs.get(day)
    partners = tuple(
        _partner_view(day, partner, rows) for partner in rows.partners.get(day, ()) if run
    )
    open_count = sum(t.open for (on, _), t in rows.tallies.items() if on == day)
    accepted_count = sum(t.accepted for (on, _), t in rows.tallies.items() if on == day)
    return SettlementDayView(
        business_date=day,
        state=day_state(run, partners, open_count),
        run=run,
        run_by=actor_view(run.run_by) if run else None,
        approved_by=actor_view(run.approved_by) if run and run.approved_by else None,
        open_exceptions=open_count,
        accepted_exceptions=accepted_count,
        partners=partners,
        acceptances=tuple(
            AcceptanceView(actor_view(a.accepted_by), a.exceptions, a.last_accepted_at)
            for a in rows.acceptances
            if a.business_date == day
        ),
    )


def _partner_view(day: date, partner_id: str, rows: _PageRows) -> PartnerDayView:
    report = rows.reports.get((day, partner_id))
    tally = rows.tallies.get((day, partner_id))
    return PartnerDayView(
        partner_id=partner_id,
        report=report,
        submitted_by=actor_view(report.submitted_by) if report else None,
        open_exceptions=tally.open if tally else 0,
        accepted_exceptions=tally.accepted if tally else 0,
    )


def day_state(
    run: RunRecord | None, partners: Sequence[PartnerDayView], open_exceptions: int
) -> DayState:
    """Not run; approved; reconciled (every partner's report in, no exception open); or ran."""
    if run is None:
        return DayState.NOT_RUN
    if run.status == RunStatus.APPROVED.value:
        return DayState.APPROVED
    if open_exceptions == 0 and all(p.report is not None for p in partners):
        return DayState.RECONCILED
    return DayState.RAN


def actor_view(actor: str) -> ActorView:
    """The person an audit actor names (see ``person_of``), and the role they acted in."""
    person = person_of(actor)
    name = person.removeprefix(_PERSON_PREFIX) if person.startswith(_PERSON_PREFIX) else ""
    return ActorView(actor, name, _role(actor))


def _role(actor: str) -> str:
    try:
        return Principal.from_uri(actor).role.value
    except Unauthenticated:
        return ""


def encode_day_token(day: date) -> str:
    return base64.urlsafe_b64encode(day.isoformat().encode()).decode().rstrip("=")


def decode_day_token(token: str) -> date | None:
    """The newest day of the page ``token`` starts (``None``: the first page), or
    ``InvalidPageToken``."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        return date.fromisoformat(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidPageToken(
            "page_token is not one this server issued", field="page_token"
        ) from None
