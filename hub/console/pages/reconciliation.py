"""The reconciliation workbench: a day's exceptions paged and filtered by kind and partner,
accepted one by one or in bulk with a note, and approval by a second officer."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from coalition.hub.v1 import settlement_pb2
from hub.console.app import Desk, Route
from hub.console.http import Refusal, Response
from hub.console.pages.settlement import DATE

KINDS = ("missing_at_hub", "missing_at_partner", "amount_mismatch")
EXCEPTIONS_PAGE_SIZE = 50


def workbench(desk: Desk, day: str) -> Response:
    partner, kind = desk.request.arg("partner"), desk.request.arg("kind")
    if kind and kind not in KINDS:
        raise Refusal(400, f"An exception's kind is one of {', '.join(KINDS)}.")
    request = settlement_pb2.ListExceptionsRequest(
        business_date=day,
        partner_id=partner,
        kind=kind,
        include_accepted=desk.request.arg("accepted") == "1",
        page_size=EXCEPTIONS_PAGE_SIZE,
        page_token=desk.request.arg("page"),
    )
    page = desk.call(desk.link.settlement.ListExceptions, request)
    run = desk.call(
        desk.link.settlement.GetSettlement,
        settlement_pb2.GetSettlementRequest(business_date=day),
    )
    filters = {"partner": partner, "kind": kind, "accepted": desk.request.arg("accepted")}
    return desk.render(
        "workbench.html",
        day=day,
        run=run,
        page=page,
        kinds=KINDS,
        filters=filters,
        partners=sorted(position.partner_id for position in run.positions),
        next_query=urlencode({**filters, "page": page.next_page_token}),
    )


def accept(desk: Desk, day: str) -> Response:
    """Accept the ticked exceptions, or with ``all`` every open one the filter selects."""
    note = _note(desk)
    if desk.request.field("scope") == "all":
        request = settlement_pb2.AcceptExceptionsRequest(
            business_date=day,
            partner_id=desk.request.field("partner"),
            kind=desk.request.field("kind"),
            note=note,
        )
        count = desk.call(desk.link.settlement.AcceptExceptions, request).accepted
    else:
        chosen = desk.request.fields("exception_id")
        if not chosen:
            raise Refusal(400, "Tick the exceptions to accept, or accept all of the filter.")
        for exception_id in chosen:
            one = settlement_pb2.AcceptExceptionRequest(exception_id=exception_id, note=note)
            desk.call(desk.link.settlement.AcceptException, one)
        count = len(chosen)
    return _back(day, f"{count} exception(s) accepted")


def approve(desk: Desk, day: str) -> Response:
    request = settlement_pb2.ApproveSettlementRequest(business_date=day, note=_note(desk))
    desk.call(desk.link.settlement.ApproveSettlement, request)
    return Response.redirect(f"/days/{day}?notice=" + quote(f"{day} approved"))


def _note(desk: Desk) -> str:
    note = desk.request.field("note")
    if not note:
        raise Refusal(400, "Say why in the note: it is recorded with your name.")
    return note


def _back(day: str, notice: str) -> Response:
    return Response.redirect(f"/days/{day}/exceptions?notice=" + quote(notice))


ROUTES = (
    Route("GET", rf"/days/{DATE}/exceptions", workbench),
    Route("POST", rf"/days/{DATE}/exceptions/accept", accept),
    Route("POST", rf"/days/{DATE}/approve", approve),
)
