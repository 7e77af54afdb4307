"""``hub member merge`` and ``hub member unmerge``: an operator merges two accounts of one
person, or corrects a merge, over the hub's MergeService as the operator's certificate names
them (no database URL or master key on the operator's machine)."""

from __future__ import annotations

import argparse
from typing import Any

from coalition.hub.v1 import merge_pb2, merge_pb2_grpc
from hub.cli.common import add_reason_flag
from hub.cli.staff_client import add_connection_flags, connected

OVER_THE_HUB = " (over the hub, as your operator certificate names you)"


def register(actions: Any) -> None:
    """Add ``merge`` and ``unmerge`` to ``hub member``."""
    merge = actions.add_parser(
        "merge",
        help="merge ABSORBED into SURVIVOR: points, lots, debt and identifiers" + OVER_THE_HUB,
        description="Refused while ABSORBED has pending holds, or either member is frozen, "
        "erased or merged already. Reversed with `hub member unmerge`.",
    )
    unmerge = actions.add_parser(
        "unmerge",
        help="correct a merge: ABSORBED gets back what is left" + OVER_THE_HUB,
        description="Points the survivor spent since the merge stay spent and are reported.",
    )
    for action, run in ((merge, run_merge), (unmerge, run_unmerge)):
        action.add_argument("survivor", help="the member that absorbed (or absorbs) the other")
        action.add_argument("absorbed", help="the member merged into the survivor")
        add_reason_flag(action)
        add_connection_flags(action)
        action.set_defaults(run=run)


def run_merge(args: argparse.Namespace) -> int:
    request = merge_pb2.MergeMembersRequest(
        survivor_member_id=args.survivor, absorbed_member_id=args.absorbed, reason=args.reason
    )
    with connected(args) as client:
        stub = merge_pb2_grpc.MergeServiceStub(client.channel)  # type: ignore[no-untyped-call]
        merged = client.call(stub.MergeMembers, request)
    print(
        f"member {merged.absorbed_member_id} merged into {merged.survivor_member_id}: "
        f"{merged.points} points, {merged.debt_points} points of debt "
        f"({merged.debt_paid_points} paid at once), {merged.identifiers} identifiers moved "
        f"(merge {merged.merge_id})"
    )
    return 0


def run_unmerge(args: argparse.Namespace) -> int:
    request = merge_pb2.UnmergeMembersRequest(
        survivor_member_id=args.survivor, absorbed_member_id=args.absorbed, reason=args.reason
    )
    with connected(args) as client:
        stub = merge_pb2_grpc.MergeServiceStub(client.channel)  # type: ignore[no-untyped-call]
        unmerged = client.call(stub.UnmergeMembers, request)
    print(
        f"member {unmerged.absorbed_member_id} unmerged from {unmerged.survivor_member_id}: "
        f"{unmerged.points} points and {unmerged.debt_points} points of debt given back, "
        f"{unmerged.points_not_returned} points spent since the merge not returned, "
        f"{unmerged.identifiers} identifiers given back"
    )
    return 0
