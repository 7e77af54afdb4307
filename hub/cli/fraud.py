"""``hub fraud``: work the flag queue (page by page, or grouped by member or rule), look at a
flag, an account or a member's timeline, freeze, annul, release or decline a held
redemption, resolve flags one by one or in bulk, and report on the rules.

Analysts work through the hub's fraud review service with their own certificate (flags or a
profile: see ``hub.cli.staff_client``), so every action names the person from the TLS
handshake, and a staff machine holds no database URL and no key. Flag, member and hold ids
may be given as a unique prefix (at least 8 hex digits).

``hub fraud scan`` is the hub operator's nightly pass, for cron on the hub's own machine: it
opens the database (``--db``) directly and raises flags as the hub.
"""

from __future__ import annotations

import argparse
import csv
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import fraud_pb2
from hub.bootstrap import Hub
from hub.cli.common import (
    add_database_flag,
    notice,
    opened,
    print_page_json,
    print_record,
)
from hub.cli.fraud_views import (
    REPORT_COLUMNS,
    print_account,
    print_expiring,
    print_flag,
    print_flag_rows,
    print_groups,
    print_queue,
    print_report,
    print_timeline,
    report_rows,
)
from hub.cli.json_output import add_json_flag
from hub.cli.progress import add_progress_flag, progress_for
from hub.cli.staff_client import add_connection_flags, connected
from hub.domain.errors import InvalidField
from hub.domain.limits import HOLD_EXPIRY_WARNING_S
from hub.services.commands import RunNightlyPass
from hub.services.fraud_queue import QUEUE_PAGE_SIZE_MAX

__all__ = ["print_queue", "print_report", "register"]

QUEUE_STATUSES = ("open", "confirmed", "false_positive", "all")
"""The queue warns about held redemptions that expire within this long, on any page. Shorter
than the default hold TTL (15 min), or every hold would warn from the moment it was placed."""
QUEUE_LIMIT_DEFAULT = 50
TIMELINE_LIMIT_DEFAULT = 50
GROUPS_LIMIT_DEFAULT = 50


def register(subcommands: Any) -> None:
    fraud = subcommands.add_parser("fraud", help="fraud analysts: flags, accounts, actions")
    actions = fraud.add_subparsers(dest="action", required=True, metavar="ACTION")
    for parser in (*_register_reads(actions), *_register_changes(actions)):
        add_connection_flags(parser)
    _register_reports(actions)


def _register_reads(actions: Any) -> list[argparse.ArgumentParser]:
    queue = actions.add_parser(
        "queue",
        help="flags, highest score first, a page at a time; warns about held redemptions "
        f"expiring within {HOLD_EXPIRY_WARNING_S // 60} min",
    )
    queue.add_argument("--status", choices=QUEUE_STATUSES, default="open")
    queue.add_argument("--member", metavar="ID", help="only this member's flags")
    queue.add_argument(
        "--limit",
        type=int,
        default=QUEUE_LIMIT_DEFAULT,
        help=f"flags per page, 1..{QUEUE_PAGE_SIZE_MAX} (default {QUEUE_LIMIT_DEFAULT}); "
        "when more follow, the last line gives the --page-token of the next page",
    )
    queue.add_argument("--page-token", default="", help="the next page, as the last page said")
    queue.set_defaults(run=run_queue)
    groups = actions.add_parser("groups", help="open flags gathered by member or by rule")
    groups.add_argument("--by", choices=("member", "rule"), required=True)
    groups.add_argument(
        "--limit", type=int, default=GROUPS_LIMIT_DEFAULT, help="groups, 1..500 (most urgent)"
    )
    groups.set_defaults(run=run_groups)
    flag = actions.add_parser("flag", help="one flag, with every rule that fired")
    flag.add_argument("flag_id")
    flag.set_defaults(run=run_flag)
    show = actions.add_parser("show", help="a member's account as an analyst sees it")
    show.add_argument("member_id")
    show.set_defaults(run=run_show)
    timeline = actions.add_parser(
        "timeline", help="a member's transactions, lots, holds, flags and actions, newest first"
    )
    timeline.add_argument("member_id")
    timeline.add_argument(
        "--limit", type=int, default=TIMELINE_LIMIT_DEFAULT, help="entries per page, 1..500"
    )
    timeline.add_argument("--page-token", default="", help="the next page, as the last said")
    timeline.set_defaults(run=run_timeline)
    for listing in (queue, groups, flag, show, timeline):
        add_json_flag(listing)
    return [queue, groups, flag, show, timeline]


