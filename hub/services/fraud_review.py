"""What fraud analysts do: look at an account, freeze, annul, release or decline a held
redemption, resolve flags, and report on the rules (the queue is ``hub.services.fraud_queue``).

Every change records an ``AnalystAction`` (what the account view shows) and an audit-log
record (who, what, why), in the unit of work that makes the change: all three or none.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.domain.annulment import Annulment, annul_operation
from hub.domain.annulment import annul as annul_points
from hub.domain.audit import AuditEvent, AuditValue
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.flags import ActionKind, AnalystAction, Flag
from hub.domain.holds import Hold
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.members import Member
from hub.services import accounts, audit, releases
from hub.services.commands import (
    AnnulPoints,
    Attribution,
    DeclineHold,
    FraudReport,
    FreezeMember,
    GetAccount,
    ReleaseHold,
    ResolveFlag,
    UnfreezeMember,
)
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory, record
from hub.services.results import (
    ACCOUNT_TRANSACTIONS_MAX,
    AccountStatusView,
    AccountView,
    Annulled,
    FraudReportLine,
    FraudReportView,
    ReviewedHold,
)
from hub.services.transactions import execute, run

STAFF_SCOPE = "~staff"
"""Where staff requests keep their idempotency keys: no partner id can take this name."""
ACCOUNT_FLAGS_MAX = 200
"""Flags an account view lists, highest score first."""
REPORT_DAYS_MAX = 92


# -- reading --------------------------------------------------------------------------------


def account(cmd: GetAccount, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> AccountView:
    """The member's account as an analyst sees it: status, balances, links, history, flags and
    what analysts did, in one read-only snapshot."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        member = uow.members.with_identifier_kinds(uow.members.get(cmd.member_id))
        balance, caught_up = accounts.balance_as_of(uow, member.id, now)
        lots, member_holds = accounts.lots_and_holds_as_of(uow, member.id, caught_up, now)
        return AccountView(
            member=member,
            enrolled_by=uow.reviews.enrolled_by(member.id),
            available_points=balance.available_points,
            pending_points=balance.pending_points,
            debt_points=balance.debt_points,
            linked_member_ids=tuple(uow.reviews.linked_members(member.id)),
            transactions=tuple(uow.reviews.transactions(member.id, ACCOUNT_TRANSACTIONS_MAX)),
            lots=lots,
            holds=member_holds,
            flags=tuple(uow.reviews.flags(None, member.id, None, ACCOUNT_FLAGS_MAX)),
            actions=tuple(uow.reviews.actions(member.id)),
            merged_into=uow.merges.merged_into(member.id),
            absorbed_member_ids=tuple(uow.merges.absorbed(member.id)),
        )


# -- changing -------------------------------------------------------------------------------


def _check_flag(uow: UnitOfWork, flag_id: uuid.UUID | None, member_id: uuid.UUID) -> None:
    """The flag an action answers must exist and be about the same member."""
    if flag_id is None:
        return
    flag = uow.reviews.flag(flag_id)
    if flag.member_id != member_id:
        raise InvalidField(f"flag {flag_id} is about another member", field="flag_id")


def _record(
    uow: UnitOfWork,
    event: AuditEvent,
    action: AnalystAction,
    now: datetime,
    **details: AuditValue,
) -> None:
    """The action for the account view and its audit record; the audit log last, as it locks
    the chain's head (see ``hub.services.audit.record``)."""
    uow.reviews.add_action(action)
    if action.flag_id is not None:
        details["flag_id"] = str(action.flag_id)
    audit.record(uow, replace(event, details={**event.details, **details}), now)


def _action(
    kind: ActionKind,
    by: Attribution,
    member_id: uuid.UUID,
    now: datetime,
    *,
    flag_id: uuid.UUID | None,
    hold_id: uuid.UUID | None = None,
    transaction_id: uuid.UUID | None = None,
    points: int = 0,
) -> AnalystAction:
    return AnalystAction(
        new_id(),
        now,
        by.actor,
        kind,
        member_id,
        by.reason,
        flag_id,
        hold_id,
        transaction_id,
        points,
    )


