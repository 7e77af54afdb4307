"""``hub fraud``: work the flag queue, look at an account, freeze, annul, release or decline a
held redemption, resolve flags, report on the rules, and run the nightly pass (for cron)."""

from __future__ import annotations

import argparse
import csv
import sys
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, TextIO

from hub.bootstrap import Hub
from hub.cli.common import add_database_flag, add_reason_flag, attribution, opened, print_table
from hub.domain.errors import InvalidField
from hub.domain.flags import Flag, FlagStatus
from hub.domain.ids import parse_id
from hub.services.commands import (
    AnnulPoints,
    DeclineHold,
    FraudReport,
    FreezeMember,
    GetAccount,
    ListFlags,
    ReleaseHold,
    ResolveFlag,
    RunNightlyPass,
    UnfreezeMember,
)
from hub.services.results import AccountView, FraudReportView, ReviewedHold

QUEUE_STATUSES = ("open", "confirmed", "false_positive", "all")
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


def register(subcommands: Any) -> None:
    fraud = subcommands.add_parser("fraud", help="fraud analysts: flags, accounts, actions")
    actions = fraud.add_subparsers(dest="action", required=True, metavar="ACTION")
    for parser in (
        *_register_reads(actions),
        *_register_changes(actions),
        *_register_batch(actions),
    ):
        add_database_flag(parser)


def _register_reads(actions: Any) -> list[argparse.ArgumentParser]:
    queue = actions.add_parser("queue", help="flags, highest score first")
    queue.add_argument("--status", choices=QUEUE_STATUSES, default="open")
    queue.add_argument("--member", metavar="ID", help="only this member's flags")
    queue.add_argument("--limit", type=int, default=50, help="at most this many (1..500)")
    queue.set_defaults(run=run_queue)
    flag = actions.add_parser("flag", help="one flag, with every rule that fired")
    flag.add_argument("flag_id")
    flag.set_defaults(run=run_flag)
    show = actions.add_parser("show", help="a member's account as an analyst sees it")
    show.add_argument("member_id")
    show.set_defaults(run=run_show)
    return [queue, flag, show]


def _add_flag_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flag", metavar="ID", help="the flag this action answers")


def _register_changes(actions: Any) -> list[argparse.ArgumentParser]:
    made = []
    for name, help_text, run in (
        ("freeze", "refuse the member's earns and redemptions", run_freeze),
        ("unfreeze", "let a frozen member earn and redeem again", run_unfreeze),
    ):
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("member_id")
        made.append(parser)
        parser.set_defaults(run=run)
    annul = actions.add_parser("annul", help="take a member's unreserved points off the books")
    annul.add_argument("member_id")
    annul.add_argument("--points", type=int, help="how many (default: all unreserved points)")
    annul.add_argument(
        "--operation",
        metavar="TRANSACTION_ID",
        help="annul what is left of one earn's (or bonus's) points instead of newest first",
    )
    annul.set_defaults(run=run_annul)
    made.append(annul)
    for name, help_text, run in (
        ("release", "let a held redemption be captured", run_release),
        ("decline", "refuse a held redemption; the points go back", run_decline),
    ):
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("hold_id")
        made.append(parser)
        parser.set_defaults(run=run)
    for parser in made:
        add_reason_flag(parser)
        _add_flag_option(parser)
    resolve = actions.add_parser("resolve", help="close a flag as confirmed or a false positive")
    resolve.add_argument("flag_id")
    verdict = resolve.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--confirmed", action="store_true")
    verdict.add_argument("--false-positive", action="store_true")
    resolve.add_argument(
        "--note", dest="reason", required=True, help="why, for the flag and the audit log"
    )
    resolve.set_defaults(run=run_resolve)
    return [*made, resolve]


def _register_batch(actions: Any) -> list[argparse.ArgumentParser]:
    report = actions.add_parser("report", help="flags per partner and rule, per business date")
    report.add_argument("--date", help="first business date, YYYY-MM-DD (default: yesterday)")
    report.add_argument("--days", type=int, default=1, help="how many dates (1..92)")
    report.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-': standard output)")
    report.set_defaults(run=run_report)
    scan = actions.add_parser("scan", help="the nightly pass: slow farming, dormant burns")
    scan.add_argument("--date", help="business date, YYYY-MM-DD (default: yesterday)")
    scan.set_defaults(run=run_scan)
    return [report, scan]


def _business_date(hub: Hub, text: str | None) -> date:
    """``text`` as a date, or yesterday in the coalition's time zone."""
    if text is None:
        return hub.clock.now().astimezone(hub.zone).date() - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidField(f"--date must be YYYY-MM-DD, not {text!r}", field="date") from None


