"""What callers ask the hub to do, already validated into domain values.

``partner_id`` is the authenticated caller, never a field of the request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from hub.domain.audit import AuditEvent, AuditValue
from hub.domain.contacts import Contact
from hub.domain.flags import FlagStatus
from hub.domain.goodwill import GoodwillStatus
from hub.domain.limits import HOLD_TTL_DEFAULT_S, OFFLINE_WINDOW_DEFAULT_S
from hub.domain.members import Identifier
from hub.domain.money import EarnRounding, Money, Rounding
from hub.domain.partners import DEFAULT_BURN_RULES, NEVER_EXPIRES, BurnRules, ExpiryPolicy
from hub.domain.purchases import NO_POINT_OF_SALE, LineItem, PointOfSale, Purchase
from hub.domain.rates import Rates
from hub.domain.receipt_lines import ReturnedLine
from hub.domain.rules import Definition, EventKind, Funder
from hub.services.ports.reviews import GroupBy

MemberRef = uuid.UUID | Identifier
"""A member named by id, or by an identifier they present."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who asks for a staff change and why, as the audit log records it."""

    actor: str
    """A principal URI, or ``cli:<OS user>`` for the command line."""
    reason: str

    def event(self, action: str, target: str, **details: AuditValue) -> AuditEvent:
        """What the audit log records of this change (``InvalidField`` without a reason)."""
        return AuditEvent(self.actor, action, target, self.reason, details)


@dataclass(frozen=True, slots=True)
class EnrollMember:
    partner_id: str
    idempotency_key: str
    identifiers: tuple[Identifier, ...]
    contact: Contact | None = None
    """Kept encrypted at rest; ``None`` keeps none."""


@dataclass(frozen=True, slots=True)
class UpdateMemberContact:
    """Replace the member's contact as a whole; an empty contact deletes it."""

    partner_id: str
    idempotency_key: str
    member_id: uuid.UUID
    contact: Contact


@dataclass(frozen=True, slots=True)
class EraseMember:
    """Delete a member's personal data on request; the ledger keeps the member id."""

    member_id: uuid.UUID
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class LookupMember:
    partner_id: str
    member: MemberRef


@dataclass(frozen=True, slots=True)
class AddIdentifier:
    partner_id: str
    idempotency_key: str
    member_id: uuid.UUID
    identifier: Identifier


@dataclass(frozen=True, slots=True)
class Earn:
    partner_id: str
    idempotency_key: str
    member: MemberRef
    purchase: Purchase


@dataclass(frozen=True, slots=True)
class AuthorizeRedemption:
    """Exactly one of ``points`` and ``pay_amount``; ``ttl_s`` ``None`` means the partner's."""

    partner_id: str
    idempotency_key: str
    member: MemberRef
    purchase: Purchase
    points: int | None = None
    pay_amount: Money | None = None
    ttl_s: int | None = None


@dataclass(frozen=True, slots=True)
class CaptureRedemption:
    """``points`` ``None`` captures the whole hold."""

    partner_id: str
    idempotency_key: str
    hold_id: uuid.UUID
    points: int | None = None


@dataclass(frozen=True, slots=True)
class VoidRedemption:
    partner_id: str
    idempotency_key: str
    hold_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class GetHold:
    """A hold by its id, or by the partner's order id (the open hold, else the latest)."""

    partner_id: str
    hold_id: uuid.UUID | None
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class RefundEarn:
    """The original by ``transaction_id`` or by the partner's ``order_id`` (exactly one), and
    what was returned: an ``amount``, ``lines`` or the ``whole_receipt`` (exactly one)."""

    partner_id: str
    idempotency_key: str
    transaction_id: uuid.UUID | None
    amount: Money | None = None
    lines: tuple[ReturnedLine, ...] = ()
    whole_receipt: bool = False
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class RefundRedemption:
    """The captured hold by ``hold_id`` or by the partner's ``order_id`` (exactly one)."""

    partner_id: str
    idempotency_key: str
    hold_id: uuid.UUID | None
    points: int
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteEarn:
    partner_id: str
    member: MemberRef | None
    amount: Money
    line_items: tuple[LineItem, ...] = ()
    point_of_sale: PointOfSale = NO_POINT_OF_SALE


