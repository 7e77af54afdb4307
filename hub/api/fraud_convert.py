"""Fraud review API messages to commands, and results to messages; no logic beyond the mapping.

Fields the proto leaves at zero take its documented defaults: status "" is open flags, points 0
is every unreserved point, page_size 0 is 50, days 0 is one day, date "" is today in the
coalition's time zone. Errors name the proto field, so nothing is read or written on bad input.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from coalition.hub.v1 import fraud_pb2
from hub.api.admin_convert import attribution
from hub.api.convert import money_message, point_of_sale_message, timestamp
from hub.domain.errors import InvalidAmount, InvalidField
from hub.domain.flags import RESOLUTIONS, AnalystAction, Flag, FlagStatus
from hub.domain.holds import Hold
from hub.domain.ids import parse_id
from hub.domain.limits import FLAG_PAGE_SIZE_DEFAULT, FLAG_PAGE_SIZE_MAX
from hub.domain.lots import Lot
from hub.domain.principals import Principal
from hub.services import commands, paging
from hub.services.fraud_review import REPORT_DAYS_MAX
from hub.services.ports.reviews import AccountTransaction
from hub.services.results import (
    AccountStatusView,
    AccountView,
    Annulled,
    FlagPage,
    FraudReportLine,
    FraudReportView,
    ReviewedHold,
)
from settlement.periods import BUSINESS_DATE_MAX, BUSINESS_DATE_MIN

ALL_STATUSES = "all"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATUS_NAMES = ", ".join([*(s.value for s in FlagStatus), ALL_STATUSES])
_RESOLUTION_NAMES = " or ".join(s.value for s in RESOLUTIONS)


# -- fields -----------------------------------------------------------------------------------


def _optional_id(text: str, *, field: str) -> uuid.UUID | None:
    return parse_id(text, field=field) if text else None


def _said(text: str, *, field: str) -> str:
    # The audit log refuses a blank reason too, but only once the unit of work is open.
    if not text.strip():
        raise InvalidField(f"say why: {field} is required for the audit log", field=field)
    return text


def _staff(by: Principal, reason: str) -> commands.Attribution:
    return attribution(by, _said(reason, field="reason"))


def flag_status(text: str) -> FlagStatus | None:
    """The status a listing asks for: "" is open, ``all`` is ``None`` (every status)."""
    if text == ALL_STATUSES:
        return None
    try:
        return FlagStatus(text or FlagStatus.OPEN.value)
    except ValueError:
        raise InvalidField(f"status must be one of: {_STATUS_NAMES}", field="status") from None


def resolution(text: str) -> FlagStatus:
    if text not in {s.value for s in RESOLUTIONS}:
        raise InvalidField(f"resolution must be {_RESOLUTION_NAMES}", field="resolution")
    return FlagStatus(text)


def page_size(requested: int) -> int:
    return paging.page_size(requested, default=FLAG_PAGE_SIZE_DEFAULT, maximum=FLAG_PAGE_SIZE_MAX)


def points(requested: int) -> int | None:
    """Points to annul: 0 is all of them (``None``)."""
    if requested < 0:
        raise InvalidAmount(f"points must be 0 (all) or more; got {requested}", field="points")
    return requested or None


def business_date(text: str, today: date) -> date:
    if not text:
        return today
    try:
        if _DATE.fullmatch(text):
            parsed = date.fromisoformat(text)
            if BUSINESS_DATE_MIN <= parsed <= BUSINESS_DATE_MAX:  # days around it exist
                return parsed
    except ValueError:
        pass
    raise InvalidField(f"date must be YYYY-MM-DD; got {text[:32]!r}", field="date")


def days(requested: int) -> int:
    if requested == 0:
        return 1
    if not 1 <= requested <= REPORT_DAYS_MAX:
        raise InvalidField(f"days must be 0..{REPORT_DAYS_MAX}; got {requested}", field="days")
    return requested


# -- requests ---------------------------------------------------------------------------------


def list_flags(request: fraud_pb2.ListFlagsRequest) -> commands.ListFlags:
    return commands.ListFlags(
        status=flag_status(request.status),
        member_id=_optional_id(request.member_id, field="member_id"),
        page_size=page_size(request.page_size),
        page_token=request.page_token,
    )


def flag_id(request: fraud_pb2.GetFlagRequest) -> uuid.UUID:
    return parse_id(request.flag_id, field="flag_id")


def get_account(request: fraud_pb2.GetAccountRequest) -> commands.GetAccount:
    return commands.GetAccount(parse_id(request.member_id, field="member_id"))


def freeze(request: fraud_pb2.FreezeMemberRequest, by: Principal) -> commands.FreezeMember:
    return commands.FreezeMember(
        parse_id(request.member_id, field="member_id"),
        _optional_id(request.flag_id, field="flag_id"),
        changed_by=_staff(by, request.reason),
    )


def unfreeze(request: fraud_pb2.UnfreezeMemberRequest, by: Principal) -> commands.UnfreezeMember:
    return commands.UnfreezeMember(
        parse_id(request.member_id, field="member_id"),
        _optional_id(request.flag_id, field="flag_id"),
        changed_by=_staff(by, request.reason),
    )


def annul(request: fraud_pb2.AnnulPointsRequest, by: Principal) -> commands.AnnulPoints:
    return commands.AnnulPoints(
        request.idempotency_key,
        parse_id(request.member_id, field="member_id"),
        points(request.points),
        _optional_id(request.flag_id, field="flag_id"),
        _optional_id(request.operation_id, field="operation_id"),
        changed_by=_staff(by, request.reason),
    )


def release_hold(request: fraud_pb2.ReviewHoldRequest, by: Principal) -> commands.ReleaseHold:
    return commands.ReleaseHold(
        parse_id(request.hold_id, field="hold_id"),
        _optional_id(request.flag_id, field="flag_id"),
        changed_by=_staff(by, request.reason),
    )


def decline_hold(request: fraud_pb2.ReviewHoldRequest, by: Principal) -> commands.DeclineHold:
    return commands.DeclineHold(
        parse_id(request.hold_id, field="hold_id"),
        _optional_id(request.flag_id, field="flag_id"),
        changed_by=_staff(by, request.reason),
    )


def resolve_flag(request: fraud_pb2.ResolveFlagRequest, by: Principal) -> commands.ResolveFlag:
    # The note is the analyst's reason, for the flag and the audit log alike.
    return commands.ResolveFlag(
        parse_id(request.flag_id, field="flag_id"),
        resolution(request.resolution),
        changed_by=attribution(by, _said(request.note, field="note")),
    )


def report(request: fraud_pb2.GetReportRequest, today: date) -> commands.FraudReport:
    """``today`` is the current business date in the coalition's time zone."""
    return commands.FraudReport(business_date(request.date, today), days(request.days))


