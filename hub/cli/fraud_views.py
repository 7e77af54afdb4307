"""How ``hub fraud`` prints what the fraud review service answers: the queue, groups, a flag,
an account, a timeline and the report. Every printer reads the service's messages, so the CLI
shows exactly what the console gets; the demo's domain results are converted first."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2, fraud_pb2
from hub.api import fraud_convert
from hub.cli.common import TABLE_STYLE, print_listing, print_table
from hub.domain.currencies import currency
from hub.domain.money import Money
from hub.services.ports.reviews import QueuedFlag
from hub.services.results import FraudReportView

REPORT_COLUMNS = (
    "date",
    "partner",
    "rule",
    "raised",
    "confirmed",
    "false_positives",
    "open",
    "points_annulled",
)
COMPACT_QUEUE_COLUMNS = ("score", "flag", "raised", "member", "card", "points", "hold", "rules")
QUEUE_COLUMNS = (
    "score",
    "flag",
    "raised",
    "partner",
    "member",
    "identifier",
    "operation",
    "points",
    "purchase",
    "hold",
    "rules",
)


def when(moment: Timestamp) -> str | None:
    """A timestamp as UTC to the second; ``None`` (shown as ``-``) when unset."""
    if not moment.seconds and not moment.nanos:
        return None
    return f"{moment.ToDatetime(tzinfo=UTC):%Y-%m-%d %H:%M:%SZ}"


def instant(moment: Timestamp) -> datetime:
    return moment.ToDatetime(tzinfo=UTC)


def time_left(seconds: int) -> str:
    """``1h05m``, ``4m10s``; ``expiring`` at 0 (the sweeper has not got to it yet)."""
    if seconds <= 0:
        return "expiring"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def money(message: common_pb2.Money) -> str | None:
    if not message.currency:
        return None
    return str(Money(message.amount_minor, currency(message.currency)))


def masked(identifiers: Sequence[fraud_pb2.MaskedIdentifier]) -> str | None:
    """The first identifier's mask (cards come first), and how many more."""
    if not identifiers:
        return None
    more = f" +{len(identifiers) - 1}" if len(identifiers) > 1 else ""
    return f"{identifiers[0].masked}{more}"


def hold_cell(flag: fraud_pb2.Flag) -> str | None:
    """The held redemption's time left while it is open, else its state."""
    if flag.HasField("hold_expires_at"):
        return f"{flag.hold_status} {time_left(flag.hold_expires_in_s)} left"
    return flag.hold_status or None


def rules_of(flag: fraud_pb2.Flag) -> str:
    return ",".join(v.rule for v in flag.verdicts)


def print_flag_rows(flags: Sequence[fraud_pb2.Flag], out: TextIO | None = None) -> None:
    """The queue's rows: every column with ``--wide``; else the ones an analyst triages by,
    in 100 columns (partner, operation and purchase are on ``hub fraud flag``)."""
    if TABLE_STYLE.wide:
        print_listing(QUEUE_COLUMNS, [_wide_row(f) for f in flags], flags, out)
        return
    print_listing(COMPACT_QUEUE_COLUMNS, [_compact_row(f) for f in flags], flags, out)


def _wide_row(f: fraud_pb2.Flag) -> tuple[object, ...]:
    return (
        f.score,
        f.flag_id,
        when(f.raised_at),
        f.partner_id,
        f.member_id,
        masked(f.member_identifiers),
        f.operation,
        f.points,
        money(f.purchase),
        hold_cell(f),
        rules_of(f),
    )


def _compact_row(f: fraud_pb2.Flag) -> tuple[object, ...]:
    raised = f"{instant(f.raised_at):%m-%d %H:%M}" if f.HasField("raised_at") else None
    held = time_left(f.hold_expires_in_s) if f.HasField("hold_expires_at") else f.hold_status
    return (
        f.score,
        f.flag_id,
        raised,
        f.member_id,
        masked(f.member_identifiers),
        f.points,
        held or None,
        rules_of(f),
    )


def print_queue(rows: Sequence[QueuedFlag]) -> None:
    """The queue from the use case's rows (the demo's view of it)."""
    print_flag_rows([fraud_convert.queued_flag_message(row) for row in rows])


def print_expiring(expiring: Sequence[fraud_pb2.Flag], window_s: int, out: TextIO) -> None:
    """A warning line per held redemption about to expire: nobody acting means it expires."""
    for flag in expiring:
        print(
            f"warning: held redemption {flag.hold_id} (flag {flag.flag_id}, member "
            f"{flag.member_id}, {flag.points} points) expires in "
            f"{time_left(flag.hold_expires_in_s)}, within {window_s // 60} min: "
            "release or decline it",
            file=out,
        )


def print_groups(response: fraud_pb2.ListFlagGroupsResponse, by: str) -> None:
    print_listing(
        (by, "identifier", "open", "score_max", "newest", "points", "held_left", "partners"),
        [
            (
                g.member_id or g.rule,
                masked(g.member_identifiers),
                g.open_flags,
                g.score_max,
                when(g.newest_raised_at),
                g.points,
                time_left(g.hold_expires_in_s) if g.HasField("hold_expires_at") else None,
                ",".join(g.partner_ids),
            )
            for g in response.groups
        ],
        response.groups,
    )


