"""Officers' night board and day view: where each business day stands, and one day's figures
with its heat map, CSV and signed statements."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from coalition.hub.v1 import settlement_pb2
from hub.console import formats
from hub.console.app import Desk, Route
from hub.console.http import Refusal, Response

DATE = r"(?P<day>\d{4}-\d{2}-\d{2})"
NIGHT_PAGE_DAYS = 14
"""Days on one page of the night board."""
_STATES = {
    settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN: "not run",
    settlement_pb2.SETTLEMENT_DAY_STATE_RAN: "ran",
    settlement_pb2.SETTLEMENT_DAY_STATE_RECONCILED: "reconciled",
    settlement_pb2.SETTLEMENT_DAY_STATE_APPROVED: "approved",
}
_STATEMENT_FILES = {
    "csv": ("csv", "text/csv"),
    "csv.sig": ("csv_signature", "application/octet-stream"),
    "json": ("json", "application/json"),
    "json.sig": ("json_signature", "application/octet-stream"),
}


@dataclass(frozen=True)
class NightRow:
    """One business day on the board."""

    business_date: str
    state: str
    run_by: str = ""
    run_at: str = ""
    approved_by: str = ""
    approved_at: str = ""
    open_exceptions: int = 0
    accepted_exceptions: int = 0
    reported: str = ""
    """Partners whose reports are in, of the day's partners, e.g. ``2 of 3``."""
    accepted_by: str = ""


def _row_of_day(day: Any) -> NightRow:
    reported = sum(1 for partner in day.partners if partner.reported)
    acceptances = ", ".join(
        f"{formats.person(item.accepted_by)} ({item.exceptions})" for item in day.acceptances
    )
    return NightRow(
        business_date=day.business_date,
        state=_STATES.get(day.state, "unknown"),
        run_by=formats.person(day.run_by),
        run_at=formats.when(day.run_at),
        approved_by=formats.person(day.approved_by),
        approved_at=formats.when(day.approved_at),
        open_exceptions=day.open_exceptions,
        accepted_exceptions=day.accepted_exceptions,
        reported=f"{reported} of {len(day.partners)}" if day.partners else "",
        accepted_by=acceptances,
    )


def night_board(desk: Desk) -> Response:
    request = settlement_pb2.ListSettlementDaysRequest(
        page_size=NIGHT_PAGE_DAYS, page_token=desk.request.arg("page")
    )
    listed = desk.call(desk.link.settlement.ListSettlementDays, request)
    rows = [_row_of_day(day) for day in listed.days]
    return desk.render("night.html", rows=rows, next_page=listed.next_page_token)


def _settlement(desk: Desk, business_date: str) -> Any:
    request = settlement_pb2.GetSettlementRequest(business_date=business_date)
    return desk.call(desk.link.settlement.GetSettlement, request)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal(400, f"{text!r} is not a date YYYY-MM-DD.") from None


def run_day(desk: Desk) -> Response:
    business_date = _parse_date(desk.request.field("business_date")).isoformat()
    request = settlement_pb2.RunSettlementRequest(business_date=business_date)
    desk.call(desk.link.settlement.RunSettlement, request)
    return Response.redirect(f"/days/{business_date}?notice=" + quote(f"{business_date} settled"))


def day_view(desk: Desk, day: str) -> Response:
    run = _settlement(desk, day)
    largest = max((cell.points for cell in run.matrix), default=0)
    issuers = sorted({cell.issuer_id for cell in run.matrix})
    redeemers = sorted({cell.redeemer_id for cell in run.matrix})
    cells = {(cell.issuer_id, cell.redeemer_id): cell for cell in run.matrix}
    return desk.render(
        "day.html",
        run=run,
        day=day,
        issuers=issuers,
        redeemers=redeemers,
        cells=cells,
        heat=lambda points: formats.heat(points, largest),
    )


def positions_csv(desk: Desk, day: str) -> Response:
    run = _settlement(desk, day)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "partner_id",
            "issued_partner_funded_points",
            "issued_coalition_funded_points",
            "issued_value_minor",
            "redeemed_points",
            "redeemed_value_minor",
            "net_position_minor",
            "currency",
        ]
    )
    for position in run.positions:
        writer.writerow(
            [
                position.partner_id,
                position.issued_partner_funded_points,
                position.issued_coalition_funded_points,
                position.issued_value_minor,
                position.redeemed_points,
                position.redeemed_value_minor,
                position.net_position_minor,
                run.currency,
            ]
        )
    return Response.download(out.getvalue().encode(), f"settlement-{day}.csv", "text/csv")


def statement(desk: Desk, day: str, partner: str, ext: str) -> Response:
    if ext not in _STATEMENT_FILES:
        raise Refusal(404, "Statements come as csv, csv.sig, json or json.sig.")
    request = settlement_pb2.GetStatementRequest(business_date=day, partner_id=partner)
    found = desk.call(desk.link.settlement.GetStatement, request)
    field, content_type = _STATEMENT_FILES[ext]
    return Response.download(getattr(found, field), f"{partner}-{day}.{ext}", content_type)


ROUTES = (
    Route("GET", r"/night", night_board),
    Route("POST", r"/days/run", run_day),
    Route("GET", rf"/days/{DATE}", day_view),
    Route("GET", rf"/days/{DATE}/positions\.csv", positions_csv),
    Route(
        "GET",
        rf"/days/{DATE}/statements/(?P<partner>[a-z0-9][a-z0-9_-]*)\.(?P<ext>[a-z.]+)",
        statement,
    ),
)