# -- responses --------------------------------------------------------------------------------


def _text(value: object | None) -> str:
    return "" if value is None else str(value)


def flag_message(flag: Flag) -> fraud_pb2.Flag:
    return fraud_pb2.Flag(
        flag_id=str(flag.id),
        raised_at=timestamp(flag.raised_at),
        partner_id=flag.partner_id,
        member_id=str(flag.member_id),
        operation=flag.operation.value,
        decision=flag.decision.value,
        score=flag.score,
        verdicts=[
            fraud_pb2.Verdict(
                rule=v.rule.value, decision=v.decision.value, score=v.score, detail=v.detail
            )
            for v in flag.verdicts
        ],
        points=flag.points,
        order_id=flag.order_id,
        transaction_id=_text(flag.transaction_id),
        hold_id=_text(flag.hold_id),
        status=flag.status.value,
        resolved_at=timestamp(flag.resolved_at),
        resolved_by=flag.resolved_by,
        note=flag.note,
    )


def flag_page(page: FlagPage) -> fraud_pb2.ListFlagsResponse:
    return fraud_pb2.ListFlagsResponse(
        flags=[flag_message(flag) for flag in page.flags], next_page_token=page.next_page_token
    )


def _transaction(record: AccountTransaction) -> fraud_pb2.AccountTransaction:
    return fraud_pb2.AccountTransaction(
        transaction_id=str(record.id),
        kind=record.kind.value,
        created_at=timestamp(record.created_at),
        partner_id=record.partner_id or "",
        points=record.points,
        order_id=record.order_id or "",
        purchase=money_message(record.purchase),
        point_of_sale=point_of_sale_message(record.point_of_sale),
        related_id=_text(record.related_id),
    )


