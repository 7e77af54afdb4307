"""Settlement API messages to commands, and results to messages; no logic beyond the mapping.

Officers name the day (and the partner where one is meant); partners act on themselves only:
a partner naming another partner gets ``SETTLEMENT_NOT_FOUND``, as if that statement did not
exist, so partners cannot probe which others were settled. Staff actions are attributed to the
caller's principal URI.
"""

from __future__ import annotations

import uuid
from datetime import date

from google.protobuf.duration_pb2 import Duration

from coalition.hub.v1 import settlement_pb2
from hub.api.admin_convert import attribution
from hub.api.convert import timestamp
from hub.domain.errors import InvalidField, SettlementNotFound
from hub.domain.fields import storable_text
from hub.domain.ids import parse_id
from hub.domain.principals import Principal
from hub.services import commands
from hub.services.ports.reconciliation import ExceptionCounts, ReconciliationExceptionView
from hub.services.results import (
    AcceptanceView,
    ActorView,
    DayState,
    ExceptionPage,
    ExceptionsAccepted,
    LiabilitiesView,
    PartnerDayView,
    ReconciliationView,
    SettlementDayPage,
    SettlementDayView,
    SettlementRunView,
    SigningKeyView,
    StatementView,
)
from hub.services.settlement_days import actor_view
from settlement.model import MatrixCell, PartnerSettlement, Transfer
from settlement.periods import parse_business_date

RUN_REASON = "settlement run"
REPORT_REASON = "report submitted"


# -- fields -----------------------------------------------------------------------------------


def _named_partner(partner_id: str) -> str:
    if not partner_id:
        raise InvalidField("partner_id is required", field="partner_id")
    return storable_text(partner_id, field="partner_id")


def own_partner(requested: str, by: Principal) -> str:
    """The calling partner, which is the only one a partner may name."""
    if requested and requested != by.partner_id:
        raise SettlementNotFound(f"no statement of {requested!r} is yours to see")
    return by.partner_id


def business_date(request: settlement_pb2.GetSettlementRequest) -> date | None:
    """The day asked for; empty is the latest settled day (``None``)."""
    return parse_business_date(request.business_date) if request.business_date else None


def liabilities_date(request: settlement_pb2.GetLiabilitiesRequest) -> date | None:
    """The day asked for; empty is the latest settled day (``None``)."""
    return parse_business_date(request.business_date) if request.business_date else None


def exception_id(request: settlement_pb2.AcceptExceptionRequest) -> uuid.UUID:
    return parse_id(request.exception_id, field="exception_id")


# -- requests ---------------------------------------------------------------------------------


def run_settlement(
    request: settlement_pb2.RunSettlementRequest, by: Principal
) -> commands.RunSettlement:
    return commands.RunSettlement(
        parse_business_date(request.business_date), attribution(by, RUN_REASON)
    )


def officer_statement(request: settlement_pb2.GetStatementRequest) -> commands.GetStatement:
    return commands.GetStatement(
        parse_business_date(request.business_date), _named_partner(request.partner_id)
    )


def partner_statement(
    request: settlement_pb2.GetStatementRequest, by: Principal
) -> commands.GetStatement:
    day = parse_business_date(request.business_date)
    return commands.GetStatement(day, own_partner(request.partner_id, by))


def import_report(
    request: settlement_pb2.ImportReportRequest, by: Principal
) -> commands.ImportReport:
    return commands.ImportReport(
        parse_business_date(request.business_date),
        _named_partner(request.partner_id),
        request.report_csv,
        submitted_by=attribution(by, REPORT_REASON),
    )


def submit_report(
    request: settlement_pb2.SubmitReportRequest, by: Principal
) -> commands.ImportReport:
    return commands.ImportReport(
        parse_business_date(request.business_date),
        by.partner_id,
        request.report_csv,
        submitted_by=attribution(by, REPORT_REASON),
    )


def list_exceptions(request: settlement_pb2.ListExceptionsRequest) -> commands.ListExceptions:
    return commands.ListExceptions(
        parse_business_date(request.business_date),
        storable_text(request.partner_id, field="partner_id") or None,
        include_accepted=request.include_accepted,
        page_size=request.page_size,
        page_token=request.page_token,
        kind=request.kind or None,
    )


def list_report_exceptions(
    request: settlement_pb2.ListReportExceptionsRequest, by: Principal
) -> commands.ListExceptions:
    return commands.ListExceptions(
        parse_business_date(request.business_date),
        by.partner_id,
        include_accepted=request.include_accepted,
        page_size=request.page_size,
        page_token=request.page_token,
    )


def list_days(request: settlement_pb2.ListSettlementDaysRequest) -> commands.ListSettlementDays:
    return commands.ListSettlementDays(page_size=request.page_size, page_token=request.page_token)


