"""``hub audit verify``: check the audit log's chain; ``hub audit list``: read it, newest first."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub.cli.common import (
    TABLE_STYLE,
    add_database_flag,
    opened,
    print_listing,
    print_record,
    print_table,
    settings_from,
)
from hub.cli.json_output import add_json_flag
from hub.domain.audit import AuditHead, AuditRecord
from hub.services.audit import AuditReport, list_audit, verify_audit

LIST_DEFAULT = 20
REASON_SHOWN_MAX = 60
MAC_SHOWN_HEX = 16


def register(subcommands: Any) -> None:
    audit = subcommands.add_parser("audit", help="the hash-chained audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify", help="check that no record was edited, deleted, inserted or reordered"
    )
    add_database_flag(verify)
    add_json_flag(verify)
    verify.set_defaults(run=run_verify)

    listing = actions.add_parser("list", help="the newest records first")
    listing.add_argument("--limit", type=int, default=LIST_DEFAULT, metavar="N")
    listing.add_argument("--actor", help="only this actor's records")
    listing.add_argument("--action", help="only this action's records, e.g. partner.disable")
    add_database_flag(listing)
    add_json_flag(listing)
    listing.set_defaults(run=run_list)


def run_verify(args: argparse.Namespace) -> int:
    keys = settings_from(args).audit_keys()  # before opening anything: no key, no verdict
    with opened(args) as hub:
        report = verify_audit(uow_factory=hub.uow_factory, keys=keys)
    print_record(_report_record(report), lambda: print_report(report))
    return 0 if report.ok else 1


def _report_record(report: AuditReport) -> dict[str, object]:
    head = report.head
    return {
        "ok": report.ok,
        "records_checked": report.records_checked,
        "head": {"seq": head.seq, "mac": head.mac.hex()} if head else None,
        "breaks_total": report.breaks_total,
        "breaks": [{"seq": b.seq, "kind": b.kind, "detail": b.detail} for b in report.breaks],
    }


def print_report(report: AuditReport) -> None:
    checked = f"{report.records_checked} records, head {_head(report.head)}"
    if report.ok:
        print(f"audit log ok: {checked}")
        return
    print(f"audit log BROKEN: {report.breaks_total} break(s) in {checked}", file=sys.stderr)
    print_table(
        ("seq", "break", "detail"),
        [(b.seq, b.kind.value, b.detail) for b in report.breaks],
        out=sys.stderr,
    )
    if (unshown := report.breaks_total - len(report.breaks)) > 0:
        print(f"... and {unshown} more", file=sys.stderr)


def _head(head: AuditHead | None) -> str:
    return f"#{head.seq} mac {head.mac.hex()[:MAC_SHOWN_HEX]}…" if head else "missing"


def run_list(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        records = list_audit(
            uow_factory=hub.uow_factory, limit=args.limit, actor=args.actor, action=args.action
        )
    if not records and not TABLE_STYLE.json:
        print("no audit records")
        return 0
    headers = ("seq", "when", "actor", "action", "target", "reason")
    print_listing(headers, [_columns(record) for record in records], [_record(r) for r in records])
    return 0


def _record(record: AuditRecord) -> dict[str, object]:
    """The whole record, the reason uncut, for ``--json``."""
    event = record.event
    return {
        "seq": record.seq,
        "recorded_at": record.recorded_at,
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "reason": event.reason,
        "details": event.details,
        "key_id": record.key_id,
        "mac": record.mac.hex(),
    }


def _columns(record: AuditRecord) -> tuple[object, ...]:
    event = record.event
    return (
        record.seq,
        record.recorded_at,
        event.actor,
        event.action,
        event.target,
        _short(event.reason),
    )


def _short(text: str) -> str:
    # One line per record, whatever the reason holds; the full text stays in the log.
    line = " ".join(text.split())
    return line if len(line) <= REASON_SHOWN_MAX else line[: REASON_SHOWN_MAX - 1] + "…"
