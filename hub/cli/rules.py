"""``hub rules``: set the coalition's earning rules, end them, list and show them.

Each kind of rule has its command (``tiers``, ``benefits``, ``exclusions``, ``stacking``,
``campaign``, ``cap``, ``welcome``, ``event``, ``fraud``); running one again adds a new version of
the same rule, in force from ``--effective-from`` (now by default, never in the past).

An operator's commands: they call the hub's RulesService with the operator's own certificate,
which the audit log names; no database URL or key is needed on the operator's machine.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from coalition.hub.v1 import rules_pb2
from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub.api import rules_convert
from hub.api.convert import timestamp
from hub.cli.common import add_reason_flag, print_record, print_table
from hub.cli.json_output import add_json_flag
from hub.cli.partners import OPERATOR_NOTE
from hub.cli.rule_text import WEEKDAYS, details, instant, summary
from hub.cli.staff_client import add_connection_flags, connected
from hub.domain.errors import InvalidField, InvalidRule
from hub.domain.purchases import Channel
from hub.domain.rule_checks import check_definition
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    EventKind,
    EventRule,
    Exclusions,
    Funder,
    ReviewPeriod,
    RuleKind,
    RuleVersion,
    Stacking,
    StackingMode,
    Tier,
    TierBenefits,
    TierMetric,
    TierScheme,
    WelcomeBonus,
)
from hub.services.results import RuleHistory, RulesListed

Build = Callable[[argparse.Namespace], tuple[str, Definition]]
"""The rule id given (empty: derived from the definition) and the definition."""
DAY_MIN = 24 * 60
CHANNELS = (Channel.POS.value, Channel.ONLINE.value, Channel.APP.value)
NEVER = "off"
_FRAUD_FIELDS = tuple(f.name for f in dataclasses.fields(FraudThresholds) if f.name != "partner_id")
_FRAUD_HELP = {
    "velocity_window_s": "seconds a member's earns and redemptions are counted over",
    "velocity_count": "the member's earns (or redemptions) in that window, this one included",
    "velocity_points": "points the member earned (or redeemed) in that window",
    "earn_then_burn_window_s": "seconds after an earn at another partner that a burn is suspect",
    "earn_then_burn_points": "points burned within that window",
    "refund_debt_points": "points a refund leaves the member owing, already spent",
    "till_window_s": "seconds the cards at one terminal or cashier are counted over",
    "terminal_cards": (
        "members earning at one terminal in that window, while the terminal runs at twice its "
        "busiest hour of the last one to two weeks (a usual rush is not a signal)"
    ),
    "cashier_cards": (
        "members earning through one cashier in that window, while the cashier runs at twice "
        "their busiest hour of the last one to two weeks"
    ),
    "cashier_card_window_s": "seconds one card's receipts at one cashier are counted over",
    "cashier_card_receipts": "one member's earns through one cashier in that window",
    "linked_members": "members sharing a phone number or e-mail address",
    "history_min_earns": "earns a member needs before their average earn counts (1-50)",
    "history_multiple": (
        "an earn's points as a multiple of the member's average earn at this partner (with "
        "fewer than history_min_earns there: of the till's usual basket)"
    ),
    "travel_min_km": "tills closer than this are not judged",
    "travel_speed_kmh": "speed needed to come from the last till with a location",
    "farming_days": "days the nightly pass looks back for farming (1-90)",
    "farming_min_active_days": "days with earns that make it farming",
    "farming_earns": "earns at one partner over those days",
    "dormant_days": "days without activity after which a burn is suspect (1-3650)",
    "dormant_min_points": "smaller burns after a silence are not judged",
    "dormant_burn_percent": "percent of the balance burned in a day after a silence",
}
FRAUD_EPILOG = (
    "Thresholds are REVIEW or REVIEW/DENY, whole numbers or 'off' for never: --velocity-count "
    "20/60 reviews from the 20th earn in the window and refuses from the 60th; "
    "--linked-members off switches the rule off; --cashier-cards off/120 only refuses. "
    "Flags left out take the defaults shown, not the previous version's values."
)


# -- values -----------------------------------------------------------------------------------


def _instant(
    text: str, flag: str, error: type[InvalidField | InvalidRule] = InvalidRule
) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise error(
            f"{flag} must be an ISO-8601 instant with a zone, e.g. 2026-12-01T00:00:00Z; "
            f"got {text!r}",
            field=flag,
        )
    return moment


def _decimal(text: str, flag: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InvalidRule(f"{flag} must be a decimal number; got {text!r}", field=flag)
    return value


def _pair(text: str, separator: str, flag: str, shape: str) -> tuple[str, str]:
    left, found, right = text.partition(separator)
    if not found or not left or not right:
        raise InvalidRule(f"{flag} takes {shape}; got {text!r}", field=flag)
    return left.strip(), right.strip()


def _tier(text: str) -> Tier:
    name, threshold = _pair(text, ":", "--tier", "NAME:THRESHOLD, e.g. silver:1000")
    if not threshold.isdigit():
        raise InvalidRule(f"--tier threshold must be a whole number; got {text!r}", field="--tier")
    return Tier(name, int(threshold))


def _by_tier(entries: list[str] | None, flag: str) -> dict[str, Decimal]:
    pairs = [_pair(entry, "=", flag, "TIER=VALUE, e.g. gold=2") for entry in entries or ()]
    return {tier: _decimal(value, flag) for tier, value in pairs}


def _minutes(text: str) -> int:
    hours, minutes = _pair(text, ":", "--hours", "HH:MM-HH:MM, e.g. 07:00-10:00")
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) > 59 or int(hours) > 24:
        raise InvalidRule(f"--hours has no time {text!r}", field="--hours")
    return min(int(hours) * 60 + int(minutes), DAY_MIN)


def _hours(text: str | None) -> tuple[int, int]:
    if text is None:
        return 0, DAY_MIN
    start, end = _pair(text, "-", "--hours", "HH:MM-HH:MM, e.g. 07:00-10:00")
    return _minutes(start), _minutes(end)


def _given(**fields: object) -> dict[str, Any]:
    """The flags given, so that those left out take the domain's defaults."""
    return {name: value for name, value in fields.items() if value is not None}


