"""The ports the use cases need from storage: a unit of work holding the repositories."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from fraud.facts import (
    ActivityFacts,
    ActivityWindows,
    Attempt,
    DormantBurnFacts,
    FarmingFacts,
)
from hub.domain.access import PartnerAccess
from hub.domain.audit import AuditEvent, AuditHead, AuditRecord
from hub.domain.breakdown import Breakdown
from hub.domain.catch_up import OverdueLot
from hub.domain.credentials import Credential
from hub.domain.flags import AnalystAction, Flag, FlagStatus
from hub.domain.holds import Hold, Reservation
from hub.domain.ledger import Totals, Transaction, TransactionKind
from hub.domain.lots import Lot, LotUpdate
from hub.domain.members import Member, MemberStatus
from hub.domain.money import Money, Rounding
from hub.domain.partners import Partner
from hub.domain.purchases import PointOfSale
from hub.domain.rates import RateVersion
from hub.domain.refunds import EarnRecord, PriorRefunds
from hub.domain.rules import FactWindows, MemberFacts, RuleVersion
from settlement.model import (
    NOTHING_SEEN,
    BusinessDay,
    OutstandingGroup,
    SettlementInputs,
    Snapshot,
)
from settlement.reconciliation import ReportLine

if TYPE_CHECKING:
    # Only for annotations: results import this module.
    from hub.services.results import (
        ExceptionCounts,
        ExceptionKind,
        ReconciliationExceptionView,
    )


class TransientConflict(Exception):
    """The database refused a transaction because of a concurrent one; running it again may work."""


@dataclass(frozen=True, slots=True)
class CallContext:
    partner: Partner
    rate: RateVersion | None
    """``None`` when no rate is in force."""
    member: Member | None
    """``None`` when no member was asked for, or none matched."""
    member_debt_points: int = 0
    """What the member owes after refunds, read without a lock."""
    member_digest: bytes | None = None
    """The identifier digest the member was found by, when several were tried (key rotation)."""
    rules_generation: int = 0
    """The rules' change counter as of this read: cached rules of another generation are stale."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What an earlier request with the same idempotency key asked and got."""

    operation: str
    request_hash: bytes
    response: str


@dataclass(frozen=True, slots=True)
class MemberBalance:
    member_id: uuid.UUID
    available: Totals
    pending: Totals
    expiring_points: int
    debt: Totals


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where a page of transactions starts: after this (created_at, id), newest first."""

    created_at: datetime
    transaction_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ExceptionCursor:
    """Where a page of reconciliation exceptions starts: after this exception, in the listing's
    order (partner, kind, report line (0: none), item kind, order id ("": none), id)."""

    partner_id: str
    kind: str
    report_line: int
    item_kind: str
    order_id: str
    exception_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A transaction as a partner sees it in its history (without the entries)."""

    id: uuid.UUID
    kind: TransactionKind
    created_at: datetime
    points: int
    member_id: uuid.UUID | None
    order_id: str | None
    purchase: Money | None
    rate_version: RateVersion | None
    available_at: datetime | None
    expires_at: datetime | None
    related_id: uuid.UUID | None = None
    breakdown: Breakdown | None = None
    """Earns: the breakdown stored when the points were posted."""
    tier_before: str | None = None
    tier_after: str | None = None
    """Refunds of earns that took the member below its tier: the tier lost and the new one."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken ledger invariant, as ``hub ledger verify`` reports it."""

    invariant: str
    subject: str
    detail: str


class IdempotencyRepository(Protocol):
    def claim(
        self, partner_id: str, key: str, operation: str, request_hash: bytes, now: datetime
    ) -> StoredResponse | None:
        """Take ``key`` for this request, or return what an earlier request stored under it."""
        ...

    def save(self, partner_id: str, key: str, response: str) -> None: ...


