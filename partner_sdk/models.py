"""What the SDK takes and returns: frozen dataclasses, never protobuf messages.

Points and money are integers (money in minor units with its ISO-4217 currency), rates are
``Decimal``, times are timezone-aware UTC ``datetime``s. A time typed ``datetime | None`` is
one the hub may leave unset (``expires_at`` when points never expire, ``resolved_at`` while a
hold is pending); the others it always sets. A string the hub leaves empty stays ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final, Literal, get_args

ChannelName = Literal["pos", "online", "app"]
CHANNELS: Final = frozenset(get_args(ChannelName))
# Characters per line of a common receipt printer.
RECEIPT_WIDTH: Final = 40
# Enough to recognise a card or phone in a log without exposing it.
_VISIBLE_TAIL: Final = 4
_FULLY_MASKED_BELOW: Final = 8


class IdentifierKind(StrEnum):
    """What an identifier is; ``UNKNOWN`` is a kind this SDK version does not know yet."""

    CARD = "card"
    PHONE = "phone"
    APP_ID = "app_id"
    UNKNOWN = "unknown"


class MemberStatus(StrEnum):
    """Whether a member may earn and burn."""

    ACTIVE = "active"
    FROZEN = "frozen"
    ERASED = "erased"
    """Erased on the member's request: found by id only, never earns or burns again."""
    MERGED = "merged"
    """Merged into another member (two accounts of one person): found by id only; its
    identifiers find the member it was merged into."""
    UNKNOWN = "unknown"


class PointsStatus(StrEnum):
    """``PENDING`` points are inside the partner's pending period; then they are available."""

    PENDING = "pending"
    AVAILABLE = "available"
    UNKNOWN = "unknown"


class TransactionKind(StrEnum):
    """What a ledger transaction did."""

    EARN = "earn"
    HOLD = "hold"
    CAPTURE = "capture"
    VOID = "void"
    HOLD_EXPIRY = "hold_expiry"
    REFUND_EARN = "refund_earn"
    REFUND_REDEMPTION = "refund_redemption"
    BONUS = "bonus"
    """A welcome bonus or an event's points: credited without a purchase."""
    GOODWILL = "goodwill"
    """Points staff credited a member (a complaint, a service failure), funded by a partner
    or by the coalition."""
    UNKNOWN = "unknown"


class HoldStatus(StrEnum):
    """A hold is ``PENDING``, then resolves once: ``CAPTURED``, ``VOIDED`` or ``EXPIRED``.

    A hold the fraud checks doubt starts ``IN_REVIEW`` instead: its points are reserved, but
    ``capture`` raises ``HoldInReview`` until a fraud analyst releases it (it turns
    ``PENDING``) or declines it (``DECLINED``, its points back with the member). Poll
    ``get_hold`` and capture once it is ``PENDING``, or ``void`` it if the customer will not
    wait; left alone it expires like any hold.
    """

    PENDING = "pending"
    IN_REVIEW = "in_review"
    """Awaiting a fraud analyst; not capturable yet."""
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"
    DECLINED = "declined"
    """A fraud analyst declined the hold; its points went back to the member."""
    UNKNOWN = "unknown"


class Funder(StrEnum):
    """Who pays for bonus points: the coalition's settlement bills the partner or the coalition."""

    PARTNER = "partner"
    COALITION = "coalition"
    UNKNOWN = "unknown"


class LineKind(StrEnum):
    """What a breakdown line is: the base points, the tier bonus or a campaign's bonus."""

    BASE = "base"
    TIER = "tier"
    CAMPAIGN = "campaign"
    UNKNOWN = "unknown"


class EventKind(StrEnum):
    """Events a partner's event rule can give points for (``grant_event`` takes the value too)."""

    REVIEW = "review"
    REFERRAL = "referral"
    """Both sides earn: the referrer the rule's points, the referred member its referee points."""
    PROFILE_COMPLETED = "profile-completed"


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units: ``Money(1050, "EUR")`` is 10.50 EUR."""

    amount_minor: int
    currency: str


@dataclass(frozen=True)
class Identifier:
    """Something a member presents at the till. ``repr`` masks the value."""

    kind: IdentifierKind
    value: str

    @classmethod
    def card(cls, number: str) -> Identifier:
        """A loyalty card number: 8 to 19 digits, of any script (full-width or Arabic-Indic
        digits are the same card as ASCII ones); spaces and dashes are ignored."""
        return cls(IdentifierKind.CARD, number)

    @classmethod
    def phone(cls, number: str) -> Identifier:
        """A phone number: in international form ("+7 916 123-45-67"), or in the national form
        of your partner's phone region if the coalition set one ("8 916 123-45-67" for RU).
        The hub stores it in E.164, so every form finds the same member; a number that is not
        valid raises ``InvalidIdentifier``."""
        return cls(IdentifierKind.PHONE, number)

    @classmethod
    def app_id(cls, app_member_id: str) -> Identifier:
        """A partner app's member id: 1 to 64 of ``[A-Za-z0-9._:-]``."""
        return cls(IdentifierKind.APP_ID, app_member_id)

    def __repr__(self) -> str:
        return f"Identifier(kind={self.kind.value!r}, value={mask(self.value)!r})"