# -- reads ----------------------------------------------------------------------------------


def run_queue(args: argparse.Namespace) -> int:
    status = None if args.status == "all" else FlagStatus(args.status)
    member = parse_id(args.member, field="member") if args.member else None
    with opened(args) as hub:
        page = hub.fraud_api().list_flags(ListFlags(status, member, args.limit))
    print_queue(page.flags)
    if page.next_page_token:
        print(f"(more flags than {args.limit}; raise --limit or narrow with --member)")
    return 0


def print_queue(flags: Sequence[Flag]) -> None:
    print_table(
        ("score", "flag", "raised", "partner", "member", "operation", "decision", "rules"),
        [
            (
                f.score,
                f.id,
                f.raised_at,
                f.partner_id,
                f.member_id,
                f.operation.value,
                f.decision.value,
                ",".join(v.rule.value for v in f.verdicts),
            )
            for f in flags
        ],
    )


def print_flag(flag: Flag, out: TextIO = sys.stdout) -> None:
    print(
        f"flag {flag.id}  {flag.status.value}  score {flag.score}  {flag.decision.value}", file=out
    )
    print(f"raised {flag.raised_at:%Y-%m-%d %H:%M:%SZ} on {flag.operation.value}", file=out)
    print(f"partner {flag.partner_id}  member {flag.member_id}  points {flag.points}", file=out)
    for label, value in (
        ("order", flag.order_id),
        ("transaction", flag.transaction_id),
        ("hold", flag.hold_id),
    ):
        if value:
            print(f"{label} {value}", file=out)
    for verdict in flag.verdicts:
        print(
            f"  {verdict.rule.value}: {verdict.decision.value} {verdict.score} - {verdict.detail}",
            file=out,
        )
    if flag.resolved_at is not None:
        print(
            f"resolved {flag.resolved_at:%Y-%m-%d %H:%M:%SZ} by {flag.resolved_by}: {flag.note}",
            file=out,
        )


def run_flag(args: argparse.Namespace) -> int:
    flag_id = parse_id(args.flag_id, field="flag_id")
    with opened(args) as hub:
        print_flag(hub.fraud_api().get_flag(flag_id))
    return 0


def print_account(view: AccountView) -> None:
    member = view.member
    kinds = ", ".join(kind.value for kind in member.identifier_kinds) or "none"
    print(f"member {member.id}  {member.status.value}")
    print(f"enrolled {member.enrolled_at:%Y-%m-%d} by {view.enrolled_by}; identifiers: {kinds}")
    print(
        f"points: {view.available_points} available, {view.pending_points} pending, "
        f"{view.debt_points} owed"
    )
    linked = ", ".join(str(m) for m in view.linked_member_ids) or "none"
    print(f"linked members: {linked}")
    _section("transactions (newest first)")
    # The id names an earn for `hub fraud annul --operation`.
    print_table(
        ("at", "transaction", "kind", "partner", "points", "order", "store", "terminal", "cashier"),
        [
            (
                t.created_at,
                t.id,
                t.kind.value,
                t.partner_id,
                t.points,
                t.order_id,
                t.point_of_sale.store_id if t.point_of_sale else None,
                t.point_of_sale.terminal_id if t.point_of_sale else None,
                t.point_of_sale.cashier_id if t.point_of_sale else None,
            )
            for t in view.transactions
        ],
    )
    _section("lots")
    print_table(
        ("lot", "partner", "status", "points", "remaining", "reserved", "expires"),
        [
            (
                lot.id,
                lot.partner_id,
                lot.status.value,
                lot.points,
                lot.remaining_points,
                lot.reserved_points,
                lot.expires_at,
            )
            for lot in view.lots
        ],
    )
    _section("holds")
    print_table(
        ("hold", "partner", "status", "points", "created", "expires"),
        [
            (h.id, h.partner_id, h.status.value, h.points, h.created_at, h.expires_at)
            for h in view.holds
        ],
    )
    _section("flags")
    print_table(
        ("score", "flag", "raised", "partner", "status", "rules"),
        [
            (
                f.score,
                f.id,
                f.raised_at,
                f.partner_id,
                f.status.value,
                ",".join(v.rule.value for v in f.verdicts),
            )
            for f in view.flags
        ],
    )
    _section("analysts' actions")
    print_table(
        ("at", "actor", "action", "points", "flag", "reason"),
        [(a.at, a.actor, a.action.value, a.points, a.flag_id, a.reason) for a in view.actions],
    )