class PartnerRepository(Protocol):
    def add(self, partner: Partner, first_rate: RateVersion, now: datetime) -> None: ...
    def get(self, partner_id: str) -> Partner: ...
    def for_call(
        self,
        partner_id: str,
        at: datetime,
        member: uuid.UUID | bytes | tuple[bytes, ...] | None = None,
    ) -> CallContext:
        """What a partner's call needs in one read: the partner (or ``PartnerNotFound``), its
        rates in force ``at`` and the member named by id or identifier digest (or any of several
        digests, one per identifier key), if any."""
        ...

    def list(self) -> Sequence[Partner]: ...
    def rate_versions(self, partner_id: str) -> Sequence[RateVersion]: ...
    def add_rate(self, version: RateVersion, now: datetime) -> None: ...
    def save(self, partner: Partner) -> None:
        """Write the partner's status and rate limit."""
        ...

    def issued_points(self, partner_id: str) -> int: ...


class MemberRepository(Protocol):
    def add(
        self, member: Member, enrolled_by: str, digests: Sequence[tuple[str, bytes]], key_id: str
    ) -> None: ...
    def add_identifier(
        self, member_id: uuid.UUID, kind: str, digest: bytes, key_id: str, now: datetime
    ) -> None: ...
    def get(self, member_id: uuid.UUID, *, for_update: bool = False) -> Member: ...
    def find_by_digests(self, digests: Sequence[bytes]) -> Member:
        """The member with an identifier under any of ``digests``, or ``MemberNotFound``."""
        ...

    def any_taken(self, digests: Sequence[bytes]) -> bool: ...
    def rekey_identifier(self, old_digest: bytes, new_digest: bytes, key_id: str) -> None:
        """Replace a retired key's digest by the current one's; written at commit."""
        ...

    def erase(self, member_id: uuid.UUID, now: datetime) -> None:
        """Delete the member's identifiers and mark it erased; written at commit."""
        ...

    def identifier_key_counts(self) -> dict[str, int]: ...
    def with_identifier_kinds(self, member: Member) -> Member: ...
    def balance(
        self, member_id: uuid.UUID, now: datetime, expiring_before: datetime
    ) -> MemberBalance:
        """Stored totals; ``expiring_points`` leaves out the lots ``LotRepository.overdue``
        returns at ``now`` (the caller counts those as of now)."""
        ...

    def debt_for_update(self, member_id: uuid.UUID) -> int: ...
    def lock(self, member_id: uuid.UUID) -> None:
        """Lock the member's row until commit: what this unit of work reads after it includes
        everything the lock's previous holders wrote (their earns, bonuses, tier). Sent with
        the next read, at no round trip of its own."""
        ...

    def facts(
        self, member_id: uuid.UUID, partner_id: str, windows: FactWindows, *, lock: bool
    ) -> MemberFacts:
        """What rules need of the member, in one read (birth date left out: it is sealed);
        ``lock`` first locks the member's row (``lock``), so the totals are read once it is
        held and concurrent calls of one member see each other's earns."""
        ...

    def set_status(self, member_id: uuid.UUID, status: MemberStatus) -> None:
        """Store the member's status (freeze, unfreeze); written at commit."""
        ...

    def set_tier(self, member_id: uuid.UUID, tier: str | None, since: datetime) -> None:
        """Store the member's tier; written at commit."""
        ...

    def event_count(self, member_id: uuid.UUID, partner_id: str, event: str) -> int:
        """How many bonuses of ``event`` the partner gave the member."""
        ...

    def tiers_to_review(
        self, period_start: datetime, windows: FactWindows, limit: int
    ) -> Sequence[tuple[uuid.UUID, str, int]]:
        """Members above the base tier whose tier was set before ``period_start``, locked
        (skipping locked ones), with their qualifying amount: (member id, tier, qualifying)."""
        ...


class RuleRepository(Protocol):
    def generation(self) -> int:
        """The rules' change counter; every ``add`` raises it."""
        ...

    def versions(self) -> Sequence[RuleVersion]:
        """Every version of every rule, by rule id and version."""
        ...

    def history(self, rule_id: str) -> Sequence[RuleVersion]:
        """The rule's versions, oldest first; empty when there is no such rule."""
        ...

    def add(self, version: RuleVersion) -> None:
        """Record a new version and raise the generation; written at commit."""
        ...

    def budget_spent(self, rule_ids: Sequence[str], *, lock: bool) -> dict[str, int]:
        """Bonus points each campaign gave so far (0 if none); ``lock`` locks their rows, so
        concurrent earns charge each budget one after the other."""
        ...

    def spend_budget(self, spent_points: dict[str, int]) -> None:
        """Add to each campaign's spent points; written at commit."""
        ...


