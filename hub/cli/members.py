"""``hub member show``: a member's status, balance and lots, for support staff."""

from __future__ import annotations

import argparse
from typing import Any

from hub.cli.common import add_database_flag, opened, print_table
from hub.domain.ids import parse_id
from hub.domain.members import Identifier, IdentifierKind
from hub.services.commands import MemberRef


def register(subcommands: Any) -> None:
    member = subcommands.add_parser("member", help="look at members")
    actions = member.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="status, balance and lots of one member")
    which = show.add_mutually_exclusive_group(required=True)
    which.add_argument("member_id", nargs="?", help="the member's id")
    for kind in IdentifierKind:
        which.add_argument(
            f"--{kind.value.replace('_', '-')}",
            dest=kind.value,
            metavar="VALUE",
            help=f"find by {kind.value}",
        )
    add_database_flag(show)
    show.set_defaults(run=run_show)


def _member_ref(args: argparse.Namespace) -> MemberRef:
    if args.member_id:
        return parse_id(args.member_id, field="member_id")
    kind = next(kind for kind in IdentifierKind if getattr(args, kind.value))
    return Identifier.parse(kind, getattr(args, kind.value))


def run_show(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        summary = hub.inspect_member(_member_ref(args))
    member, balance = summary.member, summary.balance
    kinds = ", ".join(kind.value for kind in member.identifier_kinds) or "none"
    print(
        f"member {member.member_id}  {member.status.value}  "
        f"enrolled {member.enrolled_at:%Y-%m-%d}  identifiers: {kinds}"
    )
    print(
        f"available {balance.available_points}  pending {balance.pending_points}  "
        f"held {balance.held_points}  "
        f"expiring before {balance.expiring_before:%Y-%m-%d}: {balance.expiring_points}"
    )
    if balance.debt_points:
        print(f"owes {balance.debt_points} points after refunds of points already spent")
    print()
    print_table(
        ("hold", "partner", "status", "points", "captured", "value", "created at", "expires at"),
        [
            (
                h.id,
                h.partner_id,
                h.status.value,
                h.points,
                h.captured_points,
                h.value,
                h.created_at,
                h.expires_at,
            )
            for h in summary.holds
        ],
    )
    print()
    print_table(
        (
            "lot",
            "issuer",
            "status",
            "points",
            "remaining",
            "reserved",
            "available at",
            "expires at",
        ),
        [
            (
                lot.id,
                lot.partner_id,
                lot.status.value,
                lot.points,
                lot.remaining_points,
                lot.reserved_points,
                lot.available_at,
                lot.expires_at,
            )
            for lot in summary.lots
        ],
    )
    return 0
