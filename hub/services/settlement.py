"""Settlement use cases: settle a closed business day, read runs, statements and liabilities.

A run reads one snapshot of the database (the window's sums, the previous day's outstanding
points), computes the settlement, signs the summary and every partner's statements, and stores
them with the run in one transaction. The first run of a day locks it: running it again
returns what was stored, byte for byte. Days settle in order, each from the previous run's end
to its own cutoff, so every transaction lands in exactly one day; a refund of an operation of
a settled day lands in the day it happens and is listed on the statement as an adjustment.

No replica's clock decides what is settled: each run stores the snapshot it read under, and
the next run also settles the operations stamped before its window that the previous run could
not see (committed after it read: a slow commit, a replica whose clock lags), listed as late on
their partners' statements. So nothing is settled twice or never, and after every run the
outstanding points per issuer are the points members hold in that issuer's lots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from time import monotonic
from zoneinfo import ZoneInfo

from hub.domain.audit import AuditEvent
from hub.domain.clock import Clock
from hub.domain.currencies import Currency
from hub.domain.errors import EarlierDayUnsettled, SettlementNotFound, SigningKeyMissing
from hub.domain.money import Rounding
from hub.services import audit, outbox, transactions
from hub.services.commands import Attribution, GetStatement, RunSettlement
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.ports.settlement import Progress, StoredRun, StoredStatement
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import (
    LiabilitiesView,
    RunStatus,
    SettlementRunView,
    SigningKeyView,
    StatementView,
)
from settlement import statements
from settlement.model import BusinessDay, Settlement
from settlement.netting import settle
from settlement.periods import check_closed, day_end, latest_closed_day
from settlement.signing import StatementSigner

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class SettlementSettings:
    currency: Currency
    zone: ZoneInfo
    cutoff: time
    grace_s: int
    signer: StatementSigner | None
    """``None`` when the hub has no signing key: runs then fail with ``SigningKeyMissing``."""

    def require_signer(self) -> StatementSigner:
        if self.signer is None:
            raise SigningKeyMissing(
                "the hub has no statement-signing key; set HUB_SIGNING_KEY (`hub keygen`)"
            )
        return self.signer


def _quiet(step: str) -> None:
    """Progress nobody listens to."""


def run_settlement(
    cmd: RunSettlement,
    progress: Progress | None = None,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    settings: SettlementSettings,
) -> SettlementRunView:
    """Settle ``cmd.business_date`` once it has closed; a settled day is returned as stored."""
    signer, now = settings.require_signer(), clock.now()
    # A duration is measured, not read off ``clock``: the hub's clock may be a simulated one
    # (the demo's days) or step while the run works.
    started_s = monotonic()

    def settle_day(uow: UnitOfWork) -> SettlementRunView:
        if stored := uow.settlement.run(cmd.business_date):
            return run_view(uow, stored)
        check_closed(cmd.business_date, now, settings.zone, settings.cutoff, settings.grace_s)
        latest = uow.settlement.latest_run()
        day = _next_day(latest, cmd.business_date, settings)
        roundings = uow.settlement.roundings()
        settlement = _settle(uow, day, latest, roundings, settings, progress or _quiet)
        (progress or _quiet)("signing statements")
        stored, signed = _signed(settlement, cmd, now, roundings, settings, signer)
        # What this run saw, so the next one settles what it could not (late operations).
        stored = replace(stored, snapshot=uow.settlement.snapshot())
        stored = replace(stored, started_at=now, finished_at=_finished(now, started_s))
        uow.settlement.add_run(stored, signed, settlement.outstanding)
        for statement in signed:
            uow.outbox.add(outbox.settlement_ready(cmd.business_date, statement.partner_id, now))
        audit.record(uow, _run_event(cmd, settlement), now)
        return _view(stored, settlement, open_exceptions=0, reported=())

    return transactions.run(settle_day, uow_factory=uow_factory, snapshot=True)


def _finished(started_at: datetime, started_s: float) -> datetime:
    """When the run's work was done: its start plus the time measured since."""
    return started_at + timedelta(seconds=max(0.0, monotonic() - started_s))