class LedgerRepository(Protocol):
    def add(self, transaction: Transaction) -> None:
        """Record ``transaction``: entries and running totals; written at commit."""
        ...

    def earn(
        self, transaction_id: uuid.UUID, partner_id: str, *, for_update: bool = False
    ) -> EarnRecord:
        """The earn this partner made, or ``TransactionNotFound``; ``for_update`` locks it."""
        ...

    def related_totals(self, related_id: uuid.UUID, kind: TransactionKind) -> tuple[int, int]:
        """Money (minor units) and points of the ``kind`` transactions related to an original."""
        ...

    def earn_of_order(
        self, order_id: str, partner_id: str, *, for_update: bool = False
    ) -> EarnRecord:
        """This partner's earn for its order id, or ``TransactionNotFound``."""
        ...

    def refunds_of_earn(self, earn_id: uuid.UUID) -> PriorRefunds:
        """What the earn's refunds so far returned: money, points and shares of lines."""
        ...

    def page(
        self, partner_id: str, member_id: uuid.UUID | None, after: PageCursor | None, limit: int
    ) -> Sequence[TransactionRecord]: ...


class LotRepository(Protocol):
    """Lots are locked in id order; see ``hub.adapters.repositories.lots`` for the lock order."""

    def add(self, lot: Lot) -> None: ...
    def apply(self, update: LotUpdate) -> None:
        """Write the changed lots and the movements of ``update`` (not its transaction)."""
        ...

    def save(self, changed: Sequence[Lot]) -> None: ...
    def of_member(self, member_id: uuid.UUID) -> Sequence[Lot]: ...
    def overdue(self, member_id: uuid.UUID, now: datetime) -> Sequence[OverdueLot]:
        """The member's lots the clock has overtaken at ``now``: due to mature, past expiry
        with points left, or reserved by an open hold past its expiry."""
        ...

    def holdable_for_update(self, member_id: uuid.UUID, now: datetime) -> Sequence[Lot]:
        """Unexpired lots with unreserved points, available or due to mature at ``now``
        (the caller matures those first), locked in id order."""
        ...

    def of_hold_for_update(self, hold_id: uuid.UUID) -> tuple[Sequence[Lot], Sequence[Reservation]]:
        """The lots a hold reserved, locked, and how much it reserved of each."""
        ...

    def consumed_by_hold_for_update(self, hold_transaction_id: uuid.UUID) -> Sequence[Lot]: ...
    def of_earn_for_update(self, earn_id: uuid.UUID) -> Lot | None: ...
    def expired_points(self, lot_id: uuid.UUID) -> int: ...
    def annulled_points(self, lot_id: uuid.UUID) -> int: ...
    def consumed_by_hold(self, hold_transaction_id: uuid.UUID) -> dict[uuid.UUID, int]: ...
    def annullable_for_update(self, member_id: uuid.UUID) -> Sequence[Lot]:
        """The member's lots with unreserved points, locked in id order."""
        ...

    def due_to_mature(self, now: datetime, limit: int) -> Sequence[Lot]: ...
    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Lot]: ...


class HoldRepository(Protocol):
    def add(self, hold: Hold, reservations: Sequence[Reservation]) -> None: ...
    def get(self, hold_id: uuid.UUID, partner_id: str, *, for_update: bool = False) -> Hold:
        """The hold this partner placed, or ``HoldNotFound`` (also for another partner's)."""
        ...

    def get_any(self, hold_id: uuid.UUID, *, for_update: bool = False) -> Hold:
        """A hold of any partner (for fraud analysts), or ``HoldNotFound``."""
        ...

    def save(self, hold: Hold) -> None:
        """Write the hold's status, expiry and resolution."""
        ...

    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Hold]: ...
    def of_member(self, member_id: uuid.UUID) -> Sequence[Hold]: ...
    def of_order(self, partner_id: str, order_id: str) -> Hold:
        """The order's open hold, else its latest, or ``HoldNotFound``."""
        ...

    def blocking_for_update(
        self, member_id: uuid.UUID, partner_id: str, order_id: str, now: datetime
    ) -> Sequence[Hold]:
        """Open holds in the way of a new one, locked in id order: the member's past their
        expiry (their points are free once released) and the order's."""
        ...