MemberRef = str | Identifier
"""Names a member: their member id, or one of their identifiers."""


def mask(value: str) -> str:
    """``value`` with all but its last few characters hidden; short values fully hidden."""
    if len(value) < _FULLY_MASKED_BELOW:
        return "*" * len(value)
    return "*" * (len(value) - _VISIBLE_TAIL) + value[-_VISIBLE_TAIL:]


@dataclass(frozen=True)
class LineItem:
    """One receipt line; ``amount_minor`` is the line total after discounts."""

    sku: str
    category: str
    amount_minor: int
    quantity: int = 1
    discounted: bool = False


@dataclass(frozen=True)
class ReturnedLine:
    """A line of the original receipt being returned: by ``index`` (0 is the first line) or
    ``sku``, with ``quantity`` units or ``amount_minor`` of its money (one of each)."""

    index: int | None = None
    sku: str | None = None
    quantity: int | None = None
    amount_minor: int | None = None


_LATITUDE_MAX: Final = Decimal(90)
_LONGITUDE_MAX: Final = Decimal(180)


def _coordinate(value: object, name: str, limit: Decimal) -> Decimal | None:
    """``value`` as a ``Decimal`` of degrees within ``±limit``; ``None`` stays ``None``."""
    if value is None:
        return None
    if not isinstance(value, Decimal | str):
        raise TypeError(f"{name} must be a Decimal or a decimal string, not {type(value).__name__}")
    try:
        degrees = Decimal(value)
    except InvalidOperation:
        degrees = Decimal("NaN")
    if not degrees.is_finite() or abs(degrees) > limit:
        raise ValueError(f"{name} must be decimal degrees within ±{limit}, not {value!r}")
    return degrees


@dataclass(frozen=True)
class PointOfSale:
    """Where an operation happened; kept with the transaction for support and fraud checks.

    ``latitude`` and ``longitude`` locate the store in decimal degrees (WGS 84), both or
    neither, as ``Decimal`` or a decimal string (``"55.7558"``); they are stored as
    ``Decimal`` and sent as decimal strings. A ``float`` is refused: it would send a rounded
    binary fraction. The fraud checks compare the location with the member's previous till.
    """

    channel: ChannelName | None = None
    store_id: str = ""
    terminal_id: str = ""
    cashier_id: str = ""
    latitude: Decimal | str | None = None
    longitude: Decimal | str | None = None

    def __post_init__(self) -> None:
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {sorted(CHANNELS)}, not {self.channel!r}")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        # Frozen: the parsed values replace what was given, once, here.
        for name, limit in (("latitude", _LATITUDE_MAX), ("longitude", _LONGITUDE_MAX)):
            object.__setattr__(self, name, _coordinate(getattr(self, name), name, limit))


@dataclass(frozen=True)
class Rates:
    """A partner's rates in force for an operation (see the hub's money model)."""

    earn_rate: Decimal
    burn_value: Decimal
    issue_price: Decimal
    redemption_price: Decimal
    effective_from: datetime


@dataclass(frozen=True)
class Member:
    """A coalition member; the hub keeps only the kinds of their identifiers."""

    member_id: str
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...]
    welcome_points: int = 0
    """Points of the welcome bonus credited at enrollment; set in ``enroll``'s answer only."""


