"""``hub member``: show a member to support staff, erase one on request, and manage the keys
that protect members' data (``keys`` reports their use, ``rekey`` re-seals contacts).

``erase`` is an operator's command over the hub's AdminService, and ``merge``/``unmerge``
over its MergeService (``hub.cli.member_merge``), as the operator's certificate names them.
``show``, ``keys`` and ``rekey`` open the database with the master keys (they decrypt
contacts and hash identifiers), so they run on the hub operator's machine only; an analyst
looks at an account with ``hub fraud show`` instead.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import admin_pb2
from hub.bootstrap import Hub
from hub.cli import member_merge
from hub.cli.common import (
    add_database_flag,
    add_reason_flag,
    opened,
    print_listing,
    print_record,
    print_table,
)
from hub.cli.json_output import add_json_flag
from hub.cli.progress import add_progress_flag, progress_for
from hub.cli.staff_client import add_connection_flags, connected
from hub.domain.contacts import Contact, ContactCipherError
from hub.domain.ids import parse_id
from hub.domain.members import Identifier, IdentifierKind
from hub.domain.phones import check_phone_region
from hub.services.commands import MemberRef
from hub.services.results import MemberSummary

MASTER_KEYS_NOTE = (
    "The hub operator's machine only: opens the database with the master keys "
    "($HUB_DATABASE_URL, $HUB_IDENTIFIER_KEY, $HUB_DATA_KEY)"
)
DIRECT = " (operator's machine: database and master keys)"


def register(subcommands: Any) -> None:
    member = subcommands.add_parser(
        "member", help="look at members, erase or merge them, manage keys"
    )
    actions = member.add_subparsers(dest="action", required=True, metavar="ACTION")
    _register_show(actions)
    erase = actions.add_parser(
        "erase",
        help="delete a member's personal data on request; the ledger keeps the id (over "
        "the hub, as your operator certificate names you)",
    )
    erase.add_argument("member_id", help="the member's id")
    add_reason_flag(erase)
    add_connection_flags(erase)
    erase.set_defaults(run=run_erase)
    member_merge.register(actions)  # merge, unmerge: over the hub too
    keys = actions.add_parser(
        "keys", help="rows per identifier and data key" + DIRECT, description=MASTER_KEYS_NOTE
    )
    add_json_flag(keys)
    keys.set_defaults(run=run_keys)
    rekey = actions.add_parser(
        "rekey",
        help="re-seal every contact under the current data key" + DIRECT,
        description=MASTER_KEYS_NOTE,
    )
    add_progress_flag(rekey)
    rekey.set_defaults(run=run_rekey)
    for action in (keys, rekey):
        add_database_flag(action)


def _register_show(actions: Any) -> None:
    show = actions.add_parser(
        "show",
        help="status, balance, contact and lots of one member" + DIRECT,
        description=f"{MASTER_KEYS_NOTE}. Analysts see an account (masked identifiers, "
        "transactions, lots, holds, flags) over the hub with `hub fraud show MEMBER_ID`.",
    )
    which = show.add_mutually_exclusive_group(required=True)
    which.add_argument("member_id", nargs="?", help="the member's id")
    for kind in IdentifierKind:
        which.add_argument(
            f"--{kind.value.replace('_', '-')}",
            dest=kind.value,
            metavar="VALUE",
            help=f"find by {kind.value}",
        )
    show.add_argument(
        "--phone-region",
        default="",
        help="ISO 3166 country a national --phone is read in, e.g. RU for '8 916 123-45-67' "
        "(default: --phone must be in international form, '+' and the country code)",
    )
    add_database_flag(show)
    add_json_flag(show)
    show.set_defaults(run=run_show)


def _member_ref(args: argparse.Namespace) -> MemberRef:
    if args.member_id:
        return parse_id(args.member_id, field="member_id")
    kind = next(kind for kind in IdentifierKind if getattr(args, kind.value))
    region = check_phone_region(args.phone_region, field="--phone-region")
    return Identifier.parse(
        kind,
        getattr(args, kind.value),
        field_name=f"--{kind.value.replace('_', '-')}",
        phone_region=region,
    )


def run_erase(args: argparse.Namespace) -> int:
    member_id = parse_id(args.member_id, field="member_id")
    request = admin_pb2.EraseMemberRequest(member_id=str(member_id), reason=args.reason)
    with connected(args) as client:
        erased = client.call(client.admin.EraseMember, request)
    when = f"{_moment(erased.erased_at):%Y-%m-%d %H:%M:%SZ}"
    if erased.already_erased:
        print(f"member {erased.member_id} was already erased at {when}; nothing changed")
    else:
        print(f"member {erased.member_id} erased at {when}: identifiers and contact deleted")
    return 0


def _moment(message: Timestamp) -> datetime:
    return message.ToDatetime(tzinfo=UTC)


def run_keys(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        usage = hub.member_key_usage()
    print_listing(
        ("data", "key id", "state", "rows"),
        [(u.purpose, u.key_id, u.state, u.rows) for u in usage],
        usage,
    )
    return 0


def run_rekey(args: argparse.Namespace) -> int:
    with opened(args) as hub, progress_for(args, "member rekey") as progress:
        report = hub.rekey_contacts(progress)
    print(f"{report.rekeyed} contacts re-sealed; all readable ones are under key {report.key_id}")
    if report.unreadable:
        print(
            f"hub: {report.unreadable} contacts could not be opened (see the log); "
            "keep their key configured",
            file=sys.stderr,
        )
        return 1
    return 0


def _contact_lines(contact: Contact | None) -> list[str]:
    if contact is None:
        return ["contact: none kept"]
    born = contact.birth_date.isoformat() if contact.birth_date else None
    shown = [("name", contact.name), ("email", contact.email), ("phone", contact.phone)]
    return [f"contact: {label} {value}" for label, value in (*shown, ("born", born)) if value]


def _contact_of(hub: Hub, member_id: uuid.UUID) -> Contact | ContactCipherError | None:
    try:
        return hub.member_contact(member_id)
    except ContactCipherError as error:
        # The rest of the member is still worth showing.
        return error


def run_show(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        summary = hub.inspect_member(_member_ref(args))
        contact = _contact_of(hub, summary.member.member_id)
    print_record(_member_record(summary, contact), lambda: _print_member(summary, contact))
    return 0


def _member_record(
    summary: MemberSummary, contact: Contact | ContactCipherError | None
) -> dict[str, object]:
    member = summary.member
    unreadable = isinstance(contact, ContactCipherError)
    return {
        "member_id": member.member_id,
        "status": member.status,
        "enrolled_at": member.enrolled_at,
        "identifier_kinds": member.identifier_kinds,
        "balance": summary.balance,
        "contact": None if unreadable else contact,
        "contact_error": str(contact) if unreadable else None,
        "holds": [
            {
                "hold_id": h.id,
                "partner_id": h.partner_id,
                "order_id": h.order_id or None,
                "status": h.status,
                "points": h.points,
                "captured_points": h.captured_points,
                "value": h.value,
                "created_at": h.created_at,
                "expires_at": h.expires_at,
                "resolved_at": h.resolved_at,
                "transaction_id": h.transaction_id,
            }
            for h in summary.holds
        ],
        "lots": [
            {
                "lot_id": lot.id,
                "partner_id": lot.partner_id,
                "earn_transaction_id": lot.earn_transaction_id,
                "status": lot.status,
                "points": lot.points,
                "remaining_points": lot.remaining_points,
                "reserved_points": lot.reserved_points,
                "created_at": lot.created_at,
                "available_at": lot.available_at,
                "expires_at": lot.expires_at,
                "issue_price": lot.issue_price,
            }
            for lot in summary.lots
        ],
    }


def _print_member(summary: MemberSummary, found: Contact | ContactCipherError | None) -> None:
    if isinstance(found, ContactCipherError):
        contact = [f"contact: unreadable ({found})"]
    else:
        contact = _contact_lines(found)
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
    print("\n".join(contact))
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
