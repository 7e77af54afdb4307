"""``hub partner``: onboard partners, schedule their rates, enable and disable them.

An operator's commands: they call the hub's AdminService (and RulesService, for what
``show`` lists) with the operator's own certificate, which the audit log names; no database
URL or key is needed on the operator's machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import admin_pb2, common_pb2, rules_pb2
from hub.api import rules_convert
from hub.api.convert import timestamp
from hub.cli import api_keys, partner_webhooks
from hub.cli.common import add_reason_flag, print_listing, print_record, print_table
from hub.cli.json_output import add_json_flag
from hub.cli.rule_text import instant, summary
from hub.cli.staff_client import StaffClient, add_connection_flags, connected
from hub.domain.errors import InvalidField
from hub.domain.limits import HOLD_TTL_DEFAULT_S, OFFLINE_WINDOW_DEFAULT_S
from hub.domain.money import PARTNER_ROUNDINGS, EarnRounding
from hub.domain.partners import check_hold_ttl, parse_category_shares
from hub.domain.rules import RuleKind
from hub.services.partners import RATE_LIMIT_PER_S_MAX
from hub.services.results import RulesListed

OPERATOR_NOTE = (
    "An operator's commands: they call the hub with your operator certificate (--profile, "
    "$HUB_PROFILE, or --hub/--cert/--key/--ca; `hub certs issue staff NAME --role operator` "
    "writes a profile). No database URL or key is needed; the audit log names you."
)
RATE_FLAGS = ("earn_rate", "burn_value", "issue_price", "redemption_price")
PHONE_REGION_HELP = (
    "ISO 3166 country its tills are in, e.g. RU: '8 916 123-45-67' then means +79161234567; "
    "'' (the default) accepts only numbers in international form, '+' and the country code"
)
OFFLINE_WINDOW_HELP = (
    "seconds after a sale its earn may still arrive (tills that queued it while the hub was "
    "unreachable send it later); 0 refuses earns sent after the sale"
)
RATE_HELP = {
    "earn_rate": "points per major unit of the purchase currency, e.g. 0.1",
    "burn_value": "purchase-currency value of one point redeemed here, e.g. 0.5",
    "issue_price": "settlement-currency price the partner pays per point issued",
    "redemption_price": "settlement-currency price the coalition pays per point redeemed here",
}


def register(subcommands: Any) -> None:
    partner = subcommands.add_parser(
        "partner", help="manage partners and their rates", description=OPERATOR_NOTE
    )
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
        "--earn-rounding",
        default=EarnRounding.DOWN.value,
        choices=[mode.value for mode in EarnRounding],
        help="how base points of earns round (the partner's choice: under half_up or up a "
        "receipt split in two may earn more than the whole)",
    )
    add.add_argument(
        "--pending-period-s",
        type=int,
        default=0,
        help="seconds before earned points mature (0 = at once)",
    )
    add.add_argument("--expiry", default="never", help="never | months:N | end-of-month:N")
    add.add_argument("--phone-region", default="", help=PHONE_REGION_HELP)
    add.add_argument(
        "--offline-window-s",
        type=int,
        default=OFFLINE_WINDOW_DEFAULT_S,
        help=f"{OFFLINE_WINDOW_HELP} (default: {OFFLINE_WINDOW_DEFAULT_S}, 72 h)",
    )
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

    set_region = actions.add_parser(
        "set-phone-region", help="the country the partner's national phone numbers are read in"
    )
    set_region.add_argument("partner_id")
    set_region.add_argument("--phone-region", required=True, help=PHONE_REGION_HELP)
    add_reason_flag(set_region)
    set_region.set_defaults(run=run_set_phone_region)

    set_window = actions.add_parser(
        "set-offline-window", help="how long after a sale its tills may still send the earn"
    )
    set_window.add_argument("partner_id")
    set_window.add_argument("--offline-window-s", type=int, required=True, help=OFFLINE_WINDOW_HELP)
    add_reason_flag(set_window)
    set_window.set_defaults(run=run_set_offline_window)

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
        if name in ("list", "show"):
            add_json_flag(action)
        action.set_defaults(run=run)
    for action in actions.choices.values():
        add_connection_flags(action)
    api_keys.register(actions)  # after: it adds its connection flags per action
    partner_webhooks.register(actions)  # the same


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
    parser.add_argument(
        "--burn-category-shares",
        default="",
        help="most of a category's lines payable with points, e.g. children=0.2,alcohol=0",
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
    request = admin_pb2.AddPartnerRequest(
        partner_id=args.partner_id,
        name=args.name,
        currency=args.currency,
        rates=common_pb2.Rates(
            **{name: getattr(args, name) for name in RATE_FLAGS},
            effective_from=timestamp(args.effective_from),
        ),
        rounding=args.rounding,
        pending_period_s=args.pending_period_s,
        expiry=args.expiry,
        # Checked here: on the wire 0 means the hub's default, not a hold that never lives.
        hold_ttl_s=check_hold_ttl(args.hold_ttl_s, field="--hold-ttl-s"),
        burn_rules=_burn_rules(args),
        reason=args.reason,
        earn_rounding=args.earn_rounding,
        phone_region=args.phone_region,
        offline_window_s=args.offline_window_s,
    )
    with connected(args) as client:
        _print_partners([client.call(client.admin.AddPartner, request)])
    return 0


def _burn_rules(args: argparse.Namespace) -> admin_pb2.BurnRules:
    # Parsed here so that a bad entry is named as the flag wrote it.
    shares = parse_category_shares(args.burn_category_shares)
    return admin_pb2.BurnRules(
        min_points=args.burn_min_points,
        max_share=args.burn_max_share,
        min_cash_minor=args.burn_min_cash_minor,
        excluded_categories=sorted(
            {c.strip() for c in args.burn_excluded_categories.split(",") if c.strip()}
        ),
        category_shares=[
            admin_pb2.CategoryShare(category=share.category, max_share=str(share.max_share))
            for share in shares
        ],
    )


def run_set_rate(args: argparse.Namespace) -> int:
    given = {name: getattr(args, name) for name in RATE_FLAGS if getattr(args, name) is not None}
    if not given:
        raise InvalidField(
            "give at least one of --earn-rate, --burn-value, --issue-price, --redemption-price",
            field="rates",
        )
    with connected(args) as client:
        partner = _get(client, args.partner_id)
        # Unspecified rates carry over from the version in force then (or the first one); a
        # date in the past is refused by the hub itself.
        base = _rates_in_force(partner, args.effective_from)
        rates = common_pb2.Rates(
            **{name: given.get(name, getattr(base, name)) for name in RATE_FLAGS},
            effective_from=timestamp(args.effective_from),
        )
        request = admin_pb2.SetRateRequest(
            partner_id=args.partner_id, rates=rates, reason=args.reason
        )
        changed = client.call(client.admin.SetRate, request)
    version = _rates_in_force(changed, args.effective_from)
    print(
        f"rates of {args.partner_id} from {instant(_moment(version.effective_from))}: "
        + ", ".join(f"{name} {getattr(version, name)}" for name in RATE_FLAGS)
    )
    return 0


def _rates_in_force(partner: admin_pb2.Partner, at: datetime | None) -> common_pb2.Rates:
    """The partner's rates at ``at`` (``None``: the hub's now), else its first version."""
    if at is None:
        has_current = partner.HasField("current_rates")
        return partner.current_rates if has_current else partner.rate_versions[0]
    versions = list(partner.rate_versions)
    started = [v for v in versions if _moment(v.effective_from) <= at]
    return max(started or versions[:1], key=lambda v: _moment(v.effective_from))


def _moment(message: Timestamp) -> datetime:
    return message.ToDatetime(tzinfo=UTC)


def _get(client: StaffClient, partner_id: str) -> admin_pb2.Partner:
    request = admin_pb2.GetPartnerRequest(partner_id=partner_id)
    partner: admin_pb2.Partner = client.call(client.admin.GetPartner, request)
    return partner


def run_list(args: argparse.Namespace) -> int:
    with connected(args) as client:
        listed = client.call(client.admin.ListPartners, admin_pb2.ListPartnersRequest())
    _print_partners(listed.partners)
    return 0


def run_show(args: argparse.Namespace) -> int:
    with connected(args) as client:
        partner = _get(client, args.partner_id)
        request = rules_pb2.ListRulesRequest(partner_id=args.partner_id)
        rules = client.call(client.rules.ListRules, request)
    print_record(
        {"partner": partner, "rules": rules},
        lambda: _print_partner(partner, rules_convert.listed(rules)),
    )
    return 0


def _print_partner(partner: admin_pb2.Partner, listed: RulesListed) -> None:
    _print_partners([partner])
    print()
    print_table(
        ("effective from", *RATE_FLAGS),
        [
            (_moment(v.effective_from), *(getattr(v, name) for name in RATE_FLAGS))
            for v in partner.rate_versions
        ],
    )
    print()
    _print_settings(partner)
    for kind, title in ((RuleKind.EXCLUSIONS, "exclusions"), (RuleKind.CAMPAIGN, "campaigns")):
        print()
        _print_rules(title, kind, listed)


def _print_settings(partner: admin_pb2.Partner) -> None:
    rules = partner.burn_rules
    excluded = ", ".join(sorted(rules.excluded_categories)) or "none"
    print(f"earn rounding: {partner.earn_rounding} (settlement rounding {partner.rounding})")
    print(f"hold lifetime: {partner.hold_ttl_s} s")
    print(f"offline window: {partner.offline_window_s} s after the sale")
    print(
        f"burn rules: at least {rules.min_points} points per redemption, at most "
        f"{rules.max_share} of a receipt, at least {rules.min_cash_minor} minor units in money"
    )
    print(f"points pay nothing of: {excluded}")
    if rules.category_shares:
        print_table(
            ("category", "max share"),
            [(share.category, share.max_share) for share in rules.category_shares],
        )


def _print_rules(title: str, kind: RuleKind, listed: RulesListed) -> None:
    """The partner's (and the coalition-wide) rules of ``kind``, in force or scheduled."""
    partners = {v.rule_id: v.partner_id for v in (*listed.in_force, *listed.scheduled)}
    rows = [
        (
            version.rule_id,
            partners.get(version.rule_id) or "all partners",
            "in force" if version in listed.in_force else "scheduled",
            instant(version.effective_from),
            summary(version.definition),
        )
        for version in (*listed.in_force, *listed.scheduled)
        if version.kind is kind
    ]
    if not rows:
        print(f"{title}: none")
        return
    print(f"{title}:")
    print_table(("rule", "partner", "state", "from", "definition"), rows)


