"""``hub tuning preview``: how many flags proposed fraud thresholds would have raised.

Calls ``FraudTuningService.PreviewThresholds`` as the staff member whose profile it is given
(an operator or an analyst); nothing is saved: ``hub rules fraud`` saves thresholds.
"""

from __future__ import annotations

import argparse
from typing import Any

from coalition.hub.v1 import tuning_pb2, tuning_pb2_grpc
from hub.cli.common import print_record, print_table
from hub.cli.json_output import add_json_flag
from hub.cli.staff_client import add_connection_flags, connected
from hub.services.fraud_tuning import PREVIEW_DAYS_MAX, SETTINGS

DAYS_DEFAULT = 7


def register(subcommands: Any) -> None:
    tuning = subcommands.add_parser(
        "tuning", help="preview fraud thresholds against the last days before saving them"
    )
    actions = tuning.add_subparsers(dest="action", required=True, metavar="ACTION")
    preview = actions.add_parser(
        "preview",
        help="flags and declines each rule would have raised at a partner over the last days, "
        "with the thresholds in force and with your changes",
        description="Replays the partner's earns and redemptions of the last days from the "
        "ledger under the thresholds in force and under them with --set applied; nothing is "
        "saved (hub rules fraud saves). Settings: " + ", ".join(SETTINGS) + ".",
    )
    preview.add_argument("partner_id", metavar="PARTNER")
    preview.add_argument(
        "--days",
        type=int,
        default=DAYS_DEFAULT,
        help=f"days back from now to replay, 1 to {PREVIEW_DAYS_MAX} (default {DAYS_DEFAULT})",
    )
    preview.add_argument(
        "--set",
        dest="settings",
        action="append",
        type=_setting,
        default=[],
        metavar="NAME=VALUE",
        help="a change, e.g. terminal_cards.review_at=90, history_multiple.deny_at=never or "
        "till_window_s=1800 (repeatable)",
    )
    add_json_flag(preview)
    add_connection_flags(preview)
    preview.set_defaults(run=run_preview)


def _setting(text: str) -> tuning_pb2.FraudSetting:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"--set takes NAME=VALUE, not {text!r}")
    return tuning_pb2.FraudSetting(name=name.strip(), value=value.strip())


def run_preview(args: argparse.Namespace) -> int:
    request = tuning_pb2.PreviewThresholdsRequest(
        partner_id=args.partner_id,
        days=args.days,
        settings=args.settings,
    )
    with connected(args) as client:
        stub = tuning_pb2_grpc.FraudTuningServiceStub(client.channel)  # type: ignore[no-untyped-call]
        answer = client.call(stub.PreviewThresholds, request)
    print_record(answer, lambda: _print(answer))
    return 0


def _print(answer: tuning_pb2.PreviewThresholdsResponse) -> None:
    print(
        f"{answer.partner_id}: {answer.operations_examined:,} earns and redemptions of the last "
        f"{answer.days} day(s) replayed"
        + (
            f" (the newest {answer.operations_max:,}; older ones left out)"
            if answer.truncated
            else ""
        )
    )
    rows = [
        (
            rule.rule,
            rule.current_flags if rule.replayed else "-",
            rule.current_declines if rule.replayed else "-",
            rule.proposed_flags if rule.replayed else "-",
            rule.proposed_declines if rule.replayed else "-",
            rule.raised_flags,
        )
        for rule in answer.rules
    ]
    headers = ("rule", "flags now", "declines now", "flags proposed", "declines proposed")
    print_table((*headers, "recorded"), rows)
    print(
        f"operations flagged: {answer.current_flagged_operations} now, "
        f"{answer.proposed_flagged_operations} proposed; declined: "
        f"{answer.current_declined_operations} now, {answer.proposed_declined_operations} proposed"
    )
    for rule in answer.rules:
        if not rule.replayed:
            print(f"{rule.rule} not replayed: {rule.note}")