@dataclass(frozen=True, slots=True)
class QuoteBurn:
    """Exactly one of ``points`` and ``amount``."""

    partner_id: str
    member: MemberRef | None
    points: int | None = None
    amount: Money | None = None
    receipt: Purchase | None = None
    """The receipt the points would pay: given, the partner's burn rules apply as at authorize
    (its order id is not needed and stays empty)."""


@dataclass(frozen=True, slots=True)
class GetBalance:
    partner_id: str
    member: MemberRef


@dataclass(frozen=True, slots=True)
class ListTransactions:
    partner_id: str
    member: MemberRef | None
    page_size: int
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class AddPartner:
    partner_id: str
    name: str
    currency: str
    rates: Rates
    rounding: Rounding = Rounding.FLOOR
    pending_period_s: int = 0
    expiry: ExpiryPolicy = NEVER_EXPIRES
    effective_from: datetime | None = None
    """When the first rates take effect; now when ``None``."""
    hold_ttl_s: int = HOLD_TTL_DEFAULT_S
    burn_rules: BurnRules = DEFAULT_BURN_RULES
    earn_rounding: EarnRounding = EarnRounding.DOWN
    """How base points of earns round; the partner's choice (``rounding`` is for settlement)."""
    phone_region: str | None = None
    """Region national phone numbers are read in (e.g. "RU"); ``None``: international only."""
    offline_window_s: int = OFFLINE_WINDOW_DEFAULT_S
    """How long after a sale its earn may still be sent (tills' store-and-forward)."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class SetRate:
    partner_id: str
    rates: Rates
    effective_from: datetime | None = None
    """Now when ``None``; never in the past."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class SetPartnerStatus:
    partner_id: str
    active: bool
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class SetRateLimit:
    partner_id: str
    rate_limit_per_s: int | None
    """``None`` returns the partner to the hub's default."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class SetPhoneRegion:
    partner_id: str
    phone_region: str | None
    """ISO 3166 region, e.g. "RU"; ``None`` (or "") accepts international numbers only."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class SetOfflineWindow:
    partner_id: str
    offline_window_s: int
    """0..``OFFLINE_WINDOW_MAX_S``; 0 refuses earns sent after the sale."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RecordCredential:
    """A certificate the CA just issued, to be accepted from now on."""

    serial: str
    principal_uri: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    renews: str | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RevokeCredential:
    serial: str
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class CreateApiKey:
    partner_id: str
    label: str
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RevokeApiKey:
    key_id: str
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class GrantEvent:
    """Points for an event without a purchase, as the partner's event rule gives them."""

    partner_id: str
    idempotency_key: str
    member: MemberRef
    event: EventKind
    referred_member: MemberRef | None = None


@dataclass(frozen=True, slots=True)
class PutRule:
    """A new version of a rule; ``rule_id`` may be empty for per-partner singletons."""

    rule_id: str
    definition: Definition
    effective_from: datetime | None = None
    """``None``: now."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class EndRule:
    rule_id: str
    effective_from: datetime | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ListRules:
    partner_id: str | None = None
    at: datetime | None = None


# Fraud review: what fraud analysts ask for. ``changed_by`` is the analyst and why.


@dataclass(frozen=True, slots=True)
class ListFlags:
    status: FlagStatus | None = FlagStatus.OPEN
    """``None``: every status."""
    member_id: uuid.UUID | None = None
    page_size: int = 50
    page_token: str = ""
    expiring_within_s: int = 0
    """Also list open flags whose held redemption expires this soon, on any page."""


@dataclass(frozen=True, slots=True)
class GetAccount:
    member_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class FreezeMember:
    member_id: uuid.UUID
    flag_id: uuid.UUID | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class UnfreezeMember:
    member_id: uuid.UUID
    flag_id: uuid.UUID | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class AnnulPoints:
    idempotency_key: str
    member_id: uuid.UUID
    points: int | None = None
    """``None``: every unreserved point the member has."""
    flag_id: uuid.UUID | None = None
    operation_id: uuid.UUID | None = None
    """One operation (an earn or a bonus): what is left unreserved of its points, instead of a
    number of points newest first; given, ``points`` must be ``None``."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    hold_id: uuid.UUID
    flag_id: uuid.UUID | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class DeclineHold:
    hold_id: uuid.UUID
    flag_id: uuid.UUID | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ResolveFlag:
    """``changed_by.reason`` is the analyst's note."""

    flag_id: uuid.UUID
    resolution: FlagStatus
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class FraudReport:
    first_date: date
    """A business date in the coalition's time zone."""
    days: int = 1


