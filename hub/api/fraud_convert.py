"""Fraud review API messages to commands, and results to messages; no logic beyond the mapping.

Fields the proto leaves at zero take its documented defaults: status "" is open flags, points 0
is every unreserved point, page_size 0 is 50, days 0 is one day, date "" is today in the
coalition's time zone. Errors name the proto field, so nothing is written on bad input.

Flag, member and hold ids go through ``resolve`` (the ``resolve_id`` use case): a whole id
costs nothing, a prefix one indexed read that finds the one id it names.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from coalition.hub.v1 import fraud_pb2
from hub.api.admin_convert import attribution
from hub.api.convert import instant, money_message, point_of_sale_message, timestamp
from hub.domain.errors import InvalidAmount, InvalidField
from hub.domain.flags import RESOLUTIONS, AnalystAction, Flag, FlagStatus
from hub.domain.holds import Hold
from hub.domain.ids import parse_id
from hub.domain.lots import Lot
from hub.domain.principals import Principal
from hub.domain.short_ids import IdKind
from hub.services import commands, paging
from hub.services.fraud_queue import QUEUE_PAGE_SIZE_DEFAULT, QUEUE_PAGE_SIZE_MAX
from hub.services.fraud_review import REPORT_DAYS_MAX
from hub.services.member_timeline import TIMELINE_PAGE_SIZE_DEFAULT, TIMELINE_PAGE_SIZE_MAX
from hub.services.ports.reviews import (
    AccountTransaction,
    FlagGroup,
    GroupBy,
    MaskedIdentifier,
    QueuedFlag,
    TimelineEntry,
)
from hub.services.results import (
    AccountStatusView,
    AccountView,
    Annulled,
    FlagGroupsView,
    FlagPage,
    FlagsResolved,
    FraudReportLine,
    FraudReportView,
    MemberTimelineView,
    ReviewedHold,
)
from settlement.periods import BUSINESS_DATE_MAX, BUSINESS_DATE_MIN

ALL_STATUSES = "all"
RULE_LENGTH_MAX = 32
"""A rule's reason code is at most this long (``fraud_flag_rules.rule``)."""