# -- one command per kind ---------------------------------------------------------------------


def _tiers_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tier", action="append", required=True, metavar="NAME:THRESHOLD", help="lowest first"
    )
    parser.add_argument("--metric", choices=[m.value for m in TierMetric])
    parser.add_argument("--spend-currency", default="", help="ISO-4217, with --metric spend")
    parser.add_argument("--review", choices=[r.value for r in ReviewPeriod])


def _tiers(args: argparse.Namespace) -> tuple[str, Definition]:
    scheme = TierScheme(
        tuple(_tier(text) for text in args.tier),
        spend_currency=args.spend_currency,
        **_given(
            metric=args.metric and TierMetric(args.metric),
            review=args.review and ReviewPeriod(args.review),
        ),
    )
    return "", scheme


def _benefits_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("partner_id")
    parser.add_argument("--multiplier", action="append", metavar="TIER=N")
    parser.add_argument("--burn-value", action="append", metavar="TIER=VALUE")


def _benefits(args: argparse.Namespace) -> tuple[str, Definition]:
    multipliers = _by_tier(args.multiplier, "--multiplier")
    burn_values = _by_tier(args.burn_value, "--burn-value")
    return "", TierBenefits(args.partner_id, multipliers, burn_values)


def _exclusions_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("partner_id")
    parser.add_argument("--earn-category", action="append", default=[], metavar="CATEGORY")
    parser.add_argument("--exclude-discounted", action="store_true", help="discounts earn nothing")
    parser.add_argument("--burn-category", action="append", default=[], metavar="CATEGORY")


def _exclusions(args: argparse.Namespace) -> tuple[str, Definition]:
    return "", Exclusions(
        args.partner_id,
        tuple(args.earn_category),
        not args.exclude_discounted,
        tuple(args.burn_category),
    )


