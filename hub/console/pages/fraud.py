"""The fraud queue: open flags grouped by member or by rule, with score, masked card, amounts
and the time left on held redemptions; bulk resolve, freeze and unfreeze, release or decline.

The page is one form: the ticked flags, the resolution and the note go with whichever button
is pressed, so an analyst writes the reason once for the action she takes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from coalition.hub.v1 import fraud_pb2
from hub.console import formats
from hub.console.app import Desk, Route
from hub.console.http import Refusal, Response
from hub.domain.limits import HOLD_EXPIRY_WARNING_S

QUEUE_PAGE_SIZE = 200
GROUPS_MAX = 100
RESOLUTIONS = ("confirmed", "false_positive")
GROUPINGS = ("member", "rule")
ID = r"(?P<{}>[0-9a-f-]{{8,36}})"
_LOCAL_PATH = re.compile(r"/(?![/\\])[\w/?=&.%-]*")
"""Where a form may send the browser back to: this console's own pages, never another site."""


@dataclass(frozen=True)
class QueueRow:
    flag: Any
    rules: str
    card: str
    hold_left: str
    hold_urgent: bool


@dataclass
class QueueGroup:
    """A member's (or a rule's) open flags: the hub's count of the whole queue's
    (``ListFlagGroups``), with this page's flags under it."""

    key: str
    summary: Any = None
    """The hub's ``FlagGroup``; ``None`` for a group past the groups the hub listed."""
    rows: list[QueueRow] = field(default_factory=list)

    @property
    def open_flags(self) -> int:
        return int(self.summary.open_flags) if self.summary else len(self.rows)

    @property
    def score_max(self) -> int:
        if self.summary:
            return int(self.summary.score_max)
        return max(int(row.flag.score) for row in self.rows)

    @property
    def points(self) -> int:
        if self.summary:
            return int(self.summary.points)
        return sum(int(row.flag.points) for row in self.rows)

    @property
    def masks(self) -> str:
        return (
            ", ".join(item.masked for item in self.summary.member_identifiers)
            if self.summary
            else ""
        )

    @property
    def seen_until(self) -> str:
        """The newest flag the page counted, as ``seconds.nanos``: a group resolve stops
        there, so flags raised since wait for a second look."""
        if self.summary:
            newest = int(self.summary.newest_raised_at.ToNanoseconds())
        else:
            newest = max(int(row.flag.raised_at.ToNanoseconds()) for row in self.rows)
        return f"{newest // 10**9}.{newest % 10**9:09d}"


def _card(flag: Any) -> str:
    masked = [item.masked for item in flag.member_identifiers if item.kind == "card"]
    return masked[0] if masked else ""


def _row(flag: Any, now: datetime) -> QueueRow:
    left_s = None
    if flag.HasField("hold_expires_at"):
        left_s = int(flag.hold_expires_at.seconds - now.timestamp())
    return QueueRow(
        flag=flag,
        rules=", ".join(verdict.rule for verdict in flag.verdicts),
        card=_card(flag),
        hold_left="" if left_s is None else formats.time_left(left_s),
        hold_urgent=left_s is not None and left_s < HOLD_EXPIRY_WARNING_S,
    )


def _groups(rows: Iterable[QueueRow], by: str, summaries: Iterable[Any]) -> list[QueueGroup]:
    """The hub's groups in its order (most urgent first), each with this page's flags; then
    any group of this page's flags the hub's listing stopped before."""
    groups = {
        (summary.member_id if by == "member" else summary.rule): QueueGroup(
            summary.member_id if by == "member" else summary.rule, summary
        )
        for summary in summaries
    }
    for row in rows:
        keys = [row.flag.member_id] if by == "member" else [v.rule for v in row.flag.verdicts]
        for key in keys:
            groups.setdefault(key, QueueGroup(key)).rows.append(row)
    return list(groups.values())


def queue(desk: Desk) -> Response:
    by = desk.request.arg("by", "member")
    if by not in GROUPINGS:
        raise Refusal(400, "Group the queue by member or by rule.")
    request = fraud_pb2.ListFlagsRequest(
        status="open",
        page_size=QUEUE_PAGE_SIZE,
        page_token=desk.request.arg("page"),
        expiring_within_s=HOLD_EXPIRY_WARNING_S,
    )
    page = desk.call(desk.link.fraud.ListFlags, request)
    listed = desk.call(
        desk.link.fraud.ListFlagGroups,
        fraud_pb2.ListFlagGroupsRequest(by=by, page_size=GROUPS_MAX),
    )
    # Time left by the hub's clock, which decides expiry, not by this machine's.
    now = page.as_of.ToDatetime(UTC) if page.HasField("as_of") else datetime.now(UTC)
    rows = [_row(flag, now) for flag in page.flags]
    return desk.render(
        "fraud.html",
        by=by,
        groups=_groups(rows, by, listed.groups),
        groups_truncated=listed.truncated,
        count=len(rows),
        urgent=len(page.expiring),  # the whole queue's, not only this page's
        warning_min=HOLD_EXPIRY_WARNING_S // 60,
        next_page=page.next_page_token,
        resolutions=RESOLUTIONS,
    )