def freeze(cmd: FreezeMember, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> AccountStatusView:
    """Stop the member's earns and redemptions (refused with ``MEMBER_NOT_ACTIVE``)."""
    event = cmd.changed_by.event("member.freeze", f"member:{cmd.member_id}")
    return run(
        lambda uow: _set_status(
            uow, cmd.member_id, cmd.flag_id, cmd.changed_by, event, ActionKind.FREEZE, clock
        ),
        uow_factory=uow_factory,
    )


def unfreeze(
    cmd: UnfreezeMember, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> AccountStatusView:
    """Let the member earn and redeem again."""
    event = cmd.changed_by.event("member.unfreeze", f"member:{cmd.member_id}")
    return run(
        lambda uow: _set_status(
            uow, cmd.member_id, cmd.flag_id, cmd.changed_by, event, ActionKind.UNFREEZE, clock
        ),
        uow_factory=uow_factory,
    )


_TRANSITIONS = {ActionKind.FREEZE: Member.frozen, ActionKind.UNFREEZE: Member.unfrozen}


def _set_status(
    uow: UnitOfWork,
    member_id: uuid.UUID,
    flag_id: uuid.UUID | None,
    by: Attribution,
    event: AuditEvent,
    kind: ActionKind,
    clock: Clock,
) -> AccountStatusView:
    """One attempt at freezing or unfreezing."""
    now = clock.now()
    _check_flag(uow, flag_id, member_id)
    # Locked: an earn deciding on the member's status waits for the change.
    changed = _TRANSITIONS[kind](uow.members.get(member_id, for_update=True))
    uow.members.set_status(member_id, changed.status)
    action = _action(kind, by, member_id, now, flag_id=flag_id)
    _record(uow, event, action, now, status=changed.status.value)
    return AccountStatusView(member_id, changed.status)


def annul(cmd: AnnulPoints, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> Annulled:
    """Take the member's unreserved points (``cmd.points``, or all) off the books, newest
    first, or what is left of one operation's (``cmd.operation_id``), into the coalition's
    adjustments; once per idempotency key."""
    if cmd.operation_id is not None and cmd.points is not None:
        raise InvalidField("annul either a number of points or one operation", field="points")
    event = cmd.changed_by.event("member.annul", f"member:{cmd.member_id}")

    def effect(uow: UnitOfWork, now: datetime) -> Annulled:
        _check_flag(uow, cmd.flag_id, cmd.member_id)
        member = uow.members.get(cmd.member_id)
        annulment = _annulment(uow, cmd, member.id, now)
        record(uow, annulment.update)
        transaction_id = annulment.transaction_id
        action = _action(
            ActionKind.ANNUL,
            cmd.changed_by,
            member.id,
            now,
            flag_id=cmd.flag_id,
            transaction_id=transaction_id,
            points=annulment.points,
        )
        _record(
            uow,
            event,
            action,
            now,
            points=annulment.points,
            transaction_id=str(transaction_id),
            # One detail, however many partners issued the points (details are bounded).
            issued_by=",".join(f"{p}:{n}" for p, n in annulment.points_by_partner),
            **({"operation_id": str(cmd.operation_id)} if cmd.operation_id else {}),
        )
        return Annulled(
            transaction_id,
            member.id,
            annulment.points,
            annulment.points_by_partner,
            now,
            cmd.operation_id,
        )

    request = IdempotentRequest.of("annul_points", cmd, scope=STAFF_SCOPE)
    return execute(request, Annulled, effect, uow_factory=uow_factory, clock=clock)


def _annulment(uow: UnitOfWork, cmd: AnnulPoints, member_id: uuid.UUID, now: datetime) -> Annulment:
    """The annulment ``cmd`` asks for, from the member's lots locked in id order."""
    if cmd.operation_id is None:
        lots = uow.lots.annullable_for_update(member_id)
        return annul_points(member_id, lots, cmd.points, new_id(), now)
    lot = uow.lots.of_earn_for_update(cmd.operation_id)
    return annul_operation(member_id, cmd.operation_id, lot, new_id(), now)


def _reviewed(hold: Hold) -> ReviewedHold:
    return ReviewedHold(
        hold.id, hold.member_id, hold.partner_id, hold.status, hold.points, hold.expires_at
    )


def release_hold(cmd: ReleaseHold, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> ReviewedHold:
    """Let a held redemption be captured, with its full lifetime from now."""
    event = cmd.changed_by.event("hold.release", f"hold:{cmd.hold_id}")

    def release(uow: UnitOfWork) -> ReviewedHold:
        now = clock.now()
        hold = uow.holds.get_any(cmd.hold_id, for_update=True)
        _check_flag(uow, cmd.flag_id, hold.member_id)
        released = hold.released_from_review(now)
        uow.holds.save(released)
        action = _action(
            ActionKind.RELEASE,
            cmd.changed_by,
            hold.member_id,
            now,
            flag_id=cmd.flag_id,
            hold_id=hold.id,
            points=hold.points,
        )
        _record(uow, event, action, now, partner=hold.partner_id, points=hold.points)
        return _reviewed(released)

    return run(release, uow_factory=uow_factory)


def decline_hold(cmd: DeclineHold, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> ReviewedHold:
    """Refuse a held redemption: the points go back to the member, and the partner's capture
    gets ``FRAUD_DECLINED``."""
    event = cmd.changed_by.event("hold.decline", f"hold:{cmd.hold_id}")

    def decline(uow: UnitOfWork) -> ReviewedHold:
        now = clock.now()
        # The hold, then its lots: the lock order of every hold's resolution.
        hold = uow.holds.get_any(cmd.hold_id, for_update=True)
        _check_flag(uow, cmd.flag_id, hold.member_id)
        resolution = releases.release(uow, hold, TransactionKind.VOID, now, declined=True)
        action = _action(
            ActionKind.DECLINE,
            cmd.changed_by,
            hold.member_id,
            now,
            flag_id=cmd.flag_id,
            hold_id=hold.id,
            transaction_id=resolution.hold.resolution_id,
            points=hold.points,
        )
        _record(uow, event, action, now, partner=hold.partner_id, points=hold.points)
        return _reviewed(resolution.hold)

    return run(decline, uow_factory=uow_factory)


def resolve_flag(cmd: ResolveFlag, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> Flag:
    """Close a flag as confirmed or a false positive; the analyst's reason is its note."""
    event = cmd.changed_by.event("flag.resolve", f"flag:{cmd.flag_id}")

    def resolve(uow: UnitOfWork) -> Flag:
        now = clock.now()
        flag = uow.reviews.flag(cmd.flag_id, for_update=True)
        resolved = flag.resolve(cmd.resolution, cmd.changed_by.actor, cmd.changed_by.reason, now)
        uow.reviews.save_flag(resolved)
        action = _action(ActionKind.RESOLVE, cmd.changed_by, flag.member_id, now, flag_id=flag.id)
        _record(uow, event, action, now, resolution=resolved.status.value)
        return resolved

    return run(resolve, uow_factory=uow_factory)


# -- reporting ------------------------------------------------------------------------------


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A business date in the coalition's zone as a UTC window [start, end)."""
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def report(cmd: FraudReport, *, uow_factory: UnitOfWorkFactory, zone: ZoneInfo) -> FraudReportView:
    """Per business date, partner and rule: flags raised, what became of them, points annulled."""
    if not 1 <= cmd.days <= REPORT_DAYS_MAX:
        raise InvalidField(f"days must be 1..{REPORT_DAYS_MAX}; got {cmd.days}", field="days")
    lines: list[FraudReportLine] = []
    with uow_factory(read_only=True) as uow:
        for offset in range(cmd.days):
            day = cmd.first_date + timedelta(days=offset)
            for counts in uow.reviews.report(*day_window(day, zone)):
                lines.append(
                    FraudReportLine(
                        day,
                        counts.partner_id,
                        counts.rule,
                        counts.raised,
                        counts.confirmed,
                        counts.false_positives,
                        counts.open,
                        counts.points_annulled,
                    )
                )
    return FraudReportView(tuple(lines))