def print_flag(flag: fraud_pb2.Flag, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    print(f"flag {flag.flag_id}  {flag.status}  score {flag.score}  {flag.decision}", file=out)
    print(f"raised {when(flag.raised_at)} on {flag.operation}", file=out)
    print(f"partner {flag.partner_id}  member {flag.member_id}  points {flag.points}", file=out)
    for label, value in (
        ("identifiers", ", ".join(i.masked for i in flag.member_identifiers)),
        ("purchase", money(flag.purchase)),
        ("order", flag.order_id),
        ("transaction", flag.transaction_id),
    ):
        if value:
            print(f"{label} {value}", file=out)
    if flag.hold_id:
        left = (
            f", {time_left(flag.hold_expires_in_s)} left"
            if flag.HasField("hold_expires_at")
            else ""
        )
        print(f"hold {flag.hold_id} {flag.hold_status}{left}", file=out)
    for v in flag.verdicts:
        print(f"  {v.rule}: {v.decision} {v.score} - {v.detail}", file=out)
    if flag.HasField("resolved_at"):
        print(f"resolved {when(flag.resolved_at)} by {flag.resolved_by}: {flag.note}", file=out)


def _point_of_sale(t: fraud_pb2.AccountTransaction) -> tuple[str | None, str | None, str | None]:
    pos = t.point_of_sale
    return (pos.store_id or None, pos.terminal_id or None, pos.cashier_id or None)


def print_account(account: fraud_pb2.Account) -> None:
    kinds = ", ".join(i.kind for i in account.identifiers) or "none"
    print(f"member {account.member_id}  {account.status}")
    print(f"enrolled {when(account.enrolled_at)} by {account.enrolled_by}; identifiers: {kinds}")
    print(
        f"points: {account.available_points} available, {account.pending_points} pending, "
        f"{account.debt_points} owed"
    )
    print(f"linked members: {', '.join(account.linked_member_ids) or 'none'}")
    if account.merged_into_member_id:
        print(f"merged into member {account.merged_into_member_id} (its history stays here)")
    if account.absorbed_member_ids:
        print(f"merged members (their history): {', '.join(account.absorbed_member_ids)}")
    _section("transactions (newest first)")
    # The id names an earn for `hub fraud annul --operation`.
    print_table(
        (
            "at",
            "transaction",
            "kind",
            "partner",
            "points",
            "purchase",
            "order",
            "store",
            "terminal",
            "cashier",
        ),
        [
            (
                when(t.created_at),
                t.transaction_id,
                t.kind,
                t.partner_id or None,
                t.points,
                money(t.purchase),
                t.order_id or None,
                *_point_of_sale(t),
            )
            for t in account.transactions
        ],
    )
    _section("lots")
    print_table(
        ("lot", "partner", "status", "points", "remaining", "reserved", "expires"),
        [
            (
                lot.lot_id,
                lot.partner_id,
                lot.status,
                lot.points,
                lot.remaining_points,
                lot.reserved_points,
                when(lot.expires_at),
            )
            for lot in account.lots
        ],
    )
    _section("holds")
    print_table(
        ("hold", "partner", "status", "points", "created", "expires"),
        [
            (h.hold_id, h.partner_id, h.status, h.points, when(h.created_at), when(h.expires_at))
            for h in account.holds
        ],
    )
    _section("flags")
    print_table(
        ("score", "flag", "raised", "partner", "status", "rules"),
        [
            (f.score, f.flag_id, when(f.raised_at), f.partner_id, f.status, rules_of(f))
            for f in account.flags
        ],
    )
    _section("analysts' actions")
    print_table(
        ("at", "actor", "action", "points", "flag", "reason"),
        [
            (when(a.at), a.actor, a.action, a.points, a.flag_id or None, a.reason)
            for a in account.actions
        ],
    )


def _section(title: str) -> None:
    print(f"\n{title}:")


def _timeline_row(entry: fraud_pb2.TimelineEntry) -> tuple[object, ...]:
    kind = entry.WhichOneof("entry")
    if kind == "transaction":
        t = entry.transaction
        till = (
            "/".join(part or "-" for part in _point_of_sale(t)) if t.point_of_sale.channel else None
        )
        what = f"{t.kind} {t.points} points" + (
            f", {money(t.purchase)}" if money(t.purchase) else ""
        )
        return (t.transaction_id, t.partner_id or None, what, till)
    if kind == "lot":
        lot = entry.lot
        return (
            lot.lot_id,
            lot.partner_id,
            f"lot {lot.points} points, {lot.remaining_points} left",
            None,
        )
    if kind == "hold":
        h = entry.hold
        return (h.hold_id, h.partner_id, f"hold {h.points} points, {h.status}", None)
    if kind == "flag":
        f = entry.flag
        return (f.flag_id, f.partner_id, f"flag score {f.score} {f.status}: {rules_of(f)}", None)
    a = entry.action
    return (a.flag_id or a.hold_id or None, None, f"{a.action} by {a.actor}: {a.reason}", None)


def print_timeline(timeline: fraud_pb2.GetMemberTimelineResponse) -> None:
    identifiers = ", ".join(i.masked for i in timeline.identifiers) or "none"
    print(f"member {timeline.member_id}  {timeline.status}  identifiers: {identifiers}")
    print_table(
        ("at", "kind", "id", "partner", "what", "store/terminal/cashier"),
        [
            (when(e.at), e.WhichOneof("entry"), *_timeline_row(e)[:2], *_timeline_row(e)[2:])
            for e in timeline.entries
        ],
    )


def report_rows(report: fraud_pb2.Report) -> list[Sequence[object]]:
    return [
        (
            r.date,
            r.partner_id,
            r.rule,
            r.raised,
            r.confirmed,
            r.false_positives,
            r.open,
            r.points_annulled,
        )
        for r in report.rows
    ]


def print_report(view: FraudReportView | fraud_pb2.Report) -> None:
    """The report as a table (from the service's message, or the demo's result)."""
    report = view if isinstance(view, fraud_pb2.Report) else fraud_convert.report_message(view)
    print_listing(REPORT_COLUMNS, report_rows(report), report.rows)