def _stacking_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("partner_id")
    parser.add_argument("--mode", choices=[m.value for m in StackingMode], required=True)
    parser.add_argument("--max-multiplier", help="with --mode stack, e.g. 3")


def _stacking(args: argparse.Namespace) -> tuple[str, Definition]:
    most = _decimal(args.max_multiplier, "--max-multiplier") if args.max_multiplier else None
    return "", Stacking(args.partner_id, StackingMode(args.mode), **_given(max_multiplier=most))


def _campaign_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id")
    parser.add_argument("--label", required=True)
    bonus = parser.add_mutually_exclusive_group(required=True)
    bonus.add_argument("--multiplier", help="of the base points, e.g. 2")
    bonus.add_argument("--bonus-points", type=int, help="a fixed bonus per qualifying earn")
    parser.add_argument("--partner", help="only at this partner (default: everywhere)")
    parser.add_argument("--starts", required=True, help="ISO-8601 instant with zone")
    parser.add_argument("--ends", help="ISO-8601 instant with zone (default: until ended)")
    parser.add_argument("--category", action="append", default=[])
    parser.add_argument("--channel", action="append", default=[], choices=CHANNELS)
    parser.add_argument("--weekday", action="append", default=[], choices=WEEKDAYS)
    parser.add_argument("--hours", metavar="HH:MM-HH:MM", help="local time of day")
    parser.add_argument("--tier", action="append", default=[], help="only members of this tier")
    parser.add_argument("--birthday", action="store_true", help="only on the member's birthday")
    parser.add_argument("--first-purchase", action="store_true", help="first earn at the partner")
    parser.add_argument("--exclusive", action="store_true", help="no other campaign applies")
    parser.add_argument("--priority", type=int, default=0, help="higher first")
    parser.add_argument("--budget", type=int, help="bonus points the campaign may give in all")
    parser.add_argument("--funder", choices=[f.value for f in Funder])


def _campaign(args: argparse.Namespace) -> tuple[str, Definition]:
    day_start_min, day_end_min = _hours(args.hours)
    multiplier = _decimal(args.multiplier, "--multiplier") if args.multiplier else None
    campaign = Campaign(
        label=args.label,
        starts_at=_instant(args.starts, "--starts"),
        ends_at=_instant(args.ends, "--ends") if args.ends else None,
        multiplier=multiplier,
        bonus_points=args.bonus_points or 0,
        partner_id=args.partner,
        categories=tuple(args.category),
        channels=tuple(Channel(channel) for channel in args.channel),
        weekdays=tuple(WEEKDAYS.index(day) for day in args.weekday),
        day_start_min=day_start_min,
        day_end_min=day_end_min,
        tiers=tuple(args.tier),
        birthday=args.birthday,
        first_purchase=args.first_purchase,
        exclusive=args.exclusive,
        priority=args.priority,
        budget_points=args.budget,
        **_given(funder=args.funder and Funder(args.funder)),
    )
    return args.rule_id, campaign


def _cap_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id")
    parser.add_argument("--period", choices=[p.value for p in CapPeriod], required=True)
    parser.add_argument("--points", type=int, required=True, help="the most a member may earn")
    parser.add_argument("--partner", help="only earns at this partner (default: all partners)")


def _cap(args: argparse.Namespace) -> tuple[str, Definition]:
    return args.rule_id, Cap(CapPeriod(args.period), args.points, args.partner)


def _welcome_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id")
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--funder", choices=[f.value for f in Funder])
    parser.add_argument("--partner", help="only enrolments there (default: any partner)")


def _welcome(args: argparse.Namespace) -> tuple[str, Definition]:
    funder = _given(funder=args.funder and Funder(args.funder))
    return args.rule_id, WelcomeBonus(args.points, partner_id=args.partner, **funder)


def _event_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id")
    parser.add_argument("--partner", required=True)
    parser.add_argument("--event", choices=[e.value for e in EventKind], required=True)
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--max-per-member", type=int, required=True)
    parser.add_argument("--referee-points", type=int, default=0, help="referrals: the referee's")
    parser.add_argument("--funder", choices=[f.value for f in Funder])