@dataclass(frozen=True)
class BreakdownLine:
    """One reason for points: the base, the tier bonus, or a campaign's bonus."""

    kind: LineKind
    points: int
    """Before caps; ``capped_points`` of them a cap took back."""
    funder: Funder
    rule_id: str = ""
    """The tier-benefits rule or the campaign; empty for the base."""
    label: str = ""
    multiplier: Decimal | None = None
    """The multiplier this line applies (its extra is ``multiplier - 1``); ``None`` for the
    base and for fixed bonuses."""
    on_points: int = 0
    """The base points the multiplier applied to."""
    note: str = ""
    """Why a campaign gave less than its rule says: ``budget`` (its budget ran out) or
    ``stacking`` (the partner's limit for combined campaigns cut it); empty otherwise."""
    capped_points: int = 0

    @property
    def posted_points(self) -> int:
        """What the line gave after caps."""
        return self.points - self.capped_points


@dataclass(frozen=True)
class ExcludedItem:
    """A line item of the purchase that earned nothing, and why."""

    index: int
    """Position of the line item in the request, from 0."""
    sku: str
    category: str
    amount_minor: int
    reason: str
    """``category`` (the partner excludes the category) or ``discounted``."""


@dataclass(frozen=True)
class CapCut:
    """Points a cap took from the earn."""

    rule_id: str
    period: str
    """``transaction``, ``day`` or ``month``."""
    limit_points: int
    cut_points: int


@dataclass(frozen=True)
class BreakdownItem:
    """One receipt line of an earn and the points it earned."""

    index: int
    """Position of the line in the earn's ``line_items``."""
    sku: str
    quantity: int
    amount_minor: int
    points: int


@dataclass(frozen=True)
class Breakdown:
    """Every number of an earn, and why; ``receipt_lines()`` prints it.

    It adds up: ``points == sum(line.points) - sum(cap.cut_points)``.
    """

    points: int
    eligible_minor: int
    """The part of the purchase that earns (excluded items removed), in minor units."""
    lines: tuple[BreakdownLine, ...] = ()
    """Base first, then the tier bonus, then campaigns by priority."""
    excluded: tuple[ExcludedItem, ...] = ()
    caps: tuple[CapCut, ...] = ()
    coalition_funded_points: int = 0
    """Of ``points``, those the coalition pays for; the partner pays for the rest."""
    tier: str = ""
    """The member's tier the earn was computed at; empty without tiers."""
    tier_after: str = ""
    """Set when this earn lifted the member into a higher tier, which applies from the next
    earn on."""
    earn_rounding: str = "down"
    """How the base points were rounded: the partner's earn rounding mode (``down``,
    ``half_up`` or ``up``)."""
    items: tuple[BreakdownItem, ...] = ()
    """What each receipt line earned: returning it gives these points back (empty without
    line items)."""
    receipt_points: int = 0
    """With ``items``: receipt bonuses (fixed, first-purchase), back only with the whole
    receipt."""

    def receipt_lines(self, *, width: int = RECEIPT_WIDTH) -> list[str]:
        """Lines for a till to print, none longer than ``width``: the base points, the tier
        bonus, each campaign's bonus (and why it was reduced), each excluded item and why, each
        cap's cut, the total, and the new tier if the earn reached one."""
        # Imported here: the receipt module reads these models.
        from partner_sdk._receipt import receipt_lines

        return receipt_lines(self, width=width)


@dataclass(frozen=True)
class TierStatus:
    """Where a member stands in the coalition's tiers."""

    tier: str
    next_tier: str
    """Empty at the top tier."""
    metric: str
    """What qualifies over the rolling 12 months: ``points`` or ``spend``."""
    qualifying: int
    """Points, or minor units of ``spend_currency``."""
    to_next_tier: int
    """What the member still needs for ``next_tier``, in the same unit (0 at the top)."""
    spend_currency: str = ""


@dataclass(frozen=True)
class Earned:
    """Points credited for a purchase."""

    transaction_id: str
    member_id: str
    points: int
    status: PointsStatus
    available_at: datetime
    expires_at: datetime | None
    rates: Rates
    created_at: datetime
    debt_paid_points: int = 0
    """Of ``points``, those that paid off the member's refund debt instead of crediting them."""
    breakdown: Breakdown | None = None
    """How the points were reached; ``None`` from a hub that sends none."""


@dataclass(frozen=True)
class EarnQuote:
    """What an earn would give now."""

    points: int
    status: PointsStatus
    available_at: datetime
    expires_at: datetime | None
    rates: Rates
    quoted_at: datetime
    breakdown: Breakdown | None = None
    """What an earn at the same moment would post, line by line."""


@dataclass(frozen=True)
class BurnQuote:
    """How many points pay an amount here, or what a number of points is worth here."""

    points: int
    value: Money
    rates: Rates
    quoted_at: datetime


