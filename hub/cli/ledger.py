"""``hub ledger verify``: check every ledger invariant; exit 1 with a report if one breaks."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub.cli.common import add_database_flag, opened, print_record, print_table
from hub.cli.json_output import add_json_flag
from hub.cli.progress import add_progress_flag, progress_for
from hub.services.results import LedgerReport


def register(subcommands: Any) -> None:
    ledger = subcommands.add_parser("ledger", help="ledger checks")
    actions = ledger.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check every ledger invariant")
    add_database_flag(verify)
    add_json_flag(verify)
    verify.set_defaults(run=run_verify)

    sweep = subcommands.add_parser(
        "sweep", help="expire holds, mature pending points, expire points (cron)"
    )
    add_database_flag(sweep)
    add_progress_flag(sweep)
    sweep.set_defaults(run=run_sweep)


def print_report(report: LedgerReport) -> None:
    counts = ", ".join(f"{count} {name}" for name, count in report.counts.items())
    print(f"checked {counts}")
    broken = _broken(report)
    for check in report.checks:
        print(f"  {'FAIL' if check in broken else 'ok  '}  {check}")
    if report.violations:
        print(f"\n{len(report.violations)} violation(s):", file=sys.stderr)
        print_table(
            ("invariant", "subject", "detail"),
            [(v.invariant, v.subject, v.detail) for v in report.violations],
            out=sys.stderr,
        )


def _broken(report: LedgerReport) -> set[str]:
    return {violation.invariant for violation in report.violations}


def run_verify(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        report = hub.operator.verify_ledger()
    record = {
        "ok": report.ok,
        "counts": report.counts,
        "checks": [{"check": c, "ok": c not in _broken(report)} for c in report.checks],
        "violations": report.violations,
    }
    print_record(record, lambda: print_report(report))
    return 0 if report.ok else 1


def run_sweep(args: argparse.Namespace) -> int:
    with opened(args) as hub, progress_for(args, "sweep") as progress:
        report = hub.operator.sweep(progress=progress)
    print(
        f"expired {report.holds_expired} holds, matured {report.lots_matured} lots, "
        f"expired points of {report.lots_expired} lots, changed {report.tiers_changed} tiers, "
        f"pruned {report.fraud_counters_pruned} fraud counters"
    )
    return 0
