"""``hub demo``: the whole hub working, on an embedded SQLite file, in a few seconds.

It starts a hub in-process on a manual clock, onboards three partners with different currencies
and rates, enrolls members, drives a few hundred purchases through the partner SDK over real
gRPC, and shows a retried call replayed and bad input refused. Then the clock moves on to
simulate days and months, with the sweeper run after each step: pending points mature; members
redeem at partners where they did not earn most (holds captured, partly captured, voided, left
to expire); tills meet typed errors; purchases and a redemption are refunded, one purchase
after its points were spent (debt, paid off by the next earn); the operator sets earning rules
(tiers, exclusions, a double-points week, welcome and review bonuses) and a new member's
receipts print their breakdown, with a tier upgrade; a year on, unspent points expire to
breakage; and a fraud ring is caught at the till, and an analyst freezes it, declines its held
redemption, annuls its points and resolves its flags. The night's settlement follows: the
matrix of who redeemed whose points, net positions and transfers, statements signed and written
to a folder, a partner's own report reconciled, and approval by a second officer. The event
stream follows: the relay drains the outbox to a partner's HTTPS webhook (a local receiver
that verifies each signed delivery with the partner SDK), and to NATS JetStream with
``--nats URL``. It ends with the ledger check.

It runs over mutual TLS with a coalition CA it creates for itself: each partner's SDK client
connects with its own certificate; a second partner cannot touch the first one's hold; a
revoked certificate is refused at its next call; and the audit log of every staff change
verifies at the end.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.api.server import RunningServer, start_server
from hub.cli.demo.clock import BusinessTime, expire_points, mature_pending_points
from hub.cli.demo.events import WebhookReceiver, register_webhook, show_event_stream
from hub.cli.demo.fraud import show_fraud_ring
from hub.cli.demo.partners import onboard
from hub.cli.demo.redemptions import expire_holds, redeem, show_redemptions
from hub.cli.demo.refunds import (
    plan_refunds,
    refund_receipts,
    show_refund_of_one_line,
    show_void_paying_debt,
)
from hub.cli.demo.refusals import show_retry_and_refusals
from hub.cli.demo.rules import set_up_rules, show_rules_at_the_till
from hub.cli.demo.security import (
    DemoPki,
    connect_partners,
    issue_partner_certificates,
    show_audit_log,
    show_partners_kept_apart,
    show_revocation,
)
from hub.cli.demo.settlement import show_settlement
from hub.cli.demo.shopping import enroll, shop, show_members, show_partners
from hub.cli.demo.till_errors import show_till_errors
from hub.cli.ledger import print_report
from hub.config import Settings, new_keys_env
from hub.domain.clock import ManualClock

__all__ = ["register", "run"]

# Fewer than these leave some chapter without a member or receipt to show.
MEMBERS_MIN = 20
PURCHASES_MIN = 100


def register(subcommands: Any) -> None:
    demo = subcommands.add_parser("demo", help="run the hub end to end on an embedded database")
    demo.add_argument("--members", type=partial(_at_least, MEMBERS_MIN), default=40)
    demo.add_argument("--purchases", type=partial(_at_least, PURCHASES_MIN), default=300)
    demo.add_argument("--seed", type=int, default=7, help="random seed, for repeatable runs")
    demo.add_argument("--keep", metavar="DIR", help="keep the SQLite database in DIR")
    demo.add_argument(
        "--statements",
        metavar="DIR",
        default="hub-demo-statements",
        help="where the night's signed statements are written (default: %(default)s)",
    )
    demo.add_argument(
        "--nats",
        metavar="URL",
        default="",
        help="also publish the event stream to NATS JetStream at URL (default: webhook only)",
    )
    demo.set_defaults(run=run)


def _at_least(minimum: int, text: str) -> int:
    value = int(text)
    if value < minimum:
        raise argparse.ArgumentTypeError(f"the tour needs at least {minimum}; got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="hub-demo-") as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = {**new_keys_env(), "HUB_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"}
        settings = Settings.from_env(env, threads=8)
        # Starts at the real time so dates read naturally, then moves only when told to.
        clock = ManualClock(datetime.now(UTC))
        hub = bootstrap.build(settings, clock=clock)
        upgrade(hub.engine)
        pki = DemoPki.create(folder / "pki")
        server = start_server(hub, "127.0.0.1:0", tls=pki.server_tls())
        receiver = WebhookReceiver(pki, folder / "webhook").start()
        try:
            ok = _tour(BusinessTime(hub, clock), server, pki, receiver, args)
        finally:
            receiver.stop()
            server.stop(grace_s=5)
            hub.close()
        if args.keep:
            _keep_env(folder / "hub.env", env)
    return 0 if ok else 1


def _keep_env(path: Path, env: dict[str, str]) -> None:
    """The database's URL and keys, so that ``hub`` commands can work on the kept database
    (audit records must chain under the same key). Readable by the owner only."""
    path.touch(mode=0o600)
    path.write_text("".join(f"{name}={value}\n" for name, value in sorted(env.items())))
    print(f"\nThe demo database is kept at {env['HUB_DATABASE_URL']}; to work on it:")
    print(f"  set -a; . {path}; set +a")
    print("  hub serve --insecure --listen 127.0.0.1:50051 &   # staff commands call the hub")
    print("  hub fraud queue --insecure-as analyst/ana --hub 127.0.0.1:50051")
    print("  hub settle days --insecure-as officer/pat --hub 127.0.0.1:50051")
    print(
        "  hub settle approve --date <the day shown> --note 'checked' "
        "--insecure-as officer/pat --hub 127.0.0.1:50051"
    )


def _tour(
    hub_time: BusinessTime,
    server: RunningServer,
    pki: DemoPki,
    receiver: WebhookReceiver,
    args: argparse.Namespace,
) -> bool:
    target = f"localhost:{server.port}"
    print(f"Hub serving mTLS on {target} (SQLite, in this process, on a simulated clock)\n")
    onboard(hub_time.hub)
    issue_partner_certificates(hub_time.hub, pki)
    register_webhook(hub_time.hub, receiver)
    rng = random.Random(args.seed)  # noqa: S311 (made-up shopping, not secrets)
    clients = connect_partners(pki, target)
    try:
        cards = enroll(clients, args.members)
        receipts = shop(clients, cards, args.purchases, rng)
        show_retry_and_refusals(clients["coffee"], cards[0])
        show_partners_kept_apart(clients, cards[0])
        show_revocation(hub_time.hub, pki, target)
        show_partners(hub_time.hub, receipts)
        show_members(clients["coffee"], cards[:5])
        mature_pending_points(hub_time, clients["fuel"], cards)
        refund_plan = plan_refunds(receipts)
        redemptions = redeem(clients, receipts, cards, refund_plan.cards(), rng)
        redemptions = expire_holds(hub_time, clients, redemptions)
        show_redemptions(redemptions)
        show_till_errors(clients, redemptions)
        refund_receipts(clients, refund_plan, redemptions)
        set_up_rules(hub_time.hub, hub_time.hub.clock.now())
        show_rules_at_the_till(hub_time.hub, clients["coffee"])
        show_refund_of_one_line(clients["coffee"])
        show_void_paying_debt(clients["coffee"], clients["airline"])
        expire_points(hub_time, clients["coffee"], cards)
        show_fraud_ring(hub_time.hub, clients)
        show_settlement(hub_time, clients, cards, receipts, Path(args.statements))
    finally:
        for client in clients.values():
            client.close()
    events_ok = show_event_stream(hub_time.hub, receiver, args.nats)
    audit_ok = show_audit_log(hub_time.hub)
    print("\nLedger check")
    report = hub_time.hub.operator.verify_ledger()
    print_report(report)
    return report.ok and audit_ok and events_ok