@dataclass(frozen=True)
class Balance:
    """A member's points across the coalition."""

    member_id: str
    available_points: int
    pending_points: int
    held_points: int
    expiring_points: int
    expiring_before: datetime | None
    as_of: datetime
    # Last and defaulted, so balances partners build in their own fakes keep working.
    debt_points: int = 0
    """Owed after refunds of earns whose points were already spent; later earns pay it first."""
    tier: TierStatus | None = None
    """``None`` when the coalition has no tiers."""


@dataclass(frozen=True)
class Transaction:
    """One of the calling partner's ledger transactions."""

    transaction_id: str
    kind: TransactionKind
    member_id: str
    points: int
    order_id: str
    purchase: Money | None
    rates: Rates | None
    """The partner's rates the transaction used; ``None`` for refunds, which reverse at the
    original's rates (see ``related_transaction_id``)."""
    created_at: datetime
    available_at: datetime | None
    expires_at: datetime | None
    related_transaction_id: str = ""
    """The earn a refund reverses, or the hold a capture, void, expiry or refund resolves."""
    breakdown: Breakdown | None = None
    """Earns: the breakdown stored when the points were posted; ``None`` for other kinds."""
    tier_before: str = ""
    tier_after: str = ""
    """Refunds of earns that took the member below its tier's threshold: the tier lost and
    the tier the member dropped to at once; "" otherwise."""
    purchased_at: datetime | None = None
    """Earns sent after the sale (store-and-forward): when the sale was made; ``created_at``
    is when the hub posted it. ``None`` otherwise."""


@dataclass(frozen=True)
class TransactionPage:
    """One page of transactions, newest first; ``next_page_token`` is "" on the last page."""

    transactions: tuple[Transaction, ...] = field(default=())
    next_page_token: str = ""


@dataclass(frozen=True)
class Hold:
    """Points reserved to pay a receipt, until captured, voided or expired.

    ``value`` is what ``points`` are worth here, rounded down; ``captured_points`` is 0 until
    captured; ``transaction_id`` is the hold's own ledger transaction.
    """

    hold_id: str
    member_id: str
    status: HoldStatus
    points: int
    value: Money
    created_at: datetime
    expires_at: datetime
    order_id: str
    captured_points: int
    resolved_at: datetime | None
    rates: Rates
    transaction_id: str
    debt_paid_points: int = 0
    """Set by ``void``: of the points given back, those that paid the member's refund debt
    first (the member can spend only the rest)."""


@dataclass(frozen=True)
class Capture:
    """Points of a hold spent; the rest of the hold went back to the member."""

    transaction_id: str
    hold_id: str
    captured_points: int
    released_points: int
    value: Money
    captured_at: datetime
    debt_paid_points: int = 0
    """Of ``released_points``, those that paid the member's refund debt first."""


@dataclass(frozen=True)
class EarnRefund:
    """Points of an earn taken back for a refunded purchase.

    ``points_reversed`` is the sum of ``pending_points_cancelled``, ``available_points_reversed``
    and ``debt_points`` (those already spent or held, now owed by the member).
    """

    transaction_id: str
    earn_transaction_id: str
    points_reversed: int
    pending_points_cancelled: int
    available_points_reversed: int
    debt_points: int
    created_at: datetime
    order_id: str = ""
    """The earn's order id, which the refund carries."""
    amount: Money | None = None
    """The money the refund recorded (for returned lines, their share of the lines' amounts)."""
    tier_before: str = ""
    tier_after: str = ""
    """Set when the refund took the member below its tier's threshold: the tier lost and the
    tier the member has from now on; "" otherwise."""


@dataclass(frozen=True)
class RedemptionRefund:
    """Captured points given back; those whose lots expired meanwhile are ``points_expired``."""

    transaction_id: str
    hold_id: str
    points_returned: int
    points_expired: int
    created_at: datetime
    order_id: str = ""
    """The hold's order id, which the refund carries."""
    debt_paid_points: int = 0
    """Of ``points_returned``, those that paid the member's refund debt first (the member can
    spend only the rest)."""


@dataclass(frozen=True)
class EventGrant:
    """Points an event rule gave a member (and, for a referral, the member referred)."""

    transaction_id: str
    member_id: str
    points: int
    rule_id: str
    """The event rule that gave the points."""
    funder: Funder
    created_at: datetime
    referred_member_id: str = ""
    """Referrals only, like the two fields below; empty otherwise."""
    referee_points: int = 0
    referee_transaction_id: str = ""