Resolve = Callable[..., uuid.UUID]
"""``resolve(text, IdKind, field=...)``: the id ``text`` names, whole or by a unique prefix."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATUS_NAMES = ", ".join([*(s.value for s in FlagStatus), ALL_STATUSES])
_RESOLUTION_NAMES = " or ".join(s.value for s in RESOLUTIONS)


# -- fields -----------------------------------------------------------------------------------


def _optional_id(text: str, *, field: str) -> uuid.UUID | None:
    return parse_id(text, field=field) if text else None


def _flag(resolve: Resolve, text: str) -> uuid.UUID | None:
    """The flag an action answers, if it names one."""
    return resolve(text, IdKind.FLAG, field="flag_id") if text else None


def group_by(text: str) -> GroupBy:
    try:
        return GroupBy(text)
    except ValueError:
        raise InvalidField("by must be member or rule", field="by") from None


def _rule(text: str) -> str | None:
    if not text:
        return None
    if len(text) > RULE_LENGTH_MAX or not text.replace("_", "").isalnum():
        raise InvalidField(f"rule must be a rule's reason code; got {text[:40]!r}", field="rule")
    return text


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
    return paging.page_size(requested, default=QUEUE_PAGE_SIZE_DEFAULT, maximum=QUEUE_PAGE_SIZE_MAX)


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


def list_flags(request: fraud_pb2.ListFlagsRequest, resolve: Resolve) -> commands.ListFlags:
    status, size = flag_status(request.status), page_size(request.page_size)
    member_id = (
        resolve(request.member_id, IdKind.MEMBER, field="member_id") if request.member_id else None
    )
    return commands.ListFlags(
        status, member_id, size, request.page_token, request.expiring_within_s
    )


def flag_id(request: fraud_pb2.GetFlagRequest, resolve: Resolve) -> uuid.UUID:
    return resolve(request.flag_id, IdKind.FLAG, field="flag_id")


def get_account(request: fraud_pb2.GetAccountRequest, resolve: Resolve) -> commands.GetAccount:
    return commands.GetAccount(resolve(request.member_id, IdKind.MEMBER, field="member_id"))


def freeze(
    request: fraud_pb2.FreezeMemberRequest, by: Principal, resolve: Resolve
) -> commands.FreezeMember:
    changed_by = _staff(by, request.reason)
    return commands.FreezeMember(
        resolve(request.member_id, IdKind.MEMBER, field="member_id"),
        _flag(resolve, request.flag_id),
        changed_by=changed_by,
    )


def unfreeze(
    request: fraud_pb2.UnfreezeMemberRequest, by: Principal, resolve: Resolve
) -> commands.UnfreezeMember:
    changed_by = _staff(by, request.reason)
    return commands.UnfreezeMember(
        resolve(request.member_id, IdKind.MEMBER, field="member_id"),
        _flag(resolve, request.flag_id),
        changed_by=changed_by,
    )


def annul(
    request: fraud_pb2.AnnulPointsRequest, by: Principal, resolve: Resolve
) -> commands.AnnulPoints:
    changed_by, how_many = _staff(by, request.reason), points(request.points)
    operation_id = _optional_id(request.operation_id, field="operation_id")
    return commands.AnnulPoints(
        request.idempotency_key,
        resolve(request.member_id, IdKind.MEMBER, field="member_id"),
        how_many,
        _flag(resolve, request.flag_id),
        operation_id,
        changed_by=changed_by,
    )


def release_hold(
    request: fraud_pb2.ReviewHoldRequest, by: Principal, resolve: Resolve
) -> commands.ReleaseHold:
    changed_by = _staff(by, request.reason)
    return commands.ReleaseHold(
        resolve(request.hold_id, IdKind.HOLD, field="hold_id"),
        _flag(resolve, request.flag_id),
        changed_by=changed_by,
    )


def decline_hold(
    request: fraud_pb2.ReviewHoldRequest, by: Principal, resolve: Resolve
) -> commands.DeclineHold:
    changed_by = _staff(by, request.reason)
    return commands.DeclineHold(
        resolve(request.hold_id, IdKind.HOLD, field="hold_id"),
        _flag(resolve, request.flag_id),
        changed_by=changed_by,
    )


def resolve_flag(
    request: fraud_pb2.ResolveFlagRequest, by: Principal, resolve: Resolve
) -> commands.ResolveFlag:
    # The note is the analyst's reason, for the flag and the audit log alike.
    changed_by = attribution(by, _said(request.note, field="note"))
    verdict = resolution(request.resolution)
    return commands.ResolveFlag(
        resolve(request.flag_id, IdKind.FLAG, field="flag_id"), verdict, changed_by=changed_by
    )


def flag_groups(request: fraud_pb2.ListFlagGroupsRequest) -> commands.ListFlagGroups:
    return commands.ListFlagGroups(group_by(request.by), request.page_size)


def resolve_flags(
    request: fraud_pb2.ResolveFlagsRequest, by: Principal, resolve: Resolve
) -> commands.ResolveFlags:
    """One member's or one rule's open flags; the member is resolved last, after every field
    that needs no read was checked."""
    changed_by = attribution(by, _said(request.note, field="note"))
    verdict, rule = resolution(request.resolution), _rule(request.rule)
    if bool(request.member_id) == bool(rule):
        raise InvalidField("give member_id or rule, not both or neither", field="member_id")
    until = _until(request)
    member_id = resolve(request.member_id, IdKind.MEMBER, field="member_id") if not rule else None
    return commands.ResolveFlags(member_id, rule, verdict, until, changed_by=changed_by)


def _until(request: fraud_pb2.ResolveFlagsRequest) -> datetime | None:
    if not request.HasField("raised_until"):
        return None
    return instant(request.raised_until, "raised_until")


def timeline(
    request: fraud_pb2.GetMemberTimelineRequest, resolve: Resolve
) -> commands.GetMemberTimeline:
    size = paging.page_size(
        request.page_size, default=TIMELINE_PAGE_SIZE_DEFAULT, maximum=TIMELINE_PAGE_SIZE_MAX
    )
    member_id = resolve(request.member_id, IdKind.MEMBER, field="member_id")
    return commands.GetMemberTimeline(member_id, size, request.page_token)


def report(request: fraud_pb2.GetReportRequest, today: date) -> commands.FraudReport:
    """``today`` is the current business date in the coalition's time zone."""
    if not 0 <= request.days_ago <= REPORT_DAYS_MAX:
        raise InvalidField(f"days_ago must be 0..{REPORT_DAYS_MAX}", field="days_ago")
    first = business_date(request.date, today - timedelta(days=request.days_ago))
    return commands.FraudReport(first, days(request.days))


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