def _next_day(
    latest: StoredRun | None, business_date: date, settings: SettlementSettings
) -> BusinessDay:
    """The day's window: from the latest run's end to the day's cutoff."""
    end = day_end(business_date, settings.zone, settings.cutoff)
    if latest is None:
        return BusinessDay(business_date, None, end)
    if latest.business_date > business_date:
        raise SettlementNotFound(
            f"business day {business_date.isoformat()} precedes the first settled day; its "
            f"transactions were settled in the first run"
        )
    if latest.business_date + _ONE_DAY < business_date:
        unsettled = latest.business_date + _ONE_DAY
        raise EarlierDayUnsettled(
            f"settle {unsettled.isoformat()} first: days settle in order "
            "(`hub settle run` without a date settles every closed day)"
        )
    return BusinessDay(business_date, latest.window_end, end, seen_before=latest.snapshot)


def _settle(
    uow: UnitOfWork,
    day: BusinessDay,
    latest: StoredRun | None,
    roundings: Mapping[str, Rounding],
    settings: SettlementSettings,
    progress: Progress,
) -> Settlement:
    previous = uow.settlement.outstanding(latest.business_date) if latest else ()
    inputs = uow.settlement.inputs(day, previous, progress)
    progress("netting")
    return settle(inputs, settings.currency, roundings)


def _signed(
    settlement: Settlement,
    cmd: RunSettlement,
    now: datetime,
    roundings: Mapping[str, Rounding],
    settings: SettlementSettings,
    signer: StatementSigner,
) -> tuple[StoredRun, list[StoredStatement]]:
    zone, cutoff, money = settings.zone, settings.cutoff, settings.currency
    summary = statements.summary_json(settlement, zone, cutoff)
    run = StoredRun(
        business_date=settlement.day.business_date,
        window_start=settlement.day.start,
        window_end=settlement.day.end,
        currency=settlement.currency,
        status=RunStatus.RAN.value,
        run_at=now,
        run_by=cmd.run_by.actor,
        approved_at=None,
        approved_by=None,
        summary=summary,
        summary_signature=signer.sign(summary),
        signing_key_id=signer.key_id,
    )
    signed = []
    for partner in settlement.partners:
        rounding = roundings[partner.partner_id]
        body = statements.statement_json(
            settlement, partner.partner_id, zone, cutoff, currency=money, rounding=rounding
        )
        table = statements.statement_csv(
            settlement, partner.partner_id, zone, cutoff, currency=money, rounding=rounding
        )
        signed.append(
            StoredStatement(partner.partner_id, body, signer.sign(body), table, signer.sign(table))
        )
    return run, signed


def _run_event(cmd: RunSettlement, settlement: Settlement) -> AuditEvent:
    return cmd.run_by.event(
        "settlement.run",
        f"settlement:{settlement.day.business_date.isoformat()}",
        transactions=settlement.transaction_count,
        margin_minor=settlement.margin_minor,
        currency=settlement.currency,
    )


def run_due(
    by: Attribution,
    progress: WorkProgress = SILENT,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    settings: SettlementSettings,
) -> list[SettlementRunView]:
    """Settle every closed day not settled yet, oldest first (the nightly schedule): from the
    day after the latest run, or only the latest closed day when nothing was ever settled.
    ``progress`` hears of each day settled, and of each step of the day being settled."""
    latest_closed = latest_closed_day(clock.now(), settings.zone, settings.cutoff, settings.grace_s)
    with uow_factory(read_only=True) as uow:
        latest = uow.settlement.latest_run()
    first = latest.business_date + _ONE_DAY if latest else latest_closed
    days = [first + _ONE_DAY * n for n in range((latest_closed - first).days + 1)]
    progress.stage("settling days", len(days), "days")
    runs = []
    for day in days:
        steps = partial(_day_step, progress, day)
        cmd = RunSettlement(day, by)
        runs.append(
            run_settlement(cmd, steps, uow_factory=uow_factory, clock=clock, settings=settings)
        )
        progress.advance(1, f"settled {day.isoformat()}")
    return runs