def _lot(lot: Lot) -> fraud_pb2.AccountLot:
    return fraud_pb2.AccountLot(
        lot_id=str(lot.id),
        partner_id=lot.partner_id,
        points=lot.points,
        remaining_points=lot.remaining_points,
        reserved_points=lot.reserved_points,
        status=lot.status.value,
        created_at=timestamp(lot.created_at),
        available_at=timestamp(lot.available_at),
        expires_at=timestamp(lot.expires_at),
    )


def _hold(hold: Hold) -> fraud_pb2.AccountHold:
    return fraud_pb2.AccountHold(
        hold_id=str(hold.id),
        partner_id=hold.partner_id,
        status=hold.status.value,
        points=hold.points,
        order_id=hold.order_id,
        created_at=timestamp(hold.created_at),
        expires_at=timestamp(hold.expires_at),
    )


def _action(action: AnalystAction) -> fraud_pb2.AnalystAction:
    return fraud_pb2.AnalystAction(
        action=action.action.value,
        actor=action.actor,
        reason=action.reason,
        at=timestamp(action.at),
        flag_id=_text(action.flag_id),
        hold_id=_text(action.hold_id),
        transaction_id=_text(action.transaction_id),
        points=action.points,
    )


def account_message(view: AccountView) -> fraud_pb2.Account:
    member = view.member
    return fraud_pb2.Account(
        member_id=str(member.id),
        status=member.status.value,
        enrolled_at=timestamp(member.enrolled_at),
        enrolled_by=view.enrolled_by,
        tier=member.tier or "",
        available_points=view.available_points,
        pending_points=view.pending_points,
        debt_points=view.debt_points,
        identifiers=[fraud_pb2.AccountIdentifier(kind=k.value) for k in member.identifier_kinds],
        linked_member_ids=[str(linked) for linked in view.linked_member_ids],
        transactions=[_transaction(record) for record in view.transactions],
        lots=[_lot(lot) for lot in view.lots],
        holds=[_hold(hold) for hold in view.holds],
        flags=[flag_message(flag) for flag in view.flags],
        actions=[_action(action) for action in view.actions],
    )


def account_status_message(view: AccountStatusView) -> fraud_pb2.AccountStatus:
    return fraud_pb2.AccountStatus(member_id=str(view.member_id), status=view.status.value)


def annulment_message(result: Annulled) -> fraud_pb2.Annulment:
    return fraud_pb2.Annulment(
        transaction_id=str(result.transaction_id),
        member_id=str(result.member_id),
        points=result.points,
        points_by_partner=dict(result.points_by_partner),
        created_at=timestamp(result.created_at),
        operation_id=str(result.operation_id or ""),
    )


def reviewed_hold_message(result: ReviewedHold) -> fraud_pb2.ReviewedHold:
    return fraud_pb2.ReviewedHold(
        hold_id=str(result.hold_id),
        member_id=str(result.member_id),
        partner_id=result.partner_id,
        status=result.status.value,
        points=result.points,
        expires_at=timestamp(result.expires_at),
    )


def _row(line: FraudReportLine) -> fraud_pb2.ReportRow:
    return fraud_pb2.ReportRow(
        date=line.date.isoformat(),
        partner_id=line.partner_id,
        rule=line.rule,
        raised=line.raised,
        confirmed=line.confirmed,
        false_positives=line.false_positives,
        open=line.open,
        points_annulled=line.points_annulled,
    )


def report_message(view: FraudReportView) -> fraud_pb2.Report:
    return fraud_pb2.Report(rows=[_row(line) for line in view.lines])