def resolve(desk: Desk) -> Response:
    """Resolve the ticked flags with one resolution and one note."""
    resolution, note = _resolution(desk), _reason(desk)
    chosen = desk.request.fields("flag_id")
    if not chosen:
        raise Refusal(400, "Tick the flags to resolve.")
    for flag_id in chosen:
        request = fraud_pb2.ResolveFlagRequest(flag_id=flag_id, resolution=resolution, note=note)
        desk.call(desk.link.fraud.ResolveFlag, request)
    return _back(desk, f"{len(chosen)} flag(s) resolved as {resolution}")


def resolve_group(desk: Desk) -> Response:
    """Resolve every open flag of one member, or of one rule, raised up to the newest the
    analyst saw, with one resolution and one note (``ResolveFlags``)."""
    by, _, rest = desk.request.field("group").partition("|")
    key, _, seen = rest.partition("|")
    if by not in GROUPINGS or not key:
        raise Refusal(400, "Resolve a group of the queue by member or by rule.")
    seconds, _, nanos = seen.partition(".")
    if not (seconds.isdigit() and nanos.isdigit()):
        raise Refusal(400, "The group's newest flag time is missing; reload the queue.")
    request = fraud_pb2.ResolveFlagsRequest(
        member_id=key if by == "member" else "",
        rule=key if by == "rule" else "",
        resolution=_resolution(desk),
        note=_reason(desk),
    )
    request.raised_until.FromNanoseconds(int(seconds) * 10**9 + int(nanos))
    resolved = desk.call(desk.link.fraud.ResolveFlags, request)
    more = " (more remain)" if resolved.more else ""
    return _back(desk, f"{resolved.resolved} flag(s) resolved as {request.resolution}{more}")


def freeze(desk: Desk, member: str) -> Response:
    request = fraud_pb2.FreezeMemberRequest(
        member_id=member, reason=_reason(desk), flag_id=desk.request.field("flag_for_action")
    )
    desk.call(desk.link.fraud.FreezeMember, request)
    return _back(desk, f"member {formats.short_id(member)} frozen")


def unfreeze(desk: Desk, member: str) -> Response:
    request = fraud_pb2.UnfreezeMemberRequest(
        member_id=member, reason=_reason(desk), flag_id=desk.request.field("flag_for_action")
    )
    desk.call(desk.link.fraud.UnfreezeMember, request)
    return _back(desk, f"member {formats.short_id(member)} unfrozen")


def release(desk: Desk, hold: str) -> Response:
    desk.call(desk.link.fraud.ReleaseHold, _hold_request(desk, hold))
    return _back(desk, f"hold {formats.short_id(hold)} released")


def decline(desk: Desk, hold: str) -> Response:
    desk.call(desk.link.fraud.DeclineHold, _hold_request(desk, hold))
    return _back(desk, f"hold {formats.short_id(hold)} declined")


def _hold_request(desk: Desk, hold: str) -> fraud_pb2.ReviewHoldRequest:
    return fraud_pb2.ReviewHoldRequest(
        hold_id=hold, reason=_reason(desk), flag_id=desk.request.field("flag_for_action")
    )


def _resolution(desk: Desk) -> str:
    resolution = desk.request.field("resolution")
    if resolution not in RESOLUTIONS:
        raise Refusal(400, "Resolve as confirmed or false_positive.")
    return resolution


def _reason(desk: Desk) -> str:
    note = desk.request.field("note")
    if not note:
        raise Refusal(400, "Say why in the note: it is recorded with your name.")
    return note


def _back(desk: Desk, notice: str) -> Response:
    """Back where the form was (the queue or a member's page), saying what was done."""
    back = desk.request.field("back")
    target = back if _LOCAL_PATH.fullmatch(back) else "/fraud"
    separator = "&" if "?" in target else "?"
    return Response.redirect(f"{target}{separator}notice={quote(notice)}")


ROUTES = (
    Route("GET", r"/fraud", queue),
    Route("POST", r"/fraud/resolve", resolve),
    Route("POST", r"/fraud/resolve-group", resolve_group),
    Route("POST", r"/members/" + ID.format("member") + r"/freeze", freeze),
    Route("POST", r"/members/" + ID.format("member") + r"/unfreeze", unfreeze),
    Route("POST", r"/holds/" + ID.format("hold") + r"/release", release),
    Route("POST", r"/holds/" + ID.format("hold") + r"/decline", decline),
)
