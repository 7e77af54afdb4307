"""Partners: the brands where members earn and burn, each with its own currency and policies."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.domain.currencies import Currency
from hub.domain.errors import InvalidField, InvalidHoldTtl, PartnerDisabled
from hub.domain.fields import bounded_text
from hub.domain.limits import (
    EXPIRY_MONTHS_MAX,
    HOLD_TTL_DEFAULT_S,
    HOLD_TTL_MAX_S,
    OFFLINE_WINDOW_DEFAULT_S,
    PENDING_PERIOD_MAX_S,
    TEXT_FIELD_LENGTH_MAX,
)
from hub.domain.money import PARTNER_ROUNDINGS, EarnRounding, Money, Rounding, to_units
from hub.domain.purchases import LineItem
from hub.domain.rates import parse_rate

PARTNER_ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,31}")


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class ExpiryKind(StrEnum):
    NEVER = "never"
    MONTHS_AFTER_EARN = "months"
    """N months after the earn, to the instant."""
    END_OF_MONTH = "end-of-month"
    """At the end of the calendar month N months after the earn (coalition time zone)."""


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    kind: ExpiryKind
    months: int = 0

    @classmethod
    def parse(cls, text: str) -> ExpiryPolicy:
        """``never``, ``months:N`` or ``end-of-month:N``, with 1 <= N <= 120."""
        kind_text, _, months_text = text.partition(":")
        try:
            kind = ExpiryKind(kind_text)
            months = int(months_text) if months_text else 0
        except ValueError:
            raise _bad_expiry(text) from None
        if (kind is ExpiryKind.NEVER) != (months == 0) or not 0 <= months <= EXPIRY_MONTHS_MAX:
            raise _bad_expiry(text)
        return cls(kind, months)

    def __str__(self) -> str:
        return (
            self.kind.value if self.kind is ExpiryKind.NEVER else f"{self.kind.value}:{self.months}"
        )

    def expires_at(self, earned_at: datetime, zone: ZoneInfo) -> datetime | None:
        """When points earned at ``earned_at`` expire, or ``None`` if they never do."""
        if self.kind is ExpiryKind.NEVER:
            return None
        local = earned_at.astimezone(zone)
        if self.kind is ExpiryKind.MONTHS_AFTER_EARN:
            return _add_months(local, self.months).astimezone(UTC)
        first_of_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return _add_months(first_of_month, self.months + 1).astimezone(UTC)


NEVER_EXPIRES = ExpiryPolicy(ExpiryKind.NEVER)


def _bad_expiry(text: str) -> InvalidField:
    return InvalidField(
        f"expiry policy must be 'never', 'months:N' or 'end-of-month:N' (1..{EXPIRY_MONTHS_MAX}); "
        f"got {text[:40]!r}",
        field="expiry",
    )


def _add_months(moment: datetime, months: int) -> datetime:
    """Same wall-clock time ``months`` later; the day is clamped to the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


CATEGORY_SHARES_MAX = 64
"""Most categories one partner may give a share of their own."""


@dataclass(frozen=True, slots=True)
class CategoryShare:
    """The largest share of a category's lines payable with points (children's goods at most
    0.2, say), below the partner's ``max_share`` for the rest of the receipt."""

    category: str
    max_share: Decimal


@dataclass(frozen=True, slots=True)
class BurnRules:
    """What a partner lets members pay with points."""

    min_points: int = 1
    """Fewest points one redemption may use."""
    max_share: Decimal = Decimal(1)
    """Largest share of the (eligible) receipt payable with points, in (0, 1]."""
    min_cash_minor: int = 0
    """Least of the receipt paid in money, e.g. 1 for "at least one minor unit in money"."""
    excluded_categories: frozenset[str] = frozenset()
    """Line-item categories points cannot pay for (gift cards, tobacco...)."""
    category_shares: tuple[CategoryShare, ...] = ()
    """Categories whose lines points may pay less of than ``max_share``, sorted by category."""

    def payable_minor(
        self, total: Money, lines: tuple[LineItem, ...], *, by_category: bool = True
    ) -> int:
        """The most of this receipt that points may pay, in minor units; ``by_category=False``
        leaves the category shares out (to tell which rule refused)."""
        shares = self._line_shares() if by_category else {}
        shares |= dict.fromkeys(self.excluded_categories, Decimal(0))
        payable = Decimal(total.amount_minor) * self.max_share
        for line in lines:
            share = shares.get(line.category)
            if share is not None:
                # A line paid at a smaller share than the receipt's takes the difference off.
                payable -= Decimal(line.amount_minor) * (self.max_share - share)
        by_share = to_units(payable, 0, Rounding.FLOOR)
        return max(0, min(by_share, total.amount_minor - self.min_cash_minor))

    def limiting_categories(self, lines: tuple[LineItem, ...]) -> tuple[str, ...]:
        """The categories on these lines whose own share is below the receipt's, sorted."""
        shares = self._line_shares()
        return tuple(sorted({line.category for line in lines if line.category in shares}))

    def _line_shares(self) -> dict[str, Decimal]:
        return {
            rule.category: rule.max_share
            for rule in self.category_shares
            if rule.max_share < self.max_share and rule.category not in self.excluded_categories
        }