def _event(args: argparse.Namespace) -> tuple[str, Definition]:
    rule = EventRule(
        args.partner,
        EventKind(args.event),
        args.points,
        args.max_per_member,
        args.referee_points,
        **_given(funder=args.funder and Funder(args.funder)),
    )
    return args.rule_id, rule


def _fraud_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--partner", help="this partner's thresholds (default: the coalition's, for the others)"
    )
    for name in _FRAUD_FIELDS:
        flag = "--" + name.replace("_", "-")
        default = getattr(DEFAULT_THRESHOLDS, name)
        if isinstance(default, Threshold):
            shown = "/".join(_limit_text(limit) for limit in (default.review_at, default.deny_at))
            help_text = f"{_FRAUD_HELP[name]} (default {shown})"
            parser.add_argument(flag, metavar="REVIEW[/DENY]", help=help_text)
        else:
            help_text = f"{_FRAUD_HELP[name]} (default {default})"
            parser.add_argument(flag, type=int, metavar="N", help=help_text)
    parser.epilog = FRAUD_EPILOG


def _limit_text(limit: int | None) -> str:
    return NEVER if limit is None else str(limit)


def _limit(text: str, flag: str, original: str) -> int | None:
    text = text.strip()
    if text == NEVER:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidRule(
            f"{flag} takes REVIEW or REVIEW/DENY, each a whole number or {NEVER!r}; "
            f"got {original!r}",
            field=flag,
        ) from None


def _threshold(text: str, flag: str) -> Threshold:
    review, slash, deny = text.partition("/")
    return Threshold(_limit(review, flag, text), _limit(deny, flag, text) if slash else None)


def _fraud(args: argparse.Namespace) -> tuple[str, Definition]:
    given: dict[str, Any] = {}
    for name in _FRAUD_FIELDS:
        value = getattr(args, name)
        if isinstance(value, str):  # a threshold; numbers come parsed by argparse
            value = _threshold(value, "--" + name.replace("_", "-"))
        given[name] = value
    return "", FraudThresholds(args.partner, **_given(**given))


KINDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None], Build], ...] = (
    ("tiers", "the coalition's tiers and their thresholds", _tiers_flags, _tiers),
    ("benefits", "what each tier gets at a partner", _benefits_flags, _benefits),
    (
        "exclusions",
        "what earns nothing, or cannot take points",
        _exclusions_flags,
        _exclusions,
    ),
    ("stacking", "how a partner's campaigns combine", _stacking_flags, _stacking),
    ("campaign", "a time-windowed multiplier or bonus", _campaign_flags, _campaign),
    ("cap", "the most points a member may earn in a period", _cap_flags, _cap),
    ("welcome", "points for enrolling", _welcome_flags, _welcome),
    ("event", "points a partner grants for an event", _event_flags, _event),
    ("fraud", "fraud thresholds of a partner, or the coalition's", _fraud_flags, _fraud),
)


# -- registration and runs --------------------------------------------------------------------


def register(subcommands: Any) -> None:
    rules = subcommands.add_parser(
        "rules", help="set, end, list and show earning rules", description=OPERATOR_NOTE
    )
    actions = rules.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text, flags, build in KINDS:
        put = actions.add_parser(name, help=help_text)
        flags(put)
        _add_effective_from(put)
        add_reason_flag(put)
        put.set_defaults(run=partial(run_put, build=build))
    end = actions.add_parser("end", help="end a rule from now or a later instant")
    end.add_argument("rule_id")
    _add_effective_from(end)
    add_reason_flag(end)
    end.set_defaults(run=run_end)
    listed = actions.add_parser("list", help="the rules in force, and those scheduled")
    listed.add_argument("--partner", help="that partner's rules and the coalition-wide ones")
    listed.add_argument("--at", help="ISO-8601 instant with zone (default: now)")
    listed.set_defaults(run=run_list)
    show = actions.add_parser("show", help="every version of a rule")
    show.add_argument("rule_id")
    show.set_defaults(run=run_show)
    add_json_flag(listed)
    add_json_flag(show)
    for action in actions.choices.values():
        add_connection_flags(action)


