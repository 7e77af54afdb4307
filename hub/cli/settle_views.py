"""How ``hub settle`` prints what the hub's settlement service answers.

A run is printed from its signed summary (``summary_json``, the bytes the hub signed), rebuilt
into the settlement model here, so the officer reads the same figures the statements carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import settlement_pb2
from hub.cli.common import notice, print_listing, print_page_json, print_table
from hub.domain.currencies import currency
from hub.domain.money import Money
from hub.services.ports.reconciliation import ExceptionCounts
from hub.services.results import RunStatus, SettlementRunView
from settlement.model import Settlement
from settlement.statements import settlement_from_summary

_DAY_STATES = {
    settlement_pb2.SETTLEMENT_DAY_STATE_NOT_RUN: "not run",
    settlement_pb2.SETTLEMENT_DAY_STATE_RAN: "ran",
    settlement_pb2.SETTLEMENT_DAY_STATE_RECONCILED: "reconciled",
    settlement_pb2.SETTLEMENT_DAY_STATE_APPROVED: "approved",
}


# -- messages to what is printed ----------------------------------------------------------------


def who(actor: settlement_pb2.Actor) -> str:
    """A person as officers read them: ``olga (officer)``; the URI when it names no person."""
    if not actor.person:
        return actor.uri
    return f"{actor.person} ({actor.role})" if actor.role else actor.person


def _instant_of(message: Timestamp, present: bool) -> datetime | None:
    return message.ToDatetime(tzinfo=UTC) if present else None


def run_view(run: settlement_pb2.SettlementRun) -> SettlementRunView:
    """The run the hub answered, with its figures from the signed summary."""
    approved = run.HasField("approved_by_actor")
    return SettlementRunView(
        business_date=date.fromisoformat(run.business_date),
        status=RunStatus(run.status),
        window_start=_instant_of(run.window_start, run.HasField("window_start")),
        window_end=run.window_end.ToDatetime(tzinfo=UTC),
        currency=run.currency,
        run_at=run.run_at.ToDatetime(tzinfo=UTC),
        run_by=who(run.run_by_actor),
        approved_at=_instant_of(run.approved_at, run.HasField("approved_at")),
        approved_by=who(run.approved_by_actor) if approved else None,
        settlement=settlement_from_summary(run.summary_json),
        summary_json=run.summary_json,
        summary_signature=run.summary_signature,
        signing_key_id=run.signing_key_id,
        open_exceptions=run.open_exceptions,
        unreported=tuple(run.unreported_partners),
        approval_note=run.approval_note or None,
    )


def counts_of(message: settlement_pb2.ListExceptionsResponse) -> ExceptionCounts:
    return ExceptionCounts(
        message.missing_at_hub, message.missing_at_partner, message.amount_mismatches
    )


# -- runs -----------------------------------------------------------------------------------


def money(amount_minor: int, code: str) -> str:
    return str(Money(amount_minor, currency(code)))


def instant(value: object) -> str:
    return "the beginning" if value is None else f"{value:%Y-%m-%d %H:%M:%SZ}"


def _section(title: str) -> None:
    print(f"\n{title}:")


def print_run(shown: SettlementRunView) -> None:
    """A run as officers read it: window, who, matrix, net positions, transfers, margin."""
    s, code = shown.settlement, shown.currency
    print(f"settlement {shown.business_date.isoformat()}  {shown.status.value}  ({code})")
    print(f"window {instant(shown.window_start)} .. {instant(shown.window_end)}")
    print(f"ran {instant(shown.run_at)} by {shown.run_by}; {s.transaction_count} transactions")
    if shown.approved_at is not None:
        print(f"approved {instant(shown.approved_at)} by {shown.approved_by}")
    print(f"signed by key {shown.signing_key_id}")
    _section("matrix (points issued by row, redeemed at column; value paid to the redeemer)")
    print_matrix(s)
    _section("net positions")
    print_positions(s)
    _section("transfers")
    print_table(
        ("from", "to", "amount"),
        [(t.from_account, t.to_account, money(t.amount_minor, code)) for t in s.transfers],
    )
    print()
    print(f"margin: {money(s.margin_minor, code)}")
    print(f"breakage: {s.breakage.points} points, {money(s.breakage.value_minor, code)}")
    print(f"adjustments: {len(s.adjustments)}")
    _print_late(s)
    print(f"open exceptions: {shown.open_exceptions}")
    print(f"no report from: {', '.join(shown.unreported) or 'none'}")


def _print_late(s: Settlement) -> None:
    print(f"late operations (committed after their day was settled): {len(s.late)}")
    if s.late:
        print_table(
            ("partner", "kind", "transaction", "order", "stamped", "points"),
            [
                (
                    line.partner_id,
                    line.kind,
                    line.transaction_id,
                    line.order_id,
                    instant(line.created_at),
                    line.points,
                )
                for line in s.late
            ],
        )


def print_matrix(s: Settlement) -> None:
    issuers = sorted({cell.issuer_id for cell in s.matrix})
    redeemers = sorted({cell.redeemer_id for cell in s.matrix})
    cells = {(c.issuer_id, c.redeemer_id): c for c in s.matrix}

    def cell(issuer: str, redeemer: str) -> str | None:
        found = cells.get((issuer, redeemer))
        if found is None:
            return None
        return f"{found.points} pts {money(found.redemption_value_minor, s.currency)}"

    print_table(
        ("issuer \\ redeemer", *redeemers),
        [(issuer, *(cell(issuer, r) for r in redeemers)) for issuer in issuers],
    )


def print_positions(s: Settlement) -> None:
    code = s.currency
    print_table(
        ("partner", "issued pts", "pays", "redeemed pts", "receives", "net"),
        [
            (
                p.partner_id,
                p.issued_partner_funded.points,
                money(p.pays_minor, code),
                p.redeemed.points,
                money(p.receives_minor, code),
                money(p.net_position_minor, code),
            )
            for p in s.partners
        ],
    )


def print_liabilities(owed: settlement_pb2.Liabilities) -> None:
    print(f"outstanding points at the end of {owed.business_date}")
    print_table(
        ("issuer", "points", "value"),
        [(o.issuer_id, o.points, money(o.value_minor, owed.currency)) for o in owed.liabilities],
    )


# -- the night board ------------------------------------------------------------------------


def print_days(page: settlement_pb2.ListSettlementDaysResponse) -> None:
    """Days newest first: state, exceptions, reports in, and who ran and approved them."""
    if print_page_json(page):
        return
    print_listing(
        ("day", "state", "open", "accepted", "reports", "ran by", "approved by", "accepted by"),
        [_day_row(day) for day in page.days],
        page.days,
    )
    notice(f"showing {len(page.days)} of {page.total} days")
    if page.next_page_token:
        notice(f"next page: --page-token {page.next_page_token}")


def _day_row(day: settlement_pb2.SettlementDay) -> tuple[object, ...]:
    reported = sum(1 for partner in day.partners if partner.reported)
    ran = day.HasField("run_by")
    return (
        day.business_date,
        _DAY_STATES.get(day.state, "?"),
        day.open_exceptions if ran else None,
        day.accepted_exceptions if ran else None,
        f"{reported}/{len(day.partners)}" if ran else None,
        who(day.run_by) if ran else None,
        who(day.approved_by) if day.HasField("approved_by") else None,
        ", ".join(f"{who(a.accepted_by)}: {a.exceptions}" for a in day.acceptances) or None,
    )


# -- reconciliation -------------------------------------------------------------------------


def by_kind(counts: ExceptionCounts) -> str:
    return (
        f"{counts.missing_at_hub} missing at the hub, {counts.missing_at_partner} missing at "
        f"the partner, {counts.amount_mismatch} amount mismatches"
    )


def print_page(
    exceptions: Iterable[settlement_pb2.ReconciliationException], total: int, next_token: str
) -> None:
    """A page of exceptions, and whether it is all of them."""
    shown = list(exceptions)
    print_exceptions(shown)
    notice(f"showing {len(shown)} of {total} exceptions")
    if next_token:
        notice(f"next page: --page-token {next_token}")


def print_exceptions(exceptions: Iterable[settlement_pb2.ReconciliationException]) -> None:
    shown = list(exceptions)
    print_listing(
        (
            "exception",
            "partner",
            "kind",
            "item",
            "order",
            "transaction",
            "hub pts",
            "partner pts",
            "line",
            "status",
            "note",
        ),
        [
            (
                e.exception_id,
                e.partner_id,
                e.kind,
                e.item_kind,
                e.order_id or None,
                e.transaction_id or None,
                e.hub_points,
                e.partner_points,
                e.report_line or None,
                e.status,
                e.note or None,
            )
            for e in shown
        ],
        shown,
    )