def masked_message(identifier: MaskedIdentifier) -> fraud_pb2.MaskedIdentifier:
    return fraud_pb2.MaskedIdentifier(kind=identifier.kind.value, masked=identifier.masked)


def queued_flag_message(row: QueuedFlag) -> fraud_pb2.Flag:
    """The flag with its hold's state and expiry, its purchase and the member's identifiers."""
    message = flag_message(row.flag)
    message.hold_status = row.hold_status.value if row.hold_status else ""
    if (expires_at := timestamp(row.open_hold_expires_at)) is not None:
        message.hold_expires_at.CopyFrom(expires_at)
    if (purchase := money_message(row.purchase)) is not None:
        message.purchase.CopyFrom(purchase)
    message.member_identifiers.extend(masked_message(i) for i in row.identifiers)
    message.hold_expires_in_s = row.hold_expires_in_s or 0
    return message


def flag_page(page: FlagPage) -> fraud_pb2.ListFlagsResponse:
    return fraud_pb2.ListFlagsResponse(
        flags=[queued_flag_message(row) for row in page.flags],
        next_page_token=page.next_page_token,
        expiring=[queued_flag_message(row) for row in page.expiring],
        as_of=timestamp(page.as_of),
    )


def _group(group: FlagGroup, by: GroupBy) -> fraud_pb2.FlagGroup:
    return fraud_pb2.FlagGroup(
        member_id=group.key if by is GroupBy.MEMBER else "",
        rule=group.key if by is GroupBy.RULE else "",
        open_flags=group.open_flags,
        score_max=group.score_max,
        newest_raised_at=timestamp(group.newest_raised_at),
        oldest_raised_at=timestamp(group.oldest_raised_at),
        partner_ids=group.partner_ids,
        points=group.points,
        hold_expires_at=timestamp(group.hold_expires_at),
        member_identifiers=[masked_message(i) for i in group.identifiers],
        hold_expires_in_s=group.hold_expires_in_s or 0,
    )


def flag_groups_message(view: FlagGroupsView) -> fraud_pb2.ListFlagGroupsResponse:
    return fraud_pb2.ListFlagGroupsResponse(
        groups=[_group(group, view.by) for group in view.groups], truncated=view.truncated
    )


def resolved_flags_message(result: FlagsResolved) -> fraud_pb2.ResolveFlagsResponse:
    return fraud_pb2.ResolveFlagsResponse(
        resolved=len(result.flag_ids),
        flag_ids=[str(flag_id) for flag_id in result.flag_ids],
        more=result.more,
    )


def _entry(entry: TimelineEntry) -> fraud_pb2.TimelineEntry:
    item, at = entry.item, timestamp(entry.at)
    if isinstance(item, Flag):
        return fraud_pb2.TimelineEntry(at=at, flag=flag_message(item))
    if isinstance(item, AnalystAction):
        return fraud_pb2.TimelineEntry(at=at, action=_action(item))
    if isinstance(item, Hold):
        return fraud_pb2.TimelineEntry(at=at, hold=_hold(item))
    if isinstance(item, Lot):
        return fraud_pb2.TimelineEntry(at=at, lot=_lot(item))
    return fraud_pb2.TimelineEntry(at=at, transaction=_transaction(item))


def timeline_message(view: MemberTimelineView) -> fraud_pb2.GetMemberTimelineResponse:
    return fraud_pb2.GetMemberTimelineResponse(
        member_id=str(view.member.id),
        status=view.member.status.value,
        identifiers=[masked_message(i) for i in view.identifiers],
        entries=[_entry(entry) for entry in view.entries],
        next_page_token=view.next_page_token,
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
        merged_into_member_id=_text(view.merged_into),
        absorbed_member_ids=[str(absorbed) for absorbed in view.absorbed_member_ids],
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
