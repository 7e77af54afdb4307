"""``hub partner``: onboard partners, schedule their rates, enable and disable them."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from hub.cli.common import add_database_flag, add_reason_flag, attribution, opened, print_table
from hub.domain.errors import InvalidField
from hub.domain.limits import HOLD_TTL_DEFAULT_S
from hub.domain.money import PARTNER_ROUNDINGS, Rounding
from hub.domain.partners import BurnRules, ExpiryPolicy
from hub.domain.rates import Rates, parse_rate
from hub.services.commands import AddPartner, SetPartnerStatus, SetRate, SetRateLimit
from hub.services.results import PartnerView

RATE_FLAGS = ("earn_rate", "burn_value", "issue_price", "redemption_price")
RATE_HELP = {
    "earn_rate": "points per major unit of the purchase currency, e.g. 0.1",
    "burn_value": "purchase-currency value of one point redeemed here, e.g. 0.5",
    "issue_price": "settlement-currency price the partner pays per point issued",
    "redemption_price": "settlement-currency price the coalition pays per point redeemed here",
}


def register(subcommands: Any) -> None:
    partner = subcommands.add_parser("partner", help="manage partners and their rates")
    actions = partner.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="onboard a partner with its first rates")
    add.add_argument("partner_id")
    add.add_argument("--name", required=True)
    add.add_argument("--currency", required=True, help="ISO-4217 purchase currency, e.g. EUR")
    _rate_flags(add, required=True)
    add.add_argument(
        "--rounding",
        default="floor",
        choices=[r.value for r in PARTNER_ROUNDINGS],
        help="for settlement values",
    )
    add.add_argument(
        "--pending-period-s",
        type=int,
        default=0,
        help="seconds before earned points mature (0 = at once)",
    )
    add.add_argument("--expiry", default="never", help="never | months:N | end-of-month:N")
    add.add_argument(
        "--effective-from", type=_instant, help="ISO-8601 instant with zone (default: now)"
    )
    _burn_flags(add)
    add_reason_flag(add)
    add.set_defaults(run=run_add)

    set_rate = actions.add_parser(
        "set-rate", help="schedule new rates; unspecified ones carry over"
    )
    set_rate.add_argument("partner_id")
    _rate_flags(set_rate, required=False)
    set_rate.add_argument(
        "--effective-from", type=_instant, help="ISO-8601 instant with zone (default: now)"
    )
    add_reason_flag(set_rate)
    set_rate.set_defaults(run=run_set_rate)

    set_limit = actions.add_parser(
        "set-limit", help="requests per second the partner may make, per hub process"
    )
    set_limit.add_argument("partner_id")
    set_limit.add_argument(
        "--per-s", type=int, help="requests per second; omit to return to the hub's default"
    )
    add_reason_flag(set_limit)
    set_limit.set_defaults(run=run_set_limit)

    for name, help_text, run in (
        ("list", "list partners with their current rates", run_list),
        ("show", "one partner with every rate version", run_show),
        ("disable", "refuse the partner's calls from now on", run_disable),
        ("enable", "accept the partner's calls again", run_enable),
    ):
        action = actions.add_parser(name, help=help_text)
        if name != "list":
            action.add_argument("partner_id")
        if name in ("disable", "enable"):
            add_reason_flag(action)
        action.set_defaults(run=run)
    for action in actions.choices.values():
        add_database_flag(action)


def _burn_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hold-ttl-s", type=int, default=HOLD_TTL_DEFAULT_S, help="hold lifetime")
    parser.add_argument(
        "--burn-min-points", type=int, default=1, help="fewest points per redemption"
    )
    parser.add_argument(
        "--burn-max-share", default="1", help="most of a receipt payable with points"
    )
    parser.add_argument("--burn-min-cash-minor", type=int, default=0, help="least paid in money")
    parser.add_argument(
        "--burn-excluded-categories",
        default="",
        help="comma-separated categories points cannot pay",
    )


def _rate_flags(parser: argparse.ArgumentParser, *, required: bool) -> None:
    for name in RATE_FLAGS:
        parser.add_argument(f"--{name.replace('_', '-')}", required=required, help=RATE_HELP[name])


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T00:00:00Z")
    return moment


def run_add(args: argparse.Namespace) -> int:
    rates = Rates.parse(**{name: getattr(args, name) for name in RATE_FLAGS})
    command = AddPartner(
        partner_id=args.partner_id,
        name=args.name,
        currency=args.currency,
        rates=rates,
        rounding=Rounding(args.rounding),
        pending_period_s=args.pending_period_s,
        expiry=ExpiryPolicy.parse(args.expiry),
        effective_from=args.effective_from,
        hold_ttl_s=args.hold_ttl_s,
        burn_rules=BurnRules(
            min_points=args.burn_min_points,
            max_share=parse_rate(args.burn_max_share, field="burn_max_share"),
            min_cash_minor=args.burn_min_cash_minor,
            excluded_categories=frozenset(
                c.strip() for c in args.burn_excluded_categories.split(",") if c.strip()
            ),
        ),
        changed_by=attribution(args),
    )
    with opened(args) as hub:
        _print_partners([hub.operator.add_partner(command)])
    return 0


def run_set_rate(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        view = hub.operator.get_partner(args.partner_id)
        effective_from = args.effective_from or hub.clock.now()
        # Unspecified rates carry over from the version in force then (or the first one); a
        # date in the past is refused by the use case itself.
        started = [v for v in view.rate_versions if v.effective_from <= effective_from]
        base = max(started or view.rate_versions[:1], key=lambda v: v.effective_from).rates
        given = {
            name: getattr(args, name) for name in RATE_FLAGS if getattr(args, name) is not None
        }
        if not given:
            raise InvalidField(
                "give at least one of --earn-rate, --burn-value, --issue-price, --redemption-price",
                field="rates",
            )
        rates = Rates.parse(
            **{name: given.get(name, str(getattr(base, name))) for name in RATE_FLAGS}
        )
        version = hub.operator.set_rate(
            SetRate(args.partner_id, rates, effective_from, changed_by=attribution(args))
        )
        print(
            f"rates of {args.partner_id} from {version.effective_from.isoformat()}: "
            + _rates_text(rates)
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        _print_partners(hub.operator.list_partners())
    return 0


def run_show(args: argparse.Namespace) -> int:
    with opened(args) as hub:
        view = hub.operator.get_partner(args.partner_id)
        _print_partners([view])
        print()
        print_table(
            ("effective from", *RATE_FLAGS),
            [
                (v.effective_from, *(getattr(v.rates, name) for name in RATE_FLAGS))
                for v in view.rate_versions
            ],
        )
    return 0


def _set_status(args: argparse.Namespace, *, active: bool) -> int:
    with opened(args) as hub:
        command = SetPartnerStatus(args.partner_id, active, changed_by=attribution(args))
        _print_partners([hub.operator.set_partner_status(command)])
    return 0


def run_set_limit(args: argparse.Namespace) -> int:
    command = SetRateLimit(args.partner_id, args.per_s, changed_by=attribution(args))
    with opened(args) as hub:
        _print_partners([hub.operator.set_rate_limit(command)])
    return 0


def run_disable(args: argparse.Namespace) -> int:
    return _set_status(args, active=False)


def run_enable(args: argparse.Namespace) -> int:
    return _set_status(args, active=True)


def _rates_text(rates: Rates) -> str:
    return ", ".join(f"{name} {getattr(rates, name)}" for name in RATE_FLAGS)


def _print_partners(views: list[PartnerView]) -> None:
    rows = []
    for view in views:
        partner, current = view.partner, view.current_rate
        rates = [getattr(current.rates, name) if current else None for name in RATE_FLAGS]
        rows.append(
            (
                partner.id,
                partner.name,
                partner.currency.code,
                *rates,
                partner.pending_period_s,
                str(partner.expiry),
                partner.status.value,
                partner.rate_limit_per_s or "default",
                view.issued_points,
            )
        )
    headers = (
        "id",
        "name",
        "currency",
        "earn rate",
        "burn value",
        "issue price",
        "redemption price",
        "pending s",
        "expiry",
        "status",
        "limit /s",
        "issued points",
    )
    print_table(headers, rows)