def _add_effective_from(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--effective-from", help="ISO-8601 instant with zone (default: now)")


def _effective_from(args: argparse.Namespace) -> datetime | None:
    text = args.effective_from
    return _instant(text, "--effective-from", InvalidField) if text else None


def run_put(args: argparse.Namespace, *, build: Build) -> int:
    rule_id, definition = build(args)
    # Checked here as well as by the hub: on the wire a window or number left 0 means the
    # default, so a 0 typed at the terminal must be refused before it is sent.
    request = rules_pb2.PutRuleRequest(
        rule_id=rule_id,
        effective_from=timestamp(_effective_from(args)),
        definition=rules_convert.definition_message(check_definition(definition)),
        reason=args.reason,
    )
    with connected(args) as client:
        _print_change(rules_convert.version(client.call(client.rules.PutRule, request)))
    return 0


def run_end(args: argparse.Namespace) -> int:
    request = rules_pb2.EndRuleRequest(
        rule_id=args.rule_id, effective_from=timestamp(_effective_from(args)), reason=args.reason
    )
    with connected(args) as client:
        _print_change(rules_convert.version(client.call(client.rules.EndRule, request)))
    return 0


def _print_change(version: RuleVersion) -> None:
    print(
        f"rule {version.rule_id} version {version.version} ({version.kind.value}) from "
        f"{instant(version.effective_from)}: {summary(version.definition)}"
    )


def run_list(args: argparse.Namespace) -> int:
    at = _instant(args.at, "--at", InvalidField) if args.at else None
    request = rules_pb2.ListRulesRequest(partner_id=args.partner or "", at=timestamp(at))
    with connected(args) as client:
        answer = client.call(client.rules.ListRules, request)
    print_record(answer, lambda: _print_listed(rules_convert.listed(answer)))
    return 0


def _print_listed(listed: RulesListed) -> None:
    # An end has no definition, so no partner of its own: it ends the partner's rule.
    partners = {
        v.rule_id: v.partner_id for v in (*listed.in_force, *listed.scheduled) if not v.ended
    }
    print(f"in force at {instant(listed.at)}")
    _print_versions(listed.in_force, partners)
    print()
    print("scheduled")
    _print_versions(listed.scheduled, partners)


def _print_versions(versions: tuple[RuleVersion, ...], partners: dict[str, str | None]) -> None:
    headers = ("rule", "kind", "partner", "version", "effective from", "definition")
    rows = [
        (
            v.rule_id,
            v.kind.value,
            partners.get(v.rule_id),
            v.version,
            instant(v.effective_from),
            summary(v.definition),
        )
        for v in versions
    ]
    print_table(headers, rows)


def run_show(args: argparse.Namespace) -> int:
    request = rules_pb2.GetRuleRequest(rule_id=args.rule_id)
    with connected(args) as client:
        answer = client.call(client.rules.GetRule, request)
    print_record(answer, lambda: _print_history(rules_convert.history(answer)))
    return 0


def _print_history(history: RuleHistory) -> None:
    print(f"rule {history.rule_id}")
    for version in history.versions:
        print()
        print(
            f"version {version.version} ({version.kind.value}) from "
            f"{instant(version.effective_from)}, by {version.created_by} "
            f"at {instant(version.created_at)}"
        )
        lines = details(version.definition) if version.definition is not None else ["ended"]
        for line in lines:
            print(f"  {line}")
    last = history.versions[-1]
    if last.kind is RuleKind.CAMPAIGN:
        print()
        print(_budget_line(history.versions, history.budget_spent_points))


def _budget_line(versions: tuple[RuleVersion, ...], spent_points: int) -> str:
    defined = [v.definition for v in versions if isinstance(v.definition, Campaign)]
    budget = defined[-1].budget_points if defined else None
    if budget is None:
        return f"bonus points given: {spent_points} (no budget)"
    return f"budget: {spent_points} of {budget} points given, {max(budget - spent_points, 0)} left"