def accept_exceptions(
    request: settlement_pb2.AcceptExceptionsRequest, by: Principal
) -> commands.AcceptExceptions:
    # The note is the officer's reason; the use case refuses a blank one, and an unknown kind.
    return commands.AcceptExceptions(
        parse_business_date(request.business_date),
        attribution(by, request.note, field="note"),
        partner_id=storable_text(request.partner_id, field="partner_id") or None,
        kind=request.kind or None,
    )


def accept_exception(
    request: settlement_pb2.AcceptExceptionRequest, by: Principal
) -> commands.AcceptException:
    # The note is the officer's reason; the use case refuses a blank one.
    return commands.AcceptException(
        exception_id(request), attribution(by, request.note, field="note")
    )


def approve(
    request: settlement_pb2.ApproveSettlementRequest, by: Principal
) -> commands.ApproveSettlement:
    return commands.ApproveSettlement(
        parse_business_date(request.business_date), attribution(by, request.note, field="note")
    )


# -- responses --------------------------------------------------------------------------------


def _position(partner: PartnerSettlement) -> settlement_pb2.PartnerPosition:
    return settlement_pb2.PartnerPosition(
        partner_id=partner.partner_id,
        issued_partner_funded_points=partner.issued_partner_funded.points,
        issued_coalition_funded_points=partner.issued_coalition_funded.points,
        issued_value_minor=partner.issued_partner_funded.value_minor,
        redeemed_points=partner.redeemed.points,
        redeemed_value_minor=partner.redeemed.value_minor,
        net_position_minor=partner.net_position_minor,
        expired_points=partner.expired.points,
        annulled_points=partner.annulled.points,
    )


def _cell(cell: MatrixCell) -> settlement_pb2.MatrixCell:
    return settlement_pb2.MatrixCell(
        issuer_id=cell.issuer_id,
        redeemer_id=cell.redeemer_id,
        points=cell.points,
        redemption_value_minor=cell.redemption_value_minor,
        issue_value_minor=cell.issue_value_minor,
    )


def _transfer(transfer: Transfer) -> settlement_pb2.Transfer:
    return settlement_pb2.Transfer(
        from_account=transfer.from_account,
        to_account=transfer.to_account,
        amount_minor=transfer.amount_minor,
    )


def run_message(run: SettlementRunView) -> settlement_pb2.SettlementRun:
    settled = run.settlement
    return settlement_pb2.SettlementRun(
        business_date=run.business_date.isoformat(),
        status=run.status.value,
        window_start=timestamp(run.window_start),
        window_end=timestamp(run.window_end),
        currency=run.currency,
        run_at=timestamp(run.run_at),
        run_by=run.run_by,
        approved_at=timestamp(run.approved_at),
        approved_by=run.approved_by or "",
        positions=[_position(partner) for partner in settled.partners],
        matrix=[_cell(cell) for cell in settled.matrix],
        transfers=[_transfer(transfer) for transfer in settled.transfers],
        margin_minor=settled.margin_minor,
        breakage_points=settled.breakage.points,
        breakage_value_minor=settled.breakage.value_minor,
        open_exceptions=run.open_exceptions,
        summary_json=run.summary_json,
        summary_signature=run.summary_signature,
        signing_key_id=run.signing_key_id,
        run_by_actor=_actor(run.run_by),
        approved_by_actor=_actor(run.approved_by),
        approval_note=run.approval_note or "",
        unreported_partners=run.unreported,
        transaction_count=settled.transaction_count,
        run_duration=_duration(run.run_duration_s),
    )


def _duration(seconds: float | None) -> Duration | None:
    """``seconds`` as a Duration; ``None`` leaves the field unset (a duration not kept)."""
    if seconds is None:
        return None
    message = Duration()
    message.FromNanoseconds(round(seconds * 1e9))
    return message


def _actor(actor: str | None) -> settlement_pb2.Actor | None:
    """The actor and the person behind it; ``None`` (unset) when nobody acted yet."""
    if actor is None:
        return None
    return actor_message(actor_view(actor))


def actor_message(actor: ActorView) -> settlement_pb2.Actor:
    return settlement_pb2.Actor(uri=actor.uri, person=actor.person, role=actor.role)


def statement_message(statement: StatementView) -> settlement_pb2.Statement:
    return settlement_pb2.Statement(
        partner_id=statement.partner_id,
        business_date=statement.business_date.isoformat(),
        json=statement.json,
        json_signature=statement.json_signature,
        csv=statement.csv,
        csv_signature=statement.csv_signature,
        signing_key_id=statement.signing_key_id,
    )


def _text(value: object | None) -> str:
    return "" if value is None else str(value)


