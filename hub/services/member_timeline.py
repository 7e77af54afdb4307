"""A member's history as one list, for the console's member view: transactions at every
partner (with their tills), lots, holds, flags and the analysts' actions, newest first."""

from __future__ import annotations

from datetime import datetime

from hub.domain.clock import Clock
from hub.domain.holds import Hold, as_of
from hub.services.commands import GetMemberTimeline
from hub.services.fraud_tokens import decode_timeline_token, encode_timeline_token
from hub.services.paging import page_size
from hub.services.ports.reviews import TIMELINE_RANKS, TimelineEntry
from hub.services.ports.unit_of_work import UnitOfWorkFactory
from hub.services.results import MemberTimelineView

TIMELINE_PAGE_SIZE_DEFAULT = 100
TIMELINE_PAGE_SIZE_MAX = 500


def timeline(
    cmd: GetMemberTimeline, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> MemberTimelineView:
    """One page of the member's timeline, newest first; ``MemberNotFound`` for no member."""
    limit = page_size(
        cmd.page_size, default=TIMELINE_PAGE_SIZE_DEFAULT, maximum=TIMELINE_PAGE_SIZE_MAX
    )
    after = decode_timeline_token(cmd.page_token, cmd.member_id)
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        member = uow.members.get(cmd.member_id)
        identifiers = uow.reviews.masked_identifiers([member.id]).get(member.id, ())
        # A page of each kind: whatever the mix, the page's entries are among them.
        found = uow.reviews.timeline(member.id, after, limit + 1)
    merged = sorted(found, key=_order, reverse=True)[: limit + 1]
    page = tuple(_as_of(entry, now) for entry in merged[:limit])
    more = len(merged) > limit
    token = encode_timeline_token(member.id, page[-1].cursor()) if more else ""
    return MemberTimelineView(member, identifiers, page, token)


def _order(entry: TimelineEntry) -> tuple[object, ...]:
    return (entry.at, TIMELINE_RANKS[entry.kind], entry.entry_id.int)


def _as_of(entry: TimelineEntry, now: datetime) -> TimelineEntry:
    """A hold as it stands now: past its expiry it is expired, swept or not."""
    if isinstance(entry.item, Hold):
        return TimelineEntry(entry.at, entry.kind, entry.entry_id, as_of(entry.item, now))
    return entry
