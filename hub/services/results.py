"""What use cases answer: frozen dataclasses, free of protobuf, storable as JSON for replay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hub.domain.breakdown import Breakdown
from hub.domain.flags import AnalystAction, Flag
from hub.domain.holds import Hold, HoldStatus
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.money import Money
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.domain.rules import Funder, RuleVersion, TierProgress
from hub.services.ports.audit import Violation
from hub.services.ports.ledger import TransactionRecord
from hub.services.ports.reconciliation import (
    ExceptionCounts,
    ExceptionKind,
    ReconciliationExceptionView,
    ReportRecord,
)
from hub.services.ports.reviews import (
    AccountTransaction,
    FlagGroup,
    GroupBy,
    MaskedIdentifier,
    QueuedFlag,
    TimelineEntry,
)
from hub.services.ports.settlement import RunRecord
from settlement.model import Settlement, Valued


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: uuid.UUID
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...]
    welcome_points: int = 0
    """Points of the welcome bonus credited at enrollment (enrollment's answer only)."""

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(member.id, member.status, member.enrolled_at, member.identifier_kinds)


@dataclass(frozen=True, slots=True)
class MemberErased:
    member_id: uuid.UUID
    erased_at: datetime
    already_erased: bool
    """True when an earlier request erased the member: this one changed nothing."""


@dataclass(frozen=True, slots=True)
class KeyUsage:
    """How many stored rows a key still protects, so operators know when it can be dropped."""

    purpose: str
    """``identifier`` or ``contact``."""
    key_id: str
    state: str
    """``current``, ``retired`` or ``unknown`` (not configured: its rows cannot be used)."""
    rows: int


@dataclass(frozen=True, slots=True)
class ContactsRekeyed:
    key_id: str
    """The current data key, which every readable contact is now sealed under."""
    rekeyed: int
    unreadable: int
    """Contacts under a key that is not configured, or failing authentication: left as is."""


@dataclass(frozen=True, slots=True)
class Earned:
    transaction_id: uuid.UUID
    member_id: uuid.UUID
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    rate_version: RateVersion
    created_at: datetime
    debt_paid_points: int = 0
    """Of ``points``, those that paid off the member's refund debt instead of crediting them."""
    breakdown: Breakdown | None = None


@dataclass(frozen=True, slots=True)
class HoldView:
    hold_id: uuid.UUID
    member_id: uuid.UUID
    status: HoldStatus
    points: int
    value: Money
    created_at: datetime
    expires_at: datetime
    order_id: str
    captured_points: int
    resolved_at: datetime | None
    rate_version: RateVersion
    transaction_id: uuid.UUID
    debt_paid_points: int = 0
    """A void's answer: of the points given back, those that paid the member's refund debt
    (the member can spend only the rest)."""

    @classmethod
    def of(cls, hold: Hold, *, debt_paid_points: int = 0) -> HoldView:
        return cls(
            hold.id,
            hold.member_id,
            hold.status,
            hold.points,
            hold.value,
            hold.created_at,
            hold.expires_at,
            hold.order_id,
            hold.captured_points,
            hold.resolved_at,
            hold.rate_version,
            hold.transaction_id,
            debt_paid_points,
        )


@dataclass(frozen=True, slots=True)
class Captured:
    transaction_id: uuid.UUID
    hold_id: uuid.UUID
    captured_points: int
    released_points: int
    value: Money
    captured_at: datetime
    debt_paid_points: int = 0
    """Of ``released_points``, those that paid the member's refund debt first."""


@dataclass(frozen=True, slots=True)
class EarnRefunded:
    transaction_id: uuid.UUID
    earn_transaction_id: uuid.UUID
    points_reversed: int
    pending_points_cancelled: int
    available_points_reversed: int
    debt_points: int
    created_at: datetime
    order_id: str | None = None
    """The earn's order id, which the refund carries."""
    amount: Money | None = None
    """The money the refund recorded."""
    tier_before: str | None = None
    tier_after: str | None = None
    """Set when the refund took the member below its tier's threshold: the tier lost and the
    tier the member has from now on."""


@dataclass(frozen=True, slots=True)
class RedemptionRefunded:
    transaction_id: uuid.UUID
    hold_id: uuid.UUID
    points_returned: int
    points_expired: int
    created_at: datetime
    order_id: str | None = None
    """The hold's order id, which the refund carries."""
    debt_paid_points: int = 0
    """Of ``points_returned``, those that paid the member's refund debt instead."""


@dataclass(frozen=True, slots=True)
class EarnQuoted:
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    rate_version: RateVersion
    quoted_at: datetime
    breakdown: Breakdown | None = None


@dataclass(frozen=True, slots=True)
class BurnQuoted:
    points: int
    value: Money
    rate_version: RateVersion
    quoted_at: datetime


@dataclass(frozen=True, slots=True)
class BalanceView:
    member_id: uuid.UUID
    available_points: int
    pending_points: int
    held_points: int
    expiring_points: int
    expiring_before: datetime
    as_of: datetime
    debt_points: int = 0
    tier: TierProgress | None = None
    """``None`` when the coalition has no tiers."""


@dataclass(frozen=True, slots=True)
class MemberSummary:
    member: MemberView
    balance: BalanceView
    lots: tuple[Lot, ...]
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionPage:
    transactions: tuple[TransactionRecord, ...]
    next_page_token: str
    """Empty on the last page."""


@dataclass(frozen=True, slots=True)
class PartnerView:
    partner: Partner
    rate_versions: tuple[RateVersion, ...]
    current_rate: RateVersion | None
    issued_points: int


@dataclass(frozen=True, slots=True)
class LedgerReport:
    checks: tuple[str, ...]
    counts: dict[str, int]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class EventGranted:
    transaction_id: uuid.UUID
    member_id: uuid.UUID
    points: int
    rule_id: str
    funder: Funder
    created_at: datetime
    referred_member_id: uuid.UUID | None = None
    referee_points: int = 0
    referee_transaction_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class RuleHistory:
    rule_id: str
    versions: tuple[RuleVersion, ...]
    budget_spent_points: int = 0
    """Campaigns: bonus points given so far."""


@dataclass(frozen=True, slots=True)
class RulesListed:
    at: datetime
    in_force: tuple[RuleVersion, ...]
    scheduled: tuple[RuleVersion, ...]
    """Versions taking effect after ``at``."""


# Fraud review


@dataclass(frozen=True, slots=True)
class FlagPage:
    flags: tuple[QueuedFlag, ...]
    next_page_token: str
    """Empty on the last page."""
    expiring: tuple[QueuedFlag, ...] = ()
    """Open flags whose held redemption expires within the window asked, soonest first."""
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountView:
    """One member's account as a fraud analyst sees it."""

    member: Member
    enrolled_by: str
    available_points: int
    pending_points: int
    debt_points: int
    linked_member_ids: tuple[uuid.UUID, ...]
    transactions: tuple[AccountTransaction, ...]
    """Newest first, at most ``ACCOUNT_TRANSACTIONS_MAX``."""
    lots: tuple[Lot, ...]
    holds: tuple[Hold, ...]
    flags: tuple[Flag, ...]
    actions: tuple[AnalystAction, ...]
    merged_into: uuid.UUID | None = None
    """The member this one was merged into (``hub.services.merge``), if it was."""
    absorbed_member_ids: tuple[uuid.UUID, ...] = ()
    """Members merged into this one and not unmerged; their history stays under their ids."""


ACCOUNT_TRANSACTIONS_MAX = 200


@dataclass(frozen=True, slots=True)
class AccountStatusView:
    member_id: uuid.UUID
    status: MemberStatus


@dataclass(frozen=True, slots=True)
class Annulled:
    transaction_id: uuid.UUID
    member_id: uuid.UUID
    points: int
    points_by_partner: tuple[tuple[str, int], ...]
    """Points annulled per issuing partner, by partner id."""
    created_at: datetime
    operation_id: uuid.UUID | None = None
    """The one operation whose points were annulled; ``None`` for points newest first."""


@dataclass(frozen=True, slots=True)
class ReviewedHold:
    hold_id: uuid.UUID
    member_id: uuid.UUID
    partner_id: str
    status: HoldStatus
    """``PENDING`` once released, ``DECLINED`` once declined."""
    points: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class FraudReportLine:
    date: date
    partner_id: str
    rule: str
    raised: int
    confirmed: int
    false_positives: int
    open: int
    points_annulled: int


@dataclass(frozen=True, slots=True)
class FraudReportView:
    lines: tuple[FraudReportLine, ...]
    """By date, partner and rule."""


@dataclass(frozen=True, slots=True)
class FlagGroupsView:
    by: GroupBy
    groups: tuple[FlagGroup, ...]
    truncated: bool
    """More groups exist than were asked for."""


@dataclass(frozen=True, slots=True)
class FlagsResolved:
    flag_ids: tuple[uuid.UUID, ...]
    """Oldest first."""
    more: bool
    """Open flags matched past the most one call resolves."""


@dataclass(frozen=True, slots=True)
class MemberTimelineView:
    member: Member
    identifiers: tuple[MaskedIdentifier, ...]
    entries: tuple[TimelineEntry, ...]
    """Newest first."""
    next_page_token: str


@dataclass(frozen=True, slots=True)
class NightlyPassReport:
    business_date: date
    flags_raised: int
    """New flags; a second pass over the same date raises none."""
    farming: int
    """Members (at a partner) who looked like slow farming, flagged or already flagged."""
    dormant_burns: int


# -- settlement ----------------------------------------------------------------------------


class RunStatus(StrEnum):
    RAN = "ran"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class SettlementRunView:
    """A settlement run as stored: who ran (and approved) it, and the signed summary."""

    business_date: date
    status: RunStatus
    window_start: datetime | None
    window_end: datetime
    currency: str
    run_at: datetime
    run_by: str
    approved_at: datetime | None
    approved_by: str | None
    settlement: Settlement
    summary_json: bytes
    summary_signature: bytes
    signing_key_id: str
    open_exceptions: int
    unreported: tuple[str, ...]
    """Partners that sent no report for the day: not reconciled (they do not block approval)."""
    approval_note: str | None = None
    run_duration_s: float | None = None
    """How long the run took; ``None`` for runs settled before the hub kept it."""


@dataclass(frozen=True, slots=True)
class StatementView:
    partner_id: str
    business_date: date
    json: bytes
    json_signature: bytes
    csv: bytes
    csv_signature: bytes
    signing_key_id: str


@dataclass(frozen=True, slots=True)
class ExceptionPage:
    """One page of a day's exceptions, with the true counts of all of them."""

    exceptions: tuple[ReconciliationExceptionView, ...]
    counts: ExceptionCounts
    """Of every exception the listing's filter selects, not only this page's."""
    next_page_token: str = ""
    """Empty on the last page."""

    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def showing(self) -> str:
        return f"showing {len(self.exceptions)} of {self.total}"


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    business_date: date
    partner_id: str
    matched: int
    page: ExceptionPage
    """The report's exceptions: their counts, and the first page, by kind then report line."""

    @property
    def exceptions(self) -> tuple[ReconciliationExceptionView, ...]:
        """The first page of exceptions (``page.total`` says how many there are)."""
        return self.page.exceptions

    def count(self, kind: ExceptionKind) -> int:
        return self.page.counts.of(kind)


@dataclass(frozen=True, slots=True)
class ExceptionsAccepted:
    """What a bulk acceptance did: how many open exceptions it accepted, with one note."""

    business_date: date
    partner_id: str | None
    kind: ExceptionKind | None
    accepted: int
    accepted_by: str
    note: str


@dataclass(frozen=True, slots=True)
class LiabilitiesView:
    """Points outstanding per issuing partner at a settled day's end, and their value."""

    business_date: date
    currency: str
    liabilities: tuple[tuple[str, Valued], ...]
    """By issuer id."""


@dataclass(frozen=True, slots=True)
class SigningKeyView:
    key_id: str
    public_key_pem: bytes


class DayState(StrEnum):
    """Where a business day stands on the night board."""

    NOT_RUN = "not_run"
    RAN = "ran"
    RECONCILED = "reconciled"
    """Every partner's report imported and no exception open: waiting for approval."""
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class ActorView:
    """An audit actor and the person behind it (``person`` empty for the scheduler)."""

    uri: str
    person: str
    role: str


@dataclass(frozen=True, slots=True)
class PartnerDayView:
    """One partner's reconciliation of a settled day; ``report`` is ``None`` until imported."""

    partner_id: str
    report: ReportRecord | None
    submitted_by: ActorView | None
    open_exceptions: int
    accepted_exceptions: int


@dataclass(frozen=True, slots=True)
class AcceptanceView:
    accepted_by: ActorView
    exceptions: int
    last_accepted_at: datetime


@dataclass(frozen=True, slots=True)
class SettlementDayView:
    """A business day on the night board: its state and who did what, when."""

    business_date: date
    state: DayState
    run: RunRecord | None
    """``None`` when not run."""
    run_by: ActorView | None
    approved_by: ActorView | None
    open_exceptions: int
    accepted_exceptions: int
    partners: tuple[PartnerDayView, ...]
    acceptances: tuple[AcceptanceView, ...]


@dataclass(frozen=True, slots=True)
class SettlementDayPage:
    days: tuple[SettlementDayView, ...]
    total: int
    """Days in the whole listing, not only this page."""
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class Merged:
    """A merge as it was made."""

    merge_id: uuid.UUID
    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    transaction_id: uuid.UUID | None
    """The ``merge`` ledger transaction; ``None`` when the absorbed member had nothing to move."""
    points: int
    """Points (available and pending) that moved to the survivor."""
    debt_points: int
    """Debt that moved to the survivor."""
    debt_paid_points: int
    """Of the survivor's debt, what its available points paid at once (debt first)."""
    identifiers: int
    """Identifiers that moved to the survivor."""
    merged_at: datetime


@dataclass(frozen=True, slots=True)
class Unmerged:
    """A merge's correcting operation as it was made."""

    merge_id: uuid.UUID
    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    transaction_id: uuid.UUID | None
    points: int
    """Points given back to the absorbed member."""
    points_not_returned: int
    """Moved points the survivor spent, lost to expiry or paid debt with since the merge: they
    stay spent."""
    debt_points: int
    """Debt given back to the absorbed member."""
    identifiers: int
    unmerged_at: datetime