DEFAULT_BURN_RULES = BurnRules()


def check_burn_rules(rules: BurnRules) -> BurnRules:
    if rules.min_points < 1:
        raise InvalidField("burn min_points must be at least 1", field="burn_rules.min_points")
    if not Decimal(0) < rules.max_share <= Decimal(1):
        raise InvalidField("burn max_share must be in (0, 1]", field="burn_rules.max_share")
    if rules.min_cash_minor < 0:
        raise InvalidField(
            "burn min_cash_minor cannot be negative", field="burn_rules.min_cash_minor"
        )
    for category in rules.excluded_categories:
        bounded_text(category, field="burn_rules.excluded_categories", required=True)
    return replace(rules, category_shares=_checked_category_shares(rules.category_shares))


def _checked_category_shares(shares: tuple[CategoryShare, ...]) -> tuple[CategoryShare, ...]:
    field = "burn_rules.category_shares"
    if len(shares) > CATEGORY_SHARES_MAX:
        raise InvalidField(f"{field}: at most {CATEGORY_SHARES_MAX} categories", field=field)
    for rule in shares:
        bounded_text(rule.category, field=f"{field}.category", required=True)
        if not Decimal(0) <= rule.max_share <= Decimal(1):
            raise InvalidField(
                f"{field}.max_share of {rule.category!r} must be in [0, 1]; got {rule.max_share}",
                field=f"{field}.max_share",
            )
    if len({rule.category for rule in shares}) != len(shares):
        raise InvalidField(f"{field}.category: one share per category", field=f"{field}.category")
    return tuple(sorted(shares, key=lambda rule: rule.category))


def parse_category_shares(text: str) -> tuple[CategoryShare, ...]:
    """``children=0.2,alcohol=0`` as category shares (checked later by ``check_burn_rules``)."""
    shares = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        category, sep, share_text = item.rpartition("=")
        if not sep:
            raise InvalidField(
                f"burn_rules.category_shares: each is CATEGORY=SHARE; got {item[:40]!r}",
                field="burn_rules.category_shares",
            )
        share = parse_rate(share_text.strip(), field="burn_rules.category_shares.max_share")
        shares.append(CategoryShare(category.strip(), share))
    return tuple(shares)


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    currency: Currency
    rounding: Rounding
    pending_period_s: int
    expiry: ExpiryPolicy
    status: PartnerStatus
    hold_ttl_s: int = HOLD_TTL_DEFAULT_S
    burn_rules: BurnRules = DEFAULT_BURN_RULES
    rate_limit_per_s: int | None = None
    """Requests per second per hub process; ``None`` takes the hub's default."""
    earn_rounding: EarnRounding = EarnRounding.DOWN
    """How the base points of an earn here round (the partner's choice; see ``hub.domain.money``);
    the settlement ``rounding`` above is another setting."""
    phone_region: str | None = None
    """Where this partner's tills are (ISO 3166, e.g. RU): national phone numbers they send
    ("8 916 123-45-67") are read as that country's. ``None``: only '+' numbers are accepted,
    since no currency or name says which country a till is in."""
    offline_window_s: int = OFFLINE_WINDOW_DEFAULT_S
    """How long after a sale its earn may still be sent (tills that queued it while the hub
    was unreachable); 0: only earns sent at the time of the sale. See ``hub.domain.offline``."""

    def require_active(self) -> None:
        if self.status is not PartnerStatus.ACTIVE:
            raise PartnerDisabled(f"partner {self.id} is disabled")

    def available_at(self, earned_at: datetime) -> datetime:
        return earned_at + timedelta(seconds=self.pending_period_s)


def check_partner_id(partner_id: str) -> str:
    if not PARTNER_ID_PATTERN.fullmatch(partner_id):
        raise InvalidField(
            f"partner id must be 2-32 characters of a-z, 0-9 and '-', starting with a letter; "
            f"got {partner_id[:40]!r}",
            field="partner_id",
        )
    return partner_id


def check_hold_ttl(ttl_s: int, *, field: str = "ttl_s") -> int:
    """A hold lifetime within the hub's bounds, or ``InvalidHoldTtl``."""
    if not 1 <= ttl_s <= HOLD_TTL_MAX_S:
        raise InvalidHoldTtl(
            f"{field} must be 1..{HOLD_TTL_MAX_S} seconds; got {ttl_s}", field=field
        )
    return ttl_s


def check_partner_settings(name: str, rounding: Rounding, pending_period_s: int) -> None:
    """Validate the parts of a partner's configuration that have no type of their own."""
    if not name.strip() or len(name) > TEXT_FIELD_LENGTH_MAX:
        raise InvalidField(f"name must be 1..{TEXT_FIELD_LENGTH_MAX} characters", field="name")
    if rounding not in PARTNER_ROUNDINGS:
        names = ", ".join(mode.value for mode in PARTNER_ROUNDINGS)
        raise InvalidField(f"rounding must be one of {names}; got {rounding}", field="rounding")
    if not 0 <= pending_period_s <= PENDING_PERIOD_MAX_S:
        raise InvalidField(
            f"pending period must be 0..{PENDING_PERIOD_MAX_S} seconds; got {pending_period_s}",
            field="pending_period_s",
        )
