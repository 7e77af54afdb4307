"""The member view: one timeline of a member's transactions at every partner (with their
tills), lots, holds, flags and the analysts' actions, identifiers masked, as the hub's
``GetMemberTimeline`` lists them; balances and the holds to act on from ``GetAccount``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coalition.hub.v1 import fraud_pb2
from hub.console import formats
from hub.console.app import Desk, Route
from hub.console.http import Refusal, Response
from hub.console.pages.fraud import ID

ACTIONABLE_HOLDS = ("pending", "in_review")
TIMELINE_PAGE_SIZE = 100


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: Any
    kind: str
    what: str
    partner: str = ""
    till: str = ""
    points: str = ""
    ref: str = ""


def _till(transaction: Any) -> str:
    sale = transaction.point_of_sale
    parts = [sale.store_id, sale.terminal_id, sale.cashier_id and f"cashier {sale.cashier_id}"]
    return " / ".join(part for part in parts if part)


def _flag_text(flag: Any) -> str:
    rules = ", ".join(verdict.rule for verdict in flag.verdicts)
    return f"{rules} (score {flag.score}, {flag.status})"


def _described(kind: str, item: Any) -> tuple[str, str]:
    """What an entry is, and its reference (an order id or a short id)."""
    if kind == "transaction":
        return item.kind, item.order_id
    if kind == "lot":
        return f"{item.status}, {item.remaining_points:,} left", formats.short_id(item.lot_id)
    if kind == "hold":
        return item.status, item.order_id
    if kind == "flag":
        return _flag_text(item), formats.short_id(item.flag_id)
    return f"{item.action} by {item.actor}: {item.reason}", formats.short_id(item.flag_id)


def _moment(entry: Any) -> Moment:
    """One timeline entry as a row of the table."""
    kind = entry.WhichOneof("entry")
    item = getattr(entry, kind)
    what, ref = _described(kind, item)
    at_till = kind == "transaction"
    return Moment(
        at=entry.at,
        kind=kind,
        what=what,
        partner=getattr(item, "partner_id", ""),
        till=_till(item) if at_till else "",
        points=formats.points(item.points) if item.points else "",
        ref=ref,
    )


def lookup(desk: Desk) -> Response:
    member = desk.request.arg("member_id")
    if member:
        return Response.redirect(f"/members/{member}")
    return desk.render("member_lookup.html")


def member(desk: Desk, member: str) -> Response:
    account = desk.call(desk.link.fraud.GetAccount, fraud_pb2.GetAccountRequest(member_id=member))
    request = fraud_pb2.GetMemberTimelineRequest(
        member_id=account.member_id,
        page_size=TIMELINE_PAGE_SIZE,
        page_token=desk.request.arg("page"),
    )
    timeline = desk.call(desk.link.fraud.GetMemberTimeline, request)
    return desk.render(
        "member.html",
        account=account,
        identifiers=[item.masked for item in timeline.identifiers],
        timeline=[_moment(entry) for entry in timeline.entries],
        next_page=timeline.next_page_token,
        holds=[hold for hold in account.holds if hold.status in ACTIONABLE_HOLDS],
    )


def _not_an_id(desk: Desk, rest: str) -> Response:
    raise Refusal(400, "A member id is its UUID, or a unique prefix of 8 hex digits or more.")


ROUTES = (
    Route("GET", r"/members", lookup),
    Route("GET", r"/members/" + ID.format("member"), member),
    Route("GET", r"/members/(?P<rest>.+)", _not_an_id),
)
