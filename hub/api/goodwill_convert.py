"""Goodwill API messages to commands and back (``protos/coalition/hub/v1/goodwill.proto``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from coalition.hub.v1 import common_pb2, goodwill_pb2
from hub.api.admin_convert import attribution
from hub.api.convert import timestamp
from hub.domain.errors import InvalidField
from hub.domain.goodwill import GoodwillCredit, GoodwillStatus
from hub.domain.ids import parse_id
from hub.domain.principals import Principal
from hub.domain.rules import Funder
from hub.domain.short_ids import IdKind
from hub.services import commands

Resolve = Callable[..., uuid.UUID]
"""``resolve(text, IdKind, field=...)``: a whole id, or the one a unique prefix names."""
LIST_LIMIT_DEFAULT = 100

_FUNDERS: dict[int, Funder] = {
    common_pb2.FUNDER_PARTNER: Funder.PARTNER,
    common_pb2.FUNDER_COALITION: Funder.COALITION,
}
_FUNDERS_OUT: dict[Funder, common_pb2.Funder] = {
    Funder.PARTNER: common_pb2.FUNDER_PARTNER,
    Funder.COALITION: common_pb2.FUNDER_COALITION,
}
_STATUSES: dict[int, GoodwillStatus] = {
    goodwill_pb2.GOODWILL_STATUS_PENDING: GoodwillStatus.PENDING,
    goodwill_pb2.GOODWILL_STATUS_POSTED: GoodwillStatus.POSTED,
    goodwill_pb2.GOODWILL_STATUS_REJECTED: GoodwillStatus.REJECTED,
}
_STATUSES_OUT: dict[GoodwillStatus, goodwill_pb2.GoodwillStatus] = {
    GoodwillStatus.PENDING: goodwill_pb2.GOODWILL_STATUS_PENDING,
    GoodwillStatus.POSTED: goodwill_pb2.GOODWILL_STATUS_POSTED,
    GoodwillStatus.REJECTED: goodwill_pb2.GOODWILL_STATUS_REJECTED,
}


def _funder(number: int) -> Funder:
    if (funder := _FUNDERS.get(number)) is None:
        raise InvalidField("funder must be FUNDER_PARTNER or FUNDER_COALITION", field="funder")
    return funder


def request_credit(
    request: goodwill_pb2.RequestCreditRequest, by: Principal, resolve: Resolve
) -> commands.RequestGoodwillCredit:
    changed_by = attribution(by, request.reason)
    return commands.RequestGoodwillCredit(
        request.idempotency_key,
        resolve(request.member_id, IdKind.MEMBER, field="member_id"),
        request.points,
        _funder(request.funder),
        request.partner_id or None,
        changed_by=changed_by,
    )


def decide_credit(
    request: goodwill_pb2.ApproveCreditRequest | goodwill_pb2.RejectCreditRequest, by: Principal
) -> commands.DecideGoodwillCredit:
    changed_by = attribution(by, request.reason)
    credit_id = parse_id(request.credit_id, field="credit_id")
    return commands.DecideGoodwillCredit(credit_id, changed_by=changed_by)


def list_credits(
    request: goodwill_pb2.ListCreditsRequest, resolve: Resolve
) -> commands.ListGoodwillCredits:
    status = _STATUSES.get(request.status)
    if status is None and request.status != goodwill_pb2.GOODWILL_STATUS_UNSPECIFIED:
        raise InvalidField(f"unknown status {request.status}", field="status")
    member_id = None
    if request.member_id:
        member_id = resolve(request.member_id, IdKind.MEMBER, field="member_id")
    return commands.ListGoodwillCredits(status, member_id, request.limit or LIST_LIMIT_DEFAULT)


def credit_message(credit: GoodwillCredit) -> goodwill_pb2.GoodwillCredit:
    asked = credit.request
    return goodwill_pb2.GoodwillCredit(
        credit_id=str(credit.id),
        member_id=str(asked.member_id),
        points=asked.points,
        funder=_FUNDERS_OUT[asked.funder],
        partner_id=asked.partner_id or "",
        reason=asked.reason,
        status=_STATUSES_OUT[credit.status],
        requested_by=credit.requested_by,
        requested_at=timestamp(credit.requested_at),
        decided_by=credit.decided_by or "",
        decided_at=timestamp(credit.decided_at),
        decision_note=credit.decision_note or "",
        transaction_id=str(credit.transaction_id) if credit.transaction_id else "",
    )
