"""``hub partner api-key``: the keys a partner's web shop calls the REST gateway with.

    hub partner api-key create coffee --label "web shop" --reason T-1   # prints the key once
    hub partner api-key list [coffee]
    hub partner api-key revoke 1a2b3c4d5e6f --reason "leaked"

The key is printed once, at creation; the hub keeps only its hash, so a lost key is revoked
and replaced, never shown again. A revoked key is refused within a second by every replica.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from coalition.hub.v1 import admin_pb2
from hub.cli.common import add_reason_flag, print_listing
from hub.cli.json_output import add_json_flag
from hub.cli.staff_client import add_connection_flags, connected


def register(actions: Any) -> None:
    """``api-key`` under ``hub partner``."""
    api_key = actions.add_parser("api-key", help="a partner's API keys for the REST gateway")
    keys = api_key.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    create = keys.add_parser("create", help="make a key (printed once)")
    create.add_argument("partner_id")
    create.add_argument("--label", required=True, help="what it is for, e.g. 'web shop'")
    add_reason_flag(create)
    create.set_defaults(run=run_create)
    revoke = keys.add_parser("revoke", help="refuse a key from its next call on")
    revoke.add_argument("key_id")
    add_reason_flag(revoke)
    revoke.set_defaults(run=run_revoke)
    listing = keys.add_parser("list", help="the keys issued (never the keys themselves)")
    listing.add_argument("partner_id", nargs="?", default="")
    add_json_flag(listing)
    listing.set_defaults(run=run_list)
    for action in keys.choices.values():
        add_connection_flags(action)


def run_create(args: argparse.Namespace) -> int:
    request = admin_pb2.CreateApiKeyRequest(
        partner_id=args.partner_id, label=args.label, reason=args.reason
    )
    with connected(args) as client:
        made = client.call(client.admin.CreateApiKey, request)
    _print_keys([made.api_key])
    print()
    print("The key, shown this once (the hub keeps only its hash):")
    print(made.key)
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    request = admin_pb2.RevokeApiKeyRequest(key_id=args.key_id, reason=args.reason)
    with connected(args) as client:
        revoked = client.call(client.admin.RevokeApiKey, request)
    _print_keys([revoked.api_key])
    return 0


def run_list(args: argparse.Namespace) -> int:
    request = admin_pb2.ListApiKeysRequest(partner_id=args.partner_id)
    with connected(args) as client:
        listed = client.call(client.admin.ListApiKeys, request)
    _print_keys(listed.api_keys)
    return 0


def _print_keys(keys: Sequence[admin_pb2.ApiKey]) -> None:
    print_listing(
        ("key id", "partner", "label", "created", "by", "revoked"),
        [
            (
                key.key_id,
                key.partner_id,
                key.label,
                key.created_at.ToDatetime().isoformat(timespec="seconds"),
                key.created_by,
                key.revoked_at.ToDatetime().isoformat(timespec="seconds")
                if key.HasField("revoked_at")
                else "",
            )
            for key in keys
        ],
        keys,
    )