def _add_reason(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason", required=True, help="why, for the audit log (e.g. a ticket reference)"
    )
    parser.add_argument("--flag", metavar="ID", default="", help="the flag this action answers")


def _register_changes(actions: Any) -> list[argparse.ArgumentParser]:
    made = []
    for name, help_text, run in (
        ("freeze", "refuse the member's earns and redemptions", run_freeze),
        ("unfreeze", "let a frozen member earn and redeem again", run_unfreeze),
    ):
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("member_id")
        parser.set_defaults(run=run)
        made.append(parser)
    annul = actions.add_parser("annul", help="take a member's unreserved points off the books")
    annul.add_argument("member_id")
    annul.add_argument("--points", type=int, default=0, help="how many (default: all)")
    annul.add_argument(
        "--operation",
        metavar="TRANSACTION_ID",
        default="",
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
        parser.set_defaults(run=run)
        made.append(parser)
    for parser in made:
        _add_reason(parser)
    return [*made, _register_resolve(actions)]


def _register_resolve(actions: Any) -> argparse.ArgumentParser:
    resolve: argparse.ArgumentParser = actions.add_parser(
        "resolve",
        help="close a flag, or every open flag of one member (--member) or rule (--rule), "
        "as confirmed or a false positive",
    )
    resolve.add_argument("flag_id", nargs="?", default="", help="one flag")
    resolve.add_argument("--member", metavar="ID", default="", help="all of a member's")
    resolve.add_argument("--rule", metavar="RULE", default="", help="all of a rule's")
    resolve.add_argument(
        "--until",
        metavar="TIME",
        help="with --member or --rule: only flags raised up to this UTC time "
        "(YYYY-MM-DDTHH:MM[:SS]; default: now)",
    )
    verdict = resolve.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--confirmed", action="store_true")
    verdict.add_argument("--false-positive", action="store_true")
    resolve.add_argument("--note", required=True, help="why, for the flags and the audit log")
    resolve.set_defaults(run=run_resolve)
    return resolve


def _register_reports(actions: Any) -> None:
    report = actions.add_parser("report", help="flags per partner and rule, per business date")
    report.add_argument(
        "--date",
        default="",
        help="first business date, YYYY-MM-DD (default: yesterday in the coalition's time zone)",
    )
    report.add_argument("--days", type=int, default=1, help="how many dates (1..92)")
    report.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-': standard output)")
    add_json_flag(report)
    report.set_defaults(run=run_report)
    add_connection_flags(report)
    scan = actions.add_parser(
        "scan",
        help="the hub operator's nightly pass (cron, on the hub's machine: opens the database "
        "with --db): slow farming, dormant burns",
    )
    scan.add_argument("--date", help="business date, YYYY-MM-DD (default: yesterday)")
    add_database_flag(scan)
    add_progress_flag(scan)
    scan.set_defaults(run=run_scan)


# -- reads ----------------------------------------------------------------------------------


def _positive(limit: int) -> int:
    """``--limit`` as sent: 0 would mean the service's default, which is not what was typed."""
    if limit < 1:
        raise InvalidField(f"--limit must be at least 1; got {limit}", field="page_size")
    return limit


def run_queue(args: argparse.Namespace) -> int:
    request = fraud_pb2.ListFlagsRequest(
        status=args.status,
        member_id=args.member or "",
        page_size=_positive(args.limit),
        page_token=args.page_token,
        expiring_within_s=HOLD_EXPIRY_WARNING_S,
    )
    with connected(args) as client:
        page = client.call(client.fraud.ListFlags, request)
    if print_page_json(page):
        print_expiring(page.expiring, HOLD_EXPIRY_WARNING_S, sys.stderr)
        return 0
    print_flag_rows(page.flags)
    if page.next_page_token:
        notice(f"more flags: the next page is --page-token {page.next_page_token}")
    print_expiring(page.expiring, HOLD_EXPIRY_WARNING_S, sys.stderr)
    return 0


def run_groups(args: argparse.Namespace) -> int:
    request = fraud_pb2.ListFlagGroupsRequest(by=args.by, page_size=_positive(args.limit))
    with connected(args) as client:
        response = client.call(client.fraud.ListFlagGroups, request)
    print_groups(response, args.by)
    if response.truncated:
        notice(f"(more groups than {args.limit}; raise --limit)")
    return 0


def run_flag(args: argparse.Namespace) -> int:
    with connected(args) as client:
        flag = client.call(client.fraud.GetFlag, fraud_pb2.GetFlagRequest(flag_id=args.flag_id))
    print_record(flag, lambda: print_flag(flag))
    return 0


def run_show(args: argparse.Namespace) -> int:
    request = fraud_pb2.GetAccountRequest(member_id=args.member_id)
    with connected(args) as client:
        account = client.call(client.fraud.GetAccount, request)
    print_record(account, lambda: print_account(account))
    return 0


def run_timeline(args: argparse.Namespace) -> int:
    request = fraud_pb2.GetMemberTimelineRequest(
        member_id=args.member_id, page_size=_positive(args.limit), page_token=args.page_token
    )
    with connected(args) as client:
        timeline = client.call(client.fraud.GetMemberTimeline, request)
    # Under --json the object carries its next_page_token.
    print_record(timeline, lambda: _print_timeline_page(timeline))
    return 0


def _print_timeline_page(timeline: fraud_pb2.GetMemberTimelineResponse) -> None:
    print_timeline(timeline)
    if timeline.next_page_token:
        print(f"more: the next page is --page-token {timeline.next_page_token}")


# -- changes --------------------------------------------------------------------------------


def run_freeze(args: argparse.Namespace) -> int:
    request = fraud_pb2.FreezeMemberRequest(
        member_id=args.member_id, reason=args.reason, flag_id=args.flag
    )
    with connected(args) as client:
        status = client.call(client.fraud.FreezeMember, request)
    print(f"member {status.member_id} is {status.status}")
    return 0


def run_unfreeze(args: argparse.Namespace) -> int:
    request = fraud_pb2.UnfreezeMemberRequest(
        member_id=args.member_id, reason=args.reason, flag_id=args.flag
    )
    with connected(args) as client:
        status = client.call(client.fraud.UnfreezeMember, request)
    print(f"member {status.member_id} is {status.status}")
    return 0


def run_annul(args: argparse.Namespace) -> int:
    # One key per invocation: running the command again is a new annulment, by intent.
    request = fraud_pb2.AnnulPointsRequest(
        idempotency_key=uuid.uuid4().hex,
        member_id=args.member_id,
        points=args.points,
        reason=args.reason,
        flag_id=args.flag,
        operation_id=args.operation,
    )
    with connected(args) as client:
        annulled = client.call(client.fraud.AnnulPoints, request)
    by_partner = ", ".join(f"{p} {n}" for p, n in sorted(annulled.points_by_partner.items()))
    of_operation = f" of operation {annulled.operation_id}" if annulled.operation_id else ""
    print(
        f"annulled {annulled.points} points{of_operation} of member {annulled.member_id} "
        f"(issued by {by_partner}) in transaction {annulled.transaction_id}"
    )
    return 0


def _print_hold(hold: fraud_pb2.ReviewedHold) -> None:
    expires_at = hold.expires_at.ToDatetime(tzinfo=UTC)
    print(
        f"hold {hold.hold_id} of member {hold.member_id} at {hold.partner_id}: "
        f"{hold.status}, {hold.points} points, expires {expires_at:%Y-%m-%d %H:%M:%SZ}"
    )


def _review_hold(args: argparse.Namespace) -> fraud_pb2.ReviewHoldRequest:
    return fraud_pb2.ReviewHoldRequest(hold_id=args.hold_id, reason=args.reason, flag_id=args.flag)


def run_release(args: argparse.Namespace) -> int:
    with connected(args) as client:
        _print_hold(client.call(client.fraud.ReleaseHold, _review_hold(args)))
    return 0


def run_decline(args: argparse.Namespace) -> int:
    with connected(args) as client:
        _print_hold(client.call(client.fraud.DeclineHold, _review_hold(args)))
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    resolution = "confirmed" if args.confirmed else "false_positive"
    chosen = [name for name in ("flag_id", "member", "rule") if getattr(args, name)]
    if len(chosen) != 1:
        raise InvalidField("resolve one FLAG_ID, or every flag of --member or --rule", field="flag")
    if args.flag_id:
        if args.until:
            raise InvalidField("--until goes with --member or --rule", field="until")
        return _resolve_one(args, resolution)
    return _resolve_all(args, resolution)


def _resolve_one(args: argparse.Namespace, resolution: str) -> int:
    request = fraud_pb2.ResolveFlagRequest(
        flag_id=args.flag_id, resolution=resolution, note=args.note
    )
    with connected(args) as client:
        print_flag(client.call(client.fraud.ResolveFlag, request))
    return 0


def _resolve_all(args: argparse.Namespace, resolution: str) -> int:
    request = fraud_pb2.ResolveFlagsRequest(
        member_id=args.member, rule=args.rule, resolution=resolution, note=args.note
    )
    if args.until:
        request.raised_until.CopyFrom(_timestamp(args.until))
    with connected(args) as client:
        resolved = client.call(client.fraud.ResolveFlags, request)
    whose = f"member {args.member}" if args.member else f"rule {args.rule}"
    print(f"resolved {resolved.resolved} open flags of {whose} as {resolution}")
    if resolved.more:
        print("more open flags match: run the command again to resolve the next ones")
    return 0


def _timestamp(text: str) -> Timestamp:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(
            f"--until must be YYYY-MM-DDTHH:MM[:SS]; got {text!r}", field="until"
        ) from None
    stamp = Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


# -- reports --------------------------------------------------------------------------------


def _write_csv(rows: Sequence[Sequence[object]], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)


def run_report(args: argparse.Namespace) -> int:
    if args.csv and args.json:
        raise InvalidField("--csv and --json: choose one", field="csv")
    # No date: yesterday, in the coalition's time zone, which only the hub knows.
    request = fraud_pb2.GetReportRequest(
        date=args.date, days=args.days, days_ago=0 if args.date else 1
    )
    with connected(args) as client:
        report = client.call(client.fraud.GetReport, request)
    rows = report_rows(report)
    if args.csv == "-":
        _write_csv(rows, sys.stdout)
    elif args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            _write_csv(rows, out)
        print(f"wrote {len(rows)} lines to {args.csv}")
    else:
        print_report(report)
    return 0


def _business_date(hub: Hub, text: str | None) -> date:
    """``text`` as a date, or yesterday in the coalition's time zone."""
    if text is None:
        return hub.clock.now().astimezone(hub.zone).date() - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidField(f"--date must be YYYY-MM-DD, not {text!r}", field="date") from None


def run_scan(args: argparse.Namespace) -> int:
    with opened(args) as hub, progress_for(args, "fraud scan") as progress:
        day = _business_date(hub, args.date)
        done = hub.fraud_api().nightly_pass(RunNightlyPass(day), progress)
    print(
        f"nightly pass for {done.business_date}: {done.flags_raised} new flags "
        f"({done.farming} slow farming, {done.dormant_burns} dormant burns found)"
    )
    return 0