def _section(title: str) -> None:
    print(f"\n{title}:")


def run_show(args: argparse.Namespace) -> int:
    member_id = parse_id(args.member_id, field="member_id")
    with opened(args) as hub:
        print_account(hub.fraud_api().account(GetAccount(member_id)))
    return 0


# -- changes --------------------------------------------------------------------------------


def _flag(args: argparse.Namespace) -> uuid.UUID | None:
    return parse_id(args.flag, field="flag") if args.flag else None


def run_freeze(args: argparse.Namespace) -> int:
    member_id, by = parse_id(args.member_id, field="member_id"), attribution(args)
    with opened(args) as hub:
        view = hub.fraud_api().freeze(FreezeMember(member_id, _flag(args), changed_by=by))
    print(f"member {view.member_id} is {view.status.value}")
    return 0


def run_unfreeze(args: argparse.Namespace) -> int:
    member_id, by = parse_id(args.member_id, field="member_id"), attribution(args)
    with opened(args) as hub:
        view = hub.fraud_api().unfreeze(UnfreezeMember(member_id, _flag(args), changed_by=by))
    print(f"member {view.member_id} is {view.status.value}")
    return 0


def run_annul(args: argparse.Namespace) -> int:
    member_id, by = parse_id(args.member_id, field="member_id"), attribution(args)
    operation_id = parse_id(args.operation, field="operation_id") if args.operation else None
    # One key per invocation: running the command again is a new annulment, by intent.
    command = AnnulPoints(
        uuid.uuid4().hex, member_id, args.points, _flag(args), operation_id, changed_by=by
    )
    with opened(args) as hub:
        annulled = hub.fraud_api().annul(command)
    by_partner = ", ".join(f"{partner} {points}" for partner, points in annulled.points_by_partner)
    of_operation = f" of operation {operation_id}" if operation_id else ""
    print(
        f"annulled {annulled.points} points{of_operation} of member {annulled.member_id} "
        f"(issued by {by_partner}) in transaction {annulled.transaction_id}"
    )
    return 0


def _print_hold(hold: ReviewedHold) -> None:
    print(
        f"hold {hold.hold_id} of member {hold.member_id} at {hold.partner_id}: "
        f"{hold.status.value}, {hold.points} points, expires {hold.expires_at:%Y-%m-%d %H:%M:%SZ}"
    )


def run_release(args: argparse.Namespace) -> int:
    hold_id, by = parse_id(args.hold_id, field="hold_id"), attribution(args)
    with opened(args) as hub:
        _print_hold(hub.fraud_api().release_hold(ReleaseHold(hold_id, _flag(args), changed_by=by)))
    return 0


def run_decline(args: argparse.Namespace) -> int:
    hold_id, by = parse_id(args.hold_id, field="hold_id"), attribution(args)
    with opened(args) as hub:
        _print_hold(hub.fraud_api().decline_hold(DeclineHold(hold_id, _flag(args), changed_by=by)))
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    flag_id = parse_id(args.flag_id, field="flag_id")
    resolution = FlagStatus.CONFIRMED if args.confirmed else FlagStatus.FALSE_POSITIVE
    by = attribution(args)  # the note is the reason the audit log records
    with opened(args) as hub:
        print_flag(hub.fraud_api().resolve_flag(ResolveFlag(flag_id, resolution, changed_by=by)))
    return 0


# -- batch ----------------------------------------------------------------------------------


def _report_rows(view: FraudReportView) -> list[Sequence[object]]:
    return [
        (
            line.date.isoformat(),
            line.partner_id,
            line.rule,
            line.raised,
            line.confirmed,
            line.false_positives,
            line.open,
            line.points_annulled,
        )
        for line in view.lines
    ]


def _write_csv(rows: list[Sequence[object]], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)


def run_report(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        first = _business_date(hub, args.date)
        view = hub.fraud_api().report(FraudReport(first, args.days))
    rows = _report_rows(view)
    if args.csv == "-":
        _write_csv(rows, sys.stdout)
    elif args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            _write_csv(rows, out)
        print(f"wrote {len(rows)} lines to {args.csv}")
    else:
        print_report(view)
    return 0


def print_report(view: FraudReportView) -> None:
    print_table(REPORT_COLUMNS, _report_rows(view))


def run_scan(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        day = _business_date(hub, args.date)
        done = hub.fraud_api().nightly_pass(RunNightlyPass(day))
    print(
        f"nightly pass for {done.business_date}: {done.flags_raised} new flags "
        f"({done.farming} slow farming, {done.dormant_burns} dormant burns found)"
    )
    return 0