def _day_step(progress: WorkProgress, day: date, step: str) -> None:
    """A step of one day's run, as a note of the days' progress."""
    progress.note(f"{day.isoformat()}: {step}")


def get_settlement(
    business_date: date | None, *, uow_factory: UnitOfWorkFactory
) -> SettlementRunView:
    """The day's run (the latest when ``None``), or ``SettlementNotFound``."""
    with uow_factory(read_only=True) as uow:
        return run_view(uow, _stored(uow, business_date))


def _stored(uow: UnitOfWork, business_date: date | None) -> StoredRun:
    if business_date is None:
        stored = uow.settlement.latest_run()
        if stored is None:
            raise SettlementNotFound("no business day is settled yet")
        return stored
    stored = uow.settlement.run(business_date)
    if stored is None:
        raise SettlementNotFound(f"business day {business_date.isoformat()} is not settled")
    return stored


def run_view(uow: UnitOfWork, stored: StoredRun) -> SettlementRunView:
    """A stored run as callers see it, with its open reconciliation exceptions counted."""
    settlement = statements.settlement_from_summary(stored.summary)
    day = stored.business_date
    return _view(
        stored,
        settlement,
        open_exceptions=uow.reconciliation.open_exceptions(day),
        reported=uow.reconciliation.reported_partners(day),
    )


def _view(
    stored: StoredRun, settlement: Settlement, *, open_exceptions: int, reported: Sequence[str]
) -> SettlementRunView:
    return SettlementRunView(
        business_date=stored.business_date,
        status=RunStatus(stored.status),
        window_start=stored.window_start,
        window_end=stored.window_end,
        currency=stored.currency,
        run_at=stored.run_at,
        run_by=stored.run_by,
        approved_at=stored.approved_at,
        approved_by=stored.approved_by,
        settlement=settlement,
        summary_json=stored.summary,
        summary_signature=stored.summary_signature,
        signing_key_id=stored.signing_key_id,
        open_exceptions=open_exceptions,
        unreported=tuple(p.partner_id for p in settlement.partners if p.partner_id not in reported),
        approval_note=stored.approval_note,
        run_duration_s=stored.duration_s,
    )


def get_statement(cmd: GetStatement, *, uow_factory: UnitOfWorkFactory) -> StatementView:
    """A partner's signed statement for a settled day, or ``SettlementNotFound``."""
    with uow_factory(read_only=True) as uow:
        stored = _stored(uow, cmd.business_date)
        statement = uow.settlement.statement(cmd.business_date, cmd.partner_id)
    if statement is None:
        raise SettlementNotFound(
            f"business day {cmd.business_date.isoformat()} has no statement for {cmd.partner_id!r}"
        )
    return StatementView(
        partner_id=statement.partner_id,
        business_date=cmd.business_date,
        json=statement.json,
        json_signature=statement.json_signature,
        csv=statement.csv,
        csv_signature=statement.csv_signature,
        signing_key_id=stored.signing_key_id,
    )


def liabilities(business_date: date | None, *, uow_factory: UnitOfWorkFactory) -> LiabilitiesView:
    """Points outstanding per issuing partner at a settled day's end (the latest by default)."""
    with uow_factory(read_only=True) as uow:
        stored = _stored(uow, business_date)
    settlement = statements.settlement_from_summary(stored.summary)
    return LiabilitiesView(
        business_date=stored.business_date,
        currency=stored.currency,
        liabilities=tuple(
            (p.partner_id, p.outstanding) for p in settlement.partners if p.outstanding.points
        ),
    )


def signing_key(*, settings: SettlementSettings) -> SigningKeyView:
    """The public half of the hub's statement-signing key."""
    signer = settings.require_signer()
    return SigningKeyView(signer.key_id, signer.public_key_pem)
