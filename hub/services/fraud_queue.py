"""The analysts' queue: flags page by page, gathered by member or rule, resolved in bulk.

A queue row carries what an analyst decides on without opening the flag: its hold's expiry
(a redemption held for review expires at the hold's TTL if nobody acts), the purchase, and
the member's identifiers, masked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from hub.domain.audit import AuditEvent
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.flags import ActionKind, AnalystAction, Flag
from hub.domain.ids import new_id
from hub.services import audit
from hub.services.commands import ListFlagGroups, ListFlags, ResolveFlags
from hub.services.fraud_tokens import decode_flag_token, encode_flag_token
from hub.services.paging import page_size
from hub.services.ports.reviews import FlagCursor, FlagGroup, FlagSelection, QueuedFlag
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import FlagGroupsView, FlagPage, FlagsResolved
from hub.services.transactions import run

QUEUE_PAGE_SIZE_DEFAULT = 50
QUEUE_PAGE_SIZE_MAX = 500
"""Flags per page of the queue (each carries its verdicts)."""
GROUPS_DEFAULT = 100
GROUPS_MAX = 500
"""Groups per answer of the grouped queue."""
EXPIRING_WITHIN_MAX_S = 24 * 3600
"""The longest look-ahead for held redemptions about to expire."""
EXPIRING_MAX = 100
"""Flags with a hold about to expire one answer lists, soonest first."""
BULK_RESOLVE_MAX = 1000
"""Flags one bulk resolution resolves: one transaction stays short; the rest wait a call."""


def list_flags(cmd: ListFlags, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> FlagPage:
    """One page of flags, highest score first, then oldest first; and, when asked, the open
    flags whose held redemption expires within ``cmd.expiring_within_s``, on any page."""
    limit = page_size(cmd.page_size, default=QUEUE_PAGE_SIZE_DEFAULT, maximum=QUEUE_PAGE_SIZE_MAX)
    after = decode_flag_token(cmd.page_token)
    window = _expiry_window(cmd.expiring_within_s)
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        # One row more than asked tells whether another page follows, without a count query.
        found = uow.reviews.queue(cmd.status, cmd.member_id, after, limit + 1)
        expiring = (
            uow.reviews.expiring(cmd.member_id, now, now + window, EXPIRING_MAX) if window else ()
        )
        page = _completed(uow, [*found[:limit], *expiring], now)
    last = page[limit - 1].flag if len(found) > limit else None
    token = encode_flag_token(FlagCursor(last.score, last.raised_at, last.id)) if last else ""
    shown = min(limit, len(found))
    return FlagPage(page[:shown], token, page[shown:], now)


def _expiry_window(seconds: int) -> timedelta | None:
    if not 0 <= seconds <= EXPIRING_WITHIN_MAX_S:
        raise InvalidField(
            f"expiring_within_s must be 0..{EXPIRING_WITHIN_MAX_S}; got {seconds}",
            field="expiring_within_s",
        )
    return timedelta(seconds=seconds) if seconds else None


def get_flag(flag_id: uuid.UUID, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> QueuedFlag:
    """The flag as the queue shows it, or ``FlagNotFound``."""
    with uow_factory(read_only=True) as uow:
        return _completed(uow, [uow.reviews.queued(flag_id)], clock.now())[0]


def _completed(
    uow: UnitOfWork, rows: Sequence[QueuedFlag], now: datetime
) -> tuple[QueuedFlag, ...]:
    """The rows with their members' identifiers, masked, and the time they were read at."""
    masked = uow.reviews.masked_identifiers(sorted({row.flag.member_id for row in rows}))
    return tuple(
        replace(row, identifiers=masked.get(row.flag.member_id, ()), as_of=now) for row in rows
    )


def flag_groups(
    cmd: ListFlagGroups, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> FlagGroupsView:
    """Open flags by member or by rule, highest score then newest first."""
    limit = page_size(cmd.limit, default=GROUPS_DEFAULT, maximum=GROUPS_MAX)
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        found = uow.reviews.flag_groups(cmd.by, limit + 1)
    groups = tuple(_time_left(group, now) for group in found[:limit])
    return FlagGroupsView(cmd.by, groups, len(found) > limit)


def _time_left(group: FlagGroup, now: datetime) -> FlagGroup:
    if group.hold_expires_at is None:
        return group
    left_s = max(0, int((group.hold_expires_at - now).total_seconds()))
    return replace(group, hold_expires_in_s=left_s)


def resolve_flags(
    cmd: ResolveFlags, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> FlagsResolved:
    """Resolve the open flags of one member or one rule with one resolution and note.

    Each flag is resolved and gets an analyst action (the member view lists it); the audit
    log gets one record of the decision, with its criteria and count: an analyst decided once,
    for one reason, and the flags themselves say who resolved them, when and why.
    """
    if (cmd.member_id is None) == (cmd.rule is None):
        raise InvalidField("resolve the flags of one member or of one rule", field="member_id")

    def resolve(uow: UnitOfWork) -> FlagsResolved:
        now = clock.now()
        selection = FlagSelection(cmd.member_id, cmd.rule, min(cmd.raised_until or now, now))
        found = uow.reviews.open_flags_for_update(selection, BULK_RESOLVE_MAX + 1)
        flags = found[:BULK_RESOLVE_MAX]
        for flag in flags:
            _resolve_one(uow, flag, cmd, now)
        if flags:  # nothing resolved, nothing changed: nothing to audit
            audit.record(uow, _bulk_event(cmd, selection, len(flags)), now)
        return FlagsResolved(tuple(flag.id for flag in flags), len(found) > BULK_RESOLVE_MAX)

    return run(resolve, uow_factory=uow_factory)


def _resolve_one(uow: UnitOfWork, flag: Flag, cmd: ResolveFlags, now: datetime) -> None:
    by = cmd.changed_by
    uow.reviews.save_flag(flag.resolve(cmd.resolution, by.actor, by.reason, now))
    uow.reviews.add_action(
        AnalystAction(
            new_id(), now, by.actor, ActionKind.RESOLVE, flag.member_id, by.reason, flag.id
        )
    )


def _bulk_event(cmd: ResolveFlags, selection: FlagSelection, count: int) -> AuditEvent:
    target = f"member:{cmd.member_id}" if cmd.member_id else f"rule:{cmd.rule}"
    return cmd.changed_by.event(
        "flags.resolve",
        target,
        resolution=cmd.resolution.value,
        flags=count,
        raised_until=selection.raised_until.isoformat(),
    )