@dataclass(frozen=True, slots=True)
class ListFlagGroups:
    by: GroupBy
    limit: int = 100


@dataclass(frozen=True, slots=True)
class ResolveFlags:
    """Every open flag of one member (``member_id``) or one rule (``rule``), raised up to
    ``raised_until`` (``None``: now); ``changed_by.reason`` is the note."""

    member_id: uuid.UUID | None
    rule: str | None
    resolution: FlagStatus
    raised_until: datetime | None = None
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class GetMemberTimeline:
    member_id: uuid.UUID
    page_size: int = 100
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class RunNightlyPass:
    business_date: date
    """The day the pass looks back from: patterns ending on this date."""


# -- settlement ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSettlement:
    business_date: date
    run_by: Attribution
    """The officer (or ``system:scheduler``) running it; it cannot also approve it."""


@dataclass(frozen=True, slots=True)
class GetStatement:
    business_date: date
    partner_id: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """A partner's own report for a settled day (CSV bytes), which replaces an earlier one."""

    business_date: date
    partner_id: str
    report_csv: bytes
    submitted_by: Attribution


@dataclass(frozen=True, slots=True)
class ListExceptions:
    business_date: date
    partner_id: str | None = None
    include_accepted: bool = False
    page_size: int = 0
    """0: ``EXCEPTIONS_PAGE_SIZE_DEFAULT``; at most ``EXCEPTIONS_PAGE_SIZE_MAX``."""
    page_token: str = ""
    """Empty for the first page; else the previous page's ``next_page_token``."""
    kind: str | None = None
    """``missing_at_hub``, ``missing_at_partner`` or ``amount_mismatch``; ``None``: every kind."""


@dataclass(frozen=True, slots=True)
class ListSettlementDays:
    """A page of the night board: settlement days, newest first."""

    page_size: int = 0
    """0: ``SETTLEMENT_DAYS_PAGE_SIZE_DEFAULT``; at most ``SETTLEMENT_DAYS_PAGE_SIZE_MAX``."""
    page_token: str = ""
    """Empty for the first page; else the previous page's ``next_page_token``."""


@dataclass(frozen=True, slots=True)
class AcceptExceptions:
    """Accept every open exception of a day at once, of one partner and one kind, or all."""

    business_date: date
    accepted_by: Attribution
    """Its reason is the officer's one note for them all, which is required."""
    partner_id: str | None = None
    kind: str | None = None
    """``missing_at_hub``, ``missing_at_partner`` or ``amount_mismatch``; ``None``: every kind."""


@dataclass(frozen=True, slots=True)
class AcceptException:
    exception_id: uuid.UUID
    accepted_by: Attribution
    """Its reason is the officer's note, which is required."""


@dataclass(frozen=True, slots=True)
class ApproveSettlement:
    business_date: date
    approved_by: Attribution


@dataclass(frozen=True, slots=True)
class RequestGoodwillCredit:
    """Credit a member points for goodwill (``hub.domain.goodwill``); its reason is the
    ``changed_by`` reason, which is required."""

    idempotency_key: str
    member_id: uuid.UUID
    points: int
    funder: Funder
    partner_id: str | None
    """The paying partner when ``funder`` is a partner; ``None`` for the coalition."""
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class DecideGoodwillCredit:
    """Approve (post) or reject a pending goodwill credit; the reason is the decision's note."""

    credit_id: uuid.UUID
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ListGoodwillCredits:
    status: GoodwillStatus | None = None
    """``None``: every status."""
    member_id: uuid.UUID | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class MergeMembers:
    """Merge two accounts of one person: the absorbed member's points, debt and identifiers
    become the survivor's (``hub.services.merge``)."""

    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    changed_by: Attribution = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class UnmergeMembers:
    """Correct a merge: what is left of the moved points, the debt still owed and the
    identifiers go back to the absorbed member, which is active again."""

    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    changed_by: Attribution = field(kw_only=True)