class AuditQueries(Protocol):
    def names(self) -> Sequence[str]:
        """The invariants checked, in order."""
        ...

    def violations(self, limit: int) -> Sequence[Violation]: ...
    def counts(self) -> dict[str, int]: ...


class AuditLog(Protocol):
    """The hash-chained audit log (see ``hub.domain.audit``)."""

    def append(self, event: AuditEvent, now: datetime) -> AuditRecord:
        """Chain ``event`` after the last record; appends are serialised by the chain's head."""
        ...

    def records(self, after_seq: int, limit: int) -> Sequence[AuditRecord]:
        """Up to ``limit`` records after ``after_seq``, in chain order."""
        ...

    def head(self) -> AuditHead | None:
        """Where the chain ends as last written; ``None`` if the head row is gone."""
        ...

    def recent(
        self, limit: int, *, actor: str | None = None, action: str | None = None
    ) -> Sequence[AuditRecord]:
        """The newest ``limit`` records first, optionally only one actor's or one action's."""
        ...


class CredentialRepository(Protocol):
    def add(self, credential: Credential) -> None: ...
    def get(self, serial: str, *, for_update: bool = False) -> Credential:
        """The credential with this serial, or ``CredentialNotFound``."""
        ...

    def list(self, principal_uri: str | None = None) -> Sequence[Credential]: ...
    def save(self, credential: Credential) -> None: ...
    def access(
        self, serial: str | None, partner_id: str | None
    ) -> tuple[Credential | None, PartnerAccess | None]:
        """What admitting a caller needs, in one read: its credential and its partner."""
        ...


@dataclass(frozen=True, slots=True)
class SealedContact:
    """A member's contact data as stored: AES-GCM ciphertext under the key ``key_id`` names."""

    key_id: str
    nonce: bytes
    ciphertext: bytes
    updated_at: datetime