def exception_message(
    exception: ReconciliationExceptionView,
) -> settlement_pb2.ReconciliationException:
    return settlement_pb2.ReconciliationException(
        exception_id=str(exception.id),
        business_date=exception.business_date.isoformat(),
        partner_id=exception.partner_id,
        kind=exception.kind.value,
        item_kind=exception.item_kind,
        transaction_id=_text(exception.transaction_id),
        order_id=exception.order_id or "",
        hub_points=exception.hub_points or 0,
        partner_points=exception.partner_points or 0,
        report_line=exception.report_line or 0,
        status=exception.status.value,
        accepted_by=exception.accepted_by or "",
        accepted_at=timestamp(exception.accepted_at),
        note=exception.note or "",
        accepted_by_actor=_actor(exception.accepted_by),
    )


def _counts(counts: ExceptionCounts) -> dict[str, int]:
    return {
        "missing_at_hub": counts.missing_at_hub,
        "missing_at_partner": counts.missing_at_partner,
        "amount_mismatches": counts.amount_mismatch,
    }


def exceptions_message(page: ExceptionPage) -> settlement_pb2.ListExceptionsResponse:
    return settlement_pb2.ListExceptionsResponse(
        exceptions=[exception_message(exception) for exception in page.exceptions],
        total=page.total,
        next_page_token=page.next_page_token,
        **_counts(page.counts),
    )


def reconciliation_message(view: ReconciliationView) -> settlement_pb2.Reconciliation:
    return settlement_pb2.Reconciliation(
        business_date=view.business_date.isoformat(),
        partner_id=view.partner_id,
        matched=view.matched,
        exceptions=[exception_message(exception) for exception in view.exceptions],
        exceptions_total=view.page.total,
        next_page_token=view.page.next_page_token,
        **_counts(view.page.counts),
    )


def accepted_message(accepted: ExceptionsAccepted) -> settlement_pb2.AcceptExceptionsResponse:
    return settlement_pb2.AcceptExceptionsResponse(
        accepted=accepted.accepted, accepted_by=_actor(accepted.accepted_by)
    )


_DAY_STATES = {
    DayState.NOT_RUN: settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN,
    DayState.RAN: settlement_pb2.SETTLEMENT_DAY_STATE_RAN,
    DayState.RECONCILED: settlement_pb2.SETTLEMENT_DAY_STATE_RECONCILED,
    DayState.APPROVED: settlement_pb2.SETTLEMENT_DAY_STATE_APPROVED,
}


def _partner_day(partner: PartnerDayView) -> settlement_pb2.PartnerReconciliation:
    report, submitted_by = partner.report, partner.submitted_by
    return settlement_pb2.PartnerReconciliation(
        partner_id=partner.partner_id,
        reported=report is not None,
        submitted_by=actor_message(submitted_by) if submitted_by else None,
        submitted_at=timestamp(report.submitted_at) if report else None,
        report_lines=report.line_count if report else 0,
        matched=report.matched if report else 0,
        open_exceptions=partner.open_exceptions,
        accepted_exceptions=partner.accepted_exceptions,
    )


def _acceptance(acceptance: AcceptanceView) -> settlement_pb2.Acceptance:
    return settlement_pb2.Acceptance(
        accepted_by=actor_message(acceptance.accepted_by),
        exceptions=acceptance.exceptions,
        last_accepted_at=timestamp(acceptance.last_accepted_at),
    )


def day_message(day: SettlementDayView) -> settlement_pb2.SettlementDay:
    run = day.run
    return settlement_pb2.SettlementDay(
        business_date=day.business_date.isoformat(),
        state=_DAY_STATES[day.state],
        run_by=actor_message(day.run_by) if day.run_by else None,
        run_at=timestamp(run.run_at) if run else None,
        approved_by=actor_message(day.approved_by) if day.approved_by else None,
        approved_at=timestamp(run.approved_at) if run else None,
        approval_note=(run.approval_note or "") if run else "",
        open_exceptions=day.open_exceptions,
        accepted_exceptions=day.accepted_exceptions,
        partners=[_partner_day(partner) for partner in day.partners],
        acceptances=[_acceptance(acceptance) for acceptance in day.acceptances],
        run_duration=_duration(run.duration_s) if run else None,
    )


def days_message(page: SettlementDayPage) -> settlement_pb2.ListSettlementDaysResponse:
    return settlement_pb2.ListSettlementDaysResponse(
        days=[day_message(day) for day in page.days],
        total=page.total,
        next_page_token=page.next_page_token,
    )


def liabilities_message(view: LiabilitiesView) -> settlement_pb2.Liabilities:
    return settlement_pb2.Liabilities(
        business_date=view.business_date.isoformat(),
        currency=view.currency,
        liabilities=[
            settlement_pb2.Liability(
                issuer_id=issuer_id, points=valued.points, value_minor=valued.value_minor
            )
            for issuer_id, valued in view.liabilities
        ],
    )


def signing_key_message(key: SigningKeyView) -> settlement_pb2.SigningKey:
    return settlement_pb2.SigningKey(key_id=key.key_id, public_key_pem=key.public_key_pem)