def _set_status(args: argparse.Namespace, *, active: bool) -> int:
    request = admin_pb2.SetPartnerStatusRequest(
        partner_id=args.partner_id, active=active, reason=args.reason
    )
    with connected(args) as client:
        _print_partners([client.call(client.admin.SetPartnerStatus, request)])
    return 0


def run_set_limit(args: argparse.Namespace) -> int:
    # On the wire 0 is "the hub's default", which omitting --per-s asks for; the field is an
    # int32, so the hub's own bound is checked here too rather than by the encoder.
    if args.per_s is not None and not 1 <= args.per_s <= RATE_LIMIT_PER_S_MAX:
        raise InvalidField(
            f"--per-s must be 1..{RATE_LIMIT_PER_S_MAX}; omit it to return to the hub's default",
            field="--per-s",
        )
    request = admin_pb2.SetPartnerRateLimitRequest(
        partner_id=args.partner_id, rate_limit_per_s=args.per_s or 0, reason=args.reason
    )
    with connected(args) as client:
        _print_partners([client.call(client.admin.SetPartnerRateLimit, request)])
    return 0


def run_set_phone_region(args: argparse.Namespace) -> int:
    request = admin_pb2.SetPartnerPhoneRegionRequest(
        partner_id=args.partner_id, phone_region=args.phone_region, reason=args.reason
    )
    with connected(args) as client:
        _print_partners([client.call(client.admin.SetPartnerPhoneRegion, request)])
    return 0


def run_set_offline_window(args: argparse.Namespace) -> int:
    request = admin_pb2.SetPartnerOfflineWindowRequest(
        partner_id=args.partner_id, offline_window_s=args.offline_window_s, reason=args.reason
    )
    with connected(args) as client:
        _print_partners([client.call(client.admin.SetPartnerOfflineWindow, request)])
    return 0


def run_disable(args: argparse.Namespace) -> int:
    return _set_status(args, active=False)


def run_enable(args: argparse.Namespace) -> int:
    return _set_status(args, active=True)


def _print_partners(partners: Sequence[admin_pb2.Partner]) -> None:
    rows = []
    for partner in partners:
        current = partner.current_rates if partner.HasField("current_rates") else None
        rates = [getattr(current, name) if current else None for name in RATE_FLAGS]
        rows.append(
            (
                partner.partner_id,
                partner.name,
                partner.currency,
                *rates,
                partner.pending_period_s,
                partner.expiry,
                partner.status,
                partner.rate_limit_per_s or "default",
                partner.phone_region or "+ only",
                partner.issued_points,
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
        "phone region",
        "issued points",
    )
    print_listing(headers, rows, partners)
