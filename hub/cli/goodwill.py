"""``hub goodwill``: credit a member points for goodwill, and approve, reject or list credits.

Calls ``GoodwillService`` as the staff member whose profile it is given (an analyst or an
operator). Credits above the hub's threshold (``HUB_GOODWILL_APPROVAL_POINTS``) wait for
another person's ``approve``; smaller ones are posted at once.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from coalition.hub.v1 import common_pb2, goodwill_pb2, goodwill_pb2_grpc
from hub.cli.common import add_reason_flag
from hub.cli.json_output import add_json_flag, print_json
from hub.cli.staff_client import StaffClient, add_connection_flags, connected
from hub.services.goodwill import LIST_LIMIT_MAX

_STATUSES = {
    "pending": goodwill_pb2.GOODWILL_STATUS_PENDING,
    "posted": goodwill_pb2.GOODWILL_STATUS_POSTED,
    "rejected": goodwill_pb2.GOODWILL_STATUS_REJECTED,
    "all": goodwill_pb2.GOODWILL_STATUS_UNSPECIFIED,
}
_STATUS_NAMES = {number: name for name, number in _STATUSES.items()}


def register(subcommands: Any) -> None:
    goodwill = subcommands.add_parser(
        "goodwill", help="credit members points for goodwill; approve, reject or list credits"
    )
    actions = goodwill.add_subparsers(dest="action", required=True, metavar="ACTION")
    _register_request(actions)
    for name, run, says in (
        ("approve", run_approve, "post a pending credit (another person than its requester)"),
        ("reject", run_reject, "close a pending credit without posting it"),
    ):
        decide = actions.add_parser(name, help=says)
        decide.add_argument("credit_id", metavar="CREDIT")
        add_reason_flag(decide)
        add_connection_flags(decide)
        decide.set_defaults(run=run)
    listing = actions.add_parser("list", help="credits newest first (pending by default)")
    listing.add_argument("--status", choices=tuple(_STATUSES), default="pending")
    listing.add_argument("--member", default="", help="one member's credits (id or prefix)")
    listing.add_argument("--limit", type=int, default=100, help=f"1 to {LIST_LIMIT_MAX}")
    add_json_flag(listing)
    add_connection_flags(listing)
    listing.set_defaults(run=run_list)


def _register_request(actions: Any) -> None:
    request = actions.add_parser(
        "request",
        help="credit a member: posted at once up to the threshold, else pending approval",
    )
    request.add_argument("member_id", metavar="MEMBER", help="member id (or a unique prefix)")
    request.add_argument("points", type=int, metavar="POINTS")
    funder = request.add_mutually_exclusive_group(required=True)
    funder.add_argument("--partner", help="the partner that pays for the points")
    funder.add_argument(
        "--coalition", action="store_true", help="the coalition pays (its adjustments)"
    )
    add_reason_flag(request)
    request.add_argument(
        "--idempotency-key",
        dest="idempotency_key",
        help="re-running with the same key credits once (default: a new key)",
    )
    add_connection_flags(request)
    request.set_defaults(run=run_request)


def run_request(args: argparse.Namespace) -> int:
    message = goodwill_pb2.RequestCreditRequest(
        idempotency_key=args.idempotency_key or uuid.uuid4().hex,
        member_id=args.member_id,
        points=args.points,
        funder=common_pb2.FUNDER_COALITION if args.coalition else common_pb2.FUNDER_PARTNER,
        partner_id=args.partner or "",
        reason=args.reason,
    )
    with connected(args) as client:
        answer = client.call(_stub(client).RequestCredit, message)
    _print(answer.credit)
    return 0


def run_approve(args: argparse.Namespace) -> int:
    message = goodwill_pb2.ApproveCreditRequest(credit_id=args.credit_id, reason=args.reason)
    with connected(args) as client:
        answer = client.call(_stub(client).ApproveCredit, message)
    _print(answer.credit)
    return 0


def run_reject(args: argparse.Namespace) -> int:
    message = goodwill_pb2.RejectCreditRequest(credit_id=args.credit_id, reason=args.reason)
    with connected(args) as client:
        answer = client.call(_stub(client).RejectCredit, message)
    _print(answer.credit)
    return 0


def run_list(args: argparse.Namespace) -> int:
    message = goodwill_pb2.ListCreditsRequest(
        status=_STATUSES[args.status], member_id=args.member, limit=args.limit
    )
    with connected(args) as client:
        answer = client.call(_stub(client).ListCredits, message)
    if args.json:
        print_json(list(answer.credits))
        return 0
    if not answer.credits:
        print(f"no {args.status} goodwill credits" if args.status != "all" else "no credits")
    for credit in answer.credits:
        _print(credit)
    return 0


def _stub(client: StaffClient) -> goodwill_pb2_grpc.GoodwillServiceStub:
    return goodwill_pb2_grpc.GoodwillServiceStub(client.channel)  # type: ignore[no-untyped-call]


def _print(credit: goodwill_pb2.GoodwillCredit) -> None:
    """One credit per line, with its whole id (``approve`` and ``reject`` take it)."""
    funder = credit.partner_id or "coalition"
    decided = f" by {credit.decided_by}" if credit.decided_by else ""
    posting = f" transaction {credit.transaction_id}" if credit.transaction_id else ""
    print(
        f"{credit.credit_id} {_STATUS_NAMES[credit.status]}{decided}: {credit.points} points "
        f"to member {credit.member_id}, paid by {funder}, asked by {credit.requested_by} "
        f"({credit.reason}){posting}"
    )