class ContactRepository(Protocol):
    def put(self, member_id: uuid.UUID, sealed: SealedContact) -> None: ...
    def get(self, member_id: uuid.UUID) -> SealedContact | None: ...
    def delete(self, member_id: uuid.UUID) -> None: ...
    def stale(
        self, current_key_id: str, after: uuid.UUID, limit: int
    ) -> Sequence[tuple[uuid.UUID, SealedContact]]:
        """Up to ``limit`` contacts sealed under another key, member ids after ``after`` in
        order, locked (those locked by someone else are skipped)."""
        ...

    def key_counts(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class FlagCursor:
    """Where a page of flags starts: after this (score descending, raised_at, id)."""

    score: int
    raised_at: datetime
    flag_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AccountTransaction:
    """A transaction of a member at any partner, as a fraud analyst sees it."""

    id: uuid.UUID
    kind: TransactionKind
    created_at: datetime
    partner_id: str | None
    points: int
    order_id: str | None
    purchase: Money | None
    point_of_sale: PointOfSale | None
    related_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """Flags of one partner and rule raised in a period, by what became of them."""

    partner_id: str
    rule: str
    raised: int
    confirmed: int
    false_positives: int
    open: int
    points_annulled: int
    """Points annulled by actions answering these flags."""


class LinkKind(StrEnum):
    """What a member link's digest is of: members sharing a digest are linked."""

    PHONE = "phone"
    """The contact's phone number."""
    EMAIL = "email"
    IDENTIFIER = "identifier"
    """A phone number the member is identified by."""


class FraudRepository(Protocol):
    """What the fraud checks read and write on the hot path."""

    def activity(self, attempt: Attempt, windows: ActivityWindows) -> ActivityFacts:
        """The member's, terminal's and cashier's recent activity, in one read of a bounded
        number of rows (the fraud counters, kept by ``LedgerRepository.add``)."""
        ...

    def prune_counters(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` rows of each fraud counter table last counted before
        ``before``; how many."""
        ...

    def add_flag(self, flag: Flag) -> None:
        """Record a flag and one row per rule that fired; written at commit."""
        ...

    def set_links(
        self,
        member_id: uuid.UUID,
        links: Sequence[tuple[LinkKind, bytes]],
        *,
        replacing: Sequence[LinkKind] = (),
    ) -> None:
        """Delete the member's links of the ``replacing`` kinds, then add ``links``; written
        at commit."""
        ...


class ReviewRepository(Protocol):
    """What fraud analysts read and change, and the nightly pass's scans."""

    def flag(self, flag_id: uuid.UUID, *, for_update: bool = False) -> Flag:
        """The flag, or ``FlagNotFound``."""
        ...

    def save_flag(self, flag: Flag) -> None:
        """Write the flag's status and resolution."""
        ...

    def add_nightly_flag(self, flag: Flag) -> bool:
        """Record a nightly flag unless one with its ``dedupe_key`` exists; whether it did."""
        ...

    def flags(
        self,
        status: FlagStatus | None,
        member_id: uuid.UUID | None,
        after: FlagCursor | None,
        limit: int,
    ) -> Sequence[Flag]:
        """Flags by score (highest first), then oldest first; ``status`` ``None``: all."""
        ...

    def add_action(self, action: AnalystAction) -> None: ...
    def actions(self, member_id: uuid.UUID) -> Sequence[AnalystAction]:
        """The analysts' actions on the member, oldest first."""
        ...

    def linked_members(self, member_id: uuid.UUID) -> Sequence[uuid.UUID]: ...
    def enrolled_by(self, member_id: uuid.UUID) -> str:
        """The partner that enrolled the member, or ``MemberNotFound``."""
        ...

    def transactions(self, member_id: uuid.UUID, limit: int) -> Sequence[AccountTransaction]:
        """The member's newest transactions at every partner."""
        ...

    def report(self, start: datetime, end: datetime) -> Sequence[RuleCounts]:
        """Per partner and rule, the flags raised in [start, end), by partner then rule."""
        ...

    def farming(
        self, since: datetime, until: datetime, min_active_days: int, min_earns: int
    ) -> Sequence[FarmingFacts]:
        """Members earning at one partner on at least ``min_active_days`` distinct days (24 h
        from ``since``) and at least ``min_earns`` times in [since, until)."""
        ...

    def dormant_burns(
        self, start: datetime, end: datetime, idle_since: datetime, min_points: int
    ) -> Sequence[DormantBurnFacts]:
        """Members who burned at least ``min_points`` in [start, end) (holds placed) with no
        transaction of theirs in [idle_since, start)."""
        ...


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A settlement run's row."""

    business_date: date
    window_start: datetime | None
    window_end: datetime
    currency: str
    status: str
    run_at: datetime
    run_by: str
    approved_at: datetime | None
    approved_by: str | None
    summary: bytes
    summary_signature: bytes
    signing_key_id: str
    snapshot: Snapshot = NOTHING_SEEN
    """What the run read: the next run settles the earlier-stamped rows it did not see."""


@dataclass(frozen=True, slots=True)
class StoredStatement:
    partner_id: str
    json: bytes
    json_signature: bytes
    csv: bytes
    csv_signature: bytes


class SettlementRepository(Protocol):
    """Settlement runs, their statements and outstanding points, and the set-based sums a run
    reads from the ledger."""

    def run(self, business_date: date, *, for_update: bool = False) -> StoredRun | None: ...
    def latest_run(self) -> StoredRun | None:
        """The run of the latest settled day."""
        ...

    def roundings(self) -> dict[str, Rounding]:
        """Every partner's settlement rounding, by partner id."""
        ...

    def snapshot(self) -> Snapshot:
        """The snapshot this unit of work reads under (a run's, in its transaction)."""
        ...

    def inputs(
        self, day: BusinessDay, previous: Sequence[OutstandingGroup], progress: Progress
    ) -> SettlementInputs:
        """The day's sums (its window and its late rows), computed by the database;
        ``progress`` hears of each step."""
        ...

    def outstanding(self, business_date: date) -> Sequence[OutstandingGroup]: ...
    def add_run(
        self,
        run: StoredRun,
        statements: Sequence[StoredStatement],
        outstanding: Sequence[OutstandingGroup],
    ) -> None: ...
    def statement(self, business_date: date, partner_id: str) -> StoredStatement | None: ...
    def approve(self, business_date: date, approved_by: str, at: datetime, note: str) -> None: ...


class ReconciliationRepository(Protocol):
    """Partners' reports for settled days, and the exceptions matching them finds."""

    def open_exceptions(self, business_date: date) -> int:
        """How many of the day's exceptions are not accepted yet."""
        ...

    def replace_report(
        self,
        business_date: date,
        partner_id: str,
        lines: Iterable[ReportLine],
        *,
        submitted_by: str,
        submitted_at: datetime,
        sha256: bytes,
    ) -> int:
        """Drop the partner's report for the day (its lines and exceptions), then store this
        one, loading ``lines`` in bounded batches; how many lines it has. A bad line raises
        while loading: the caller rolls back."""
        ...

    def match(self, partner_id: str, day: BusinessDay, seen_by_run: Snapshot) -> int:
        """Match the stored report for ``day`` with the partner's transactions its run settled
        (those of its window and its late ones that ``seen_by_run``, the run's snapshot, saw),
        in the database: record the exceptions, store the matched count and return it."""
        ...

    def exceptions(
        self,
        business_date: date,
        partner_id: str | None,
        *,
        include_accepted: bool,
        limit: int,
        after: ExceptionCursor | None = None,
    ) -> Sequence[ReconciliationExceptionView]:
        """A page of the day's exceptions (one partner's, or all), open only unless asked, in
        ``ExceptionCursor``'s order, starting after ``after``."""
        ...

    def counts(
        self, business_date: date, partner_id: str | None, *, include_accepted: bool
    ) -> ExceptionCounts:
        """How many exceptions of each kind the same filter selects, counted by the database."""
        ...

    def accept_all(
        self,
        business_date: date,
        partner_id: str | None,
        kind: ExceptionKind | None,
        *,
        accepted_by: str,
        at: datetime,
        note: str,
    ) -> int:
        """Accept the day's open exceptions (of one partner and kind, or all) with one note;
        how many it accepted."""
        ...

    def exception(self, exception_id: uuid.UUID) -> ReconciliationExceptionView:
        """The exception, or ``ExceptionNotFound``."""
        ...

    def accept(self, exception_id: uuid.UUID, accepted_by: str, at: datetime, note: str) -> None:
        """Mark the exception accepted, with the officer's note."""
        ...

    def reported_partners(self, business_date: date) -> Sequence[str]:
        """The partners whose report for the day is stored, by id."""
        ...


class Progress(Protocol):
    """Told when each step of a long run starts; ``hub settle run`` prints it."""

    def __call__(self, step: str) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without ``commit()`` rolls it back.

    A unit of work can be entered again after it is left, which is how a use case is retried.
    """

    idempotency: IdempotencyRepository
    partners: PartnerRepository
    members: MemberRepository
    ledger: LedgerRepository
    lots: LotRepository
    holds: HoldRepository
    audit: AuditQueries
    audit_log: AuditLog
    credentials: CredentialRepository
    contacts: ContactRepository
    rules: RuleRepository
    fraud: FraudRepository
    reviews: ReviewRepository
    settlement: SettlementRepository
    reconciliation: ReconciliationRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a new unit of work for one use-case call; shared by all threads of the server."""

    def __call__(
        self, *, read_only: bool = False, single_read: bool = False, snapshot: bool = False
    ) -> UnitOfWork:
        """``single_read``: the unit of work runs one statement and needs no snapshot;
        ``snapshot``: every read sees the database as of the first (REPEATABLE READ)."""
        ...


def record(uow: UnitOfWork, update: LotUpdate) -> None:
    """Write ``update``: its ledger transaction (when points moved), its lots and movements."""
    if update.transaction is not None:
        uow.ledger.add(update.transaction)
    uow.lots.apply(update)
