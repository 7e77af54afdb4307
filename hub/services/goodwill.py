"""Goodwill credits: analysts and operators credit a member points with a reason and a funder;
above the four-eyes threshold another person approves (or someone rejects) first.

Every step records an audit-log record in the unit of work that makes it: a request, a post, an
approval or a rejection commits with its trace or not at all. Postings go through
``hub.domain.goodwill.posting``, which pays the member's refund debt first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.audit import AuditEvent, AuditValue
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField, NoRateInForce
from hub.domain.goodwill import (
    GoodwillCredit,
    GoodwillRequest,
    GoodwillStatus,
    Issuer,
    needs_approval,
    posting,
)
from hub.domain.ids import new_id
from hub.domain.rules import Funder
from hub.services import audit
from hub.services.commands import DecideGoodwillCredit, ListGoodwillCredits, RequestGoodwillCredit
from hub.services.fraud_review import STAFF_SCOPE
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.transactions import execute, run

LIST_LIMIT_MAX = 500


def request_credit(
    cmd: RequestGoodwillCredit,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    zone: ZoneInfo,
    approval_points: int,
) -> GoodwillCredit:
    """Ask to credit the member: posted at once up to ``approval_points``, else pending until
    another person approves; once per idempotency key."""
    wanted = GoodwillRequest(
        cmd.member_id, cmd.points, cmd.funder, cmd.partner_id, cmd.changed_by.reason
    ).checked()
    event = cmd.changed_by.event("goodwill.request", f"member:{cmd.member_id}")

    def effect(uow: UnitOfWork, now: datetime) -> GoodwillCredit:
        credit = GoodwillCredit(new_id(), wanted, GoodwillStatus.PENDING, cmd.changed_by.actor, now)
        if needs_approval(wanted.points, approval_points):
            _issuer(uow, wanted, now)  # refuse now what approval would refuse
        else:
            credit = _post(uow, credit, None, now, zone)
        uow.goodwill.add(credit)
        audit.record(uow, _with_details(event, credit), now)
        return credit

    request = IdempotentRequest.of("goodwill_request", cmd, scope=STAFF_SCOPE)
    return execute(request, GoodwillCredit, effect, uow_factory=uow_factory, clock=clock)


def approve_credit(
    cmd: DecideGoodwillCredit, *, uow_factory: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo
) -> GoodwillCredit:
    """Post a pending credit; the approver is another person than the requester."""
    event = cmd.changed_by.event("goodwill.approve", f"goodwill:{cmd.credit_id}")

    def approve(uow: UnitOfWork) -> GoodwillCredit:
        now = clock.now()
        # Locked first: of two people approving at once, the second finds it decided.
        credit = uow.goodwill.get(cmd.credit_id, for_update=True)
        credit.check_approver(cmd.changed_by.actor)
        posted = _post(uow, credit, cmd.changed_by.actor, now, zone)
        uow.goodwill.save(posted)
        audit.record(uow, _with_details(event, posted), now)
        return posted

    return run(approve, uow_factory=uow_factory)


def reject_credit(
    cmd: DecideGoodwillCredit, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> GoodwillCredit:
    """Close a pending credit without posting it; the reason is the note."""
    event = cmd.changed_by.event("goodwill.reject", f"goodwill:{cmd.credit_id}")

    def reject(uow: UnitOfWork) -> GoodwillCredit:
        now = clock.now()
        credit = uow.goodwill.get(cmd.credit_id, for_update=True)
        rejected = credit.rejected(cmd.changed_by.actor, now, cmd.changed_by.reason)
        uow.goodwill.save(rejected)
        audit.record(uow, _with_details(event, rejected), now)
        return rejected

    return run(reject, uow_factory=uow_factory)


def list_credits(
    cmd: ListGoodwillCredits, *, uow_factory: UnitOfWorkFactory
) -> tuple[GoodwillCredit, ...]:
    """Credits newest first (the pending ones: what waits for a second person)."""
    if not 1 <= cmd.limit <= LIST_LIMIT_MAX:
        raise InvalidField(f"limit must be 1..{LIST_LIMIT_MAX}; got {cmd.limit}", field="limit")
    with uow_factory(read_only=True) as uow:
        return tuple(uow.goodwill.list(cmd.status, cmd.member_id, cmd.limit))


def _post(
    uow: UnitOfWork, credit: GoodwillCredit, by: str | None, now: datetime, zone: ZoneInfo
) -> GoodwillCredit:
    """Queue the credit's posting, the member and its debt account locked (the lock order of
    every credit); returns the credit as posted."""
    request = credit.request
    issuer = _issuer(uow, request, now)
    debt_points = uow.members.debt_for_update(request.member_id)
    posted = posting(
        request,
        issuer,
        transaction_id=new_id(),
        lot_id=new_id(),
        now=now,
        zone=zone,
        debt_points=debt_points,
    )
    uow.ledger.add(posted.transaction)
    if posted.lot is not None:
        uow.lots.add(posted.lot)
    return credit.posted(by, now, posted.transaction.id)


def _issuer(uow: UnitOfWork, request: GoodwillRequest, now: datetime) -> Issuer:
    """The member, locked and active, and the partner whose lot the points become: the paying
    partner (active), or for the coalition the member's enrolling partner."""
    member = uow.members.get(request.member_id, for_update=True)
    member.require_active()
    partner_id = request.partner_id or uow.reviews.enrolled_by(member.id)
    context = uow.partners.for_call(partner_id, now)
    if request.funder is Funder.PARTNER:
        context.partner.require_active()
    if context.rate is None:
        raise NoRateInForce(f"partner {partner_id} has no rates in force")
    return Issuer(context.partner, context.rate)


def _with_details(event: AuditEvent, credit: GoodwillCredit) -> AuditEvent:
    request = credit.request
    details: dict[str, AuditValue] = {
        "credit_id": str(credit.id),
        "points": request.points,
        "funder": request.funder.value,
        "partner": request.partner_id,
        "status": credit.status.value,
        "transaction_id": str(credit.transaction_id) if credit.transaction_id else None,
    }
    return replace(event, details={**event.details, **details})
