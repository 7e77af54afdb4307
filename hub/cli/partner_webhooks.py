"""``hub partner webhook``: where a partner's events are delivered, over the admin API.

    hub partner webhook set coffee https://shop.example/hooks/hub --reason T-1  # prints the secret
    hub partner webhook set coffee https://shop.example/hooks/hub --from 2026-12-01T00:00Z \
        --reason "resend since the 1st"
    hub partner webhook show coffee
    hub partner webhook rotate-secret coffee --reason "leaked"                # prints the new one
    hub partner webhook expiry-notice coffee --days 30 --reason T-2

Only https:// URLs are accepted. The secret is printed once, when it is made; the partner
checks each delivery with it (``partner_sdk.webhooks.verify``). A new webhook receives the
events written after it was set, not the partner's history; ``--from`` delivers (again) those
written from that time on; a changed URL goes on where the old one stopped.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from coalition.hub.v1 import admin_pb2
from hub.cli.common import add_reason_flag, print_record, print_table
from hub.cli.json_output import add_json_flag
from hub.cli.staff_client import add_connection_flags, connected


def register(actions: Any) -> None:
    """``webhook`` under ``hub partner``."""
    webhook = actions.add_parser("webhook", help="where a partner's events are delivered")
    hooks = webhook.add_subparsers(dest="webhook_action", required=True, metavar="ACTION")
    set_url = hooks.add_parser("set", help="set the https:// URL (a first secret is printed)")
    set_url.add_argument("partner_id")
    set_url.add_argument("url")
    set_url.add_argument(
        "--from",
        dest="deliver_from",
        type=_instant,
        metavar="TIME",
        help="deliver the events written from TIME on (ISO-8601 with zone), even those "
        "delivered already (default: only events written from now on)",
    )
    add_reason_flag(set_url)
    set_url.set_defaults(run=run_set)
    show = hooks.add_parser("show", help="the webhook and event settings (never the secret)")
    show.add_argument("partner_id")
    add_json_flag(show)
    show.set_defaults(run=run_show)
    rotate = hooks.add_parser("rotate-secret", help="a new secret, printed once")
    rotate.add_argument("partner_id")
    add_reason_flag(rotate)
    rotate.set_defaults(run=run_rotate)
    notice = hooks.add_parser("expiry-notice", help="days ahead expiring points are announced")
    notice.add_argument("partner_id")
    notice.add_argument("--days", type=int, required=True, help="1..365 (default 14)")
    add_reason_flag(notice)
    notice.set_defaults(run=run_expiry_notice)
    for action in hooks.choices.values():
        add_connection_flags(action)


def run_set(args: argparse.Namespace) -> int:
    request = admin_pb2.SetPartnerWebhookRequest(
        partner_id=args.partner_id, url=args.url, reason=args.reason
    )
    if args.deliver_from is not None:
        request.deliver_from.FromDatetime(args.deliver_from)
    with connected(args) as client:
        _print(client.call(client.admin.SetPartnerWebhook, request).webhook)
    return 0


def run_show(args: argparse.Namespace) -> int:
    request = admin_pb2.GetPartnerWebhookRequest(partner_id=args.partner_id)
    with connected(args) as client:
        webhook = client.call(client.admin.GetPartnerWebhook, request).webhook
    print_record(webhook, lambda: _print(webhook))
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    request = admin_pb2.RotatePartnerWebhookSecretRequest(
        partner_id=args.partner_id, reason=args.reason
    )
    with connected(args) as client:
        _print(client.call(client.admin.RotatePartnerWebhookSecret, request).webhook)
    return 0


def run_expiry_notice(args: argparse.Namespace) -> int:
    request = admin_pb2.SetPartnerExpiryNoticeRequest(
        partner_id=args.partner_id, expiry_notice_days=args.days, reason=args.reason
    )
    with connected(args) as client:
        _print(client.call(client.admin.SetPartnerExpiryNotice, request).webhook)
    return 0


def _print(webhook: admin_pb2.PartnerWebhook) -> None:
    print_table(
        ("partner", "url", "secret", "expiry notice days"),
        [
            (
                webhook.partner_id,
                webhook.url or "(none)",
                "set" if webhook.has_secret else "(none)",
                webhook.expiry_notice_days,
            )
        ],
    )
    if webhook.secret:
        print()
        print("The webhook secret, shown this once (give it to the partner):")
        print(webhook.secret)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T00:00:00Z")
    return moment
