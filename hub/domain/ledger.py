"""Double-entry, append-only ledger records.

An entry's ``amount_points`` is signed: credits are positive, debits negative. A transaction's
entries sum to zero within each phase. ``PENDING`` entries are two-phase reservations in
TigerBeetle's sense: a hold posts pending entries, and its capture, void or expiry posts the
opposite pending entries plus any posted ones, so the running totals only ever grow.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from hub.domain.accounts import Account
from hub.domain.breakdown import Breakdown
from hub.domain.invariants import require
from hub.domain.money import Money
from hub.domain.purchases import LineItem, PointOfSale
from hub.domain.rates import RateVersion


class Phase(StrEnum):
    POSTED = "posted"
    PENDING = "pending"


class TransactionKind(StrEnum):
    EARN = "earn"
    HOLD = "hold"
    CAPTURE = "capture"
    VOID = "void"
    HOLD_EXPIRY = "hold_expiry"
    REFUND_EARN = "refund_earn"
    REFUND_REDEMPTION = "refund_redemption"
    EXPIRY = "expiry"
    ADJUSTMENT = "adjustment"
    ANNULMENT = "annulment"
    MATURATION = "maturation"
    BONUS = "bonus"
    """A welcome bonus or an event's points: credited without a purchase."""
    MERGE = "merge"
    """An operator merged two accounts of one person: the absorbed member's points and debt
    move to the survivor (``hub.domain.merge``)."""
    UNMERGE = "unmerge"
    """The correcting operation of a merge: what is left of the moved points goes back."""
    GOODWILL = "goodwill"
    """Points staff credited a member (``hub.domain.goodwill``): an issue without a purchase."""


@dataclass(frozen=True, slots=True)
class Entry:
    account: Account
    amount_points: int
    phase: Phase = Phase.POSTED


def transfer(
    debit: Account, credit: Account, points: int, phase: Phase = Phase.POSTED
) -> tuple[Entry, Entry]:
    """Move ``points`` from ``debit`` to ``credit``: the two entries of a simple transfer."""
    require(points >= 0, f"a transfer moves a non-negative number of points, not {points}")
    return Entry(debit, -points, phase), Entry(credit, points, phase)


@dataclass(frozen=True, slots=True)
class Totals:
    """Running totals of an account, in TigerBeetle's sense; each only ever grows."""

    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    @property
    def posted_points(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def reserved_points(self) -> int:
        """Points reserved by pending debits not yet released."""
        return self.debits_pending - self.credits_pending

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.debits_posted + other.debits_posted,
            self.credits_posted + other.credits_posted,
            self.debits_pending + other.debits_pending,
            self.credits_pending + other.credits_pending,
        )


def entry_totals(entry: Entry) -> Totals:
    amount = abs(entry.amount_points)
    debit = entry.amount_points < 0
    if entry.phase is Phase.POSTED:
        return Totals(debits_posted=amount) if debit else Totals(credits_posted=amount)
    return Totals(debits_pending=amount) if debit else Totals(credits_pending=amount)


def totals_by_account(entries: Iterable[Entry]) -> dict[Account, Totals]:
    """How much ``entries`` add to each account's running totals."""
    totals: dict[Account, Totals] = defaultdict(Totals)
    for entry in entries:
        totals[entry.account] += entry_totals(entry)
    return dict(totals)


def check_balanced(entries: tuple[Entry, ...]) -> None:
    require(len(entries) >= 2, f"a transaction has two or more entries, not {len(entries)}")
    for phase in Phase:
        total = sum(entry.amount_points for entry in entries if entry.phase is phase)
        require(total == 0, f"{phase.value} entries sum to {total}, not zero")


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ledger transaction and the business facts it records."""

    id: uuid.UUID
    kind: TransactionKind
    created_at: datetime
    entries: tuple[Entry, ...]
    points: int
    member_id: uuid.UUID | None = None
    partner_id: str | None = None
    order_id: str | None = None
    purchase: Money | None = None
    rate_version: RateVersion | None = None
    point_of_sale: PointOfSale | None = None
    line_items: tuple[LineItem, ...] = ()
    related_id: uuid.UUID | None = None
    available_at: datetime | None = None
    expires_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    breakdown: Breakdown | None = None
    """Earns: how the points were reached."""
    coalition_funded_points: int = 0
    """Of ``points``, those the coalition pays for; the partner pays for the rest."""
    event: str | None = None
    """Bonuses: ``welcome`` or the event kind (``referee`` for a referred member's side)."""
    rule_id: str | None = None
    """Bonuses: the rule that gave them."""
    returned_shares: tuple[tuple[int, Fraction], ...] = ()
    """Refunds of earns by line: (line index, share of the line returned) for each line."""
    purchased_at: datetime | None = None
    """Earns a till sent after the sale (store-and-forward): when the sale was made;
    ``created_at`` is when the hub posted it."""
    tier_before: str | None = None
    tier_after: str | None = None
    """Refunds of earns that took the member's qualifying amount below its tier's threshold:
    the tier lost, and the tier the member dropped to at once (by name; ``None``: no change)."""

    def __post_init__(self) -> None:
        check_balanced(self.entries)
