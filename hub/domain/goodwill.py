"""Goodwill credits: points staff give a member (a complaint, a service failure), with a reason
and a funder, never a purchase.

A credit is *requested* by an analyst or operator. At or below the four-eyes threshold it is
posted at once; above it it stays *pending* until another person (``person_of``: one person
whatever the role or channel) *approves* it, which posts it, or someone *rejects* it (the
requester too: withdrawing one's own request needs no second pair of eyes). A decided credit is
final.

Posting is an issue of points like an earn's: a lot at the issuer's issue price in force, so
settlement bills the funder. A partner funder is the lot's issuer and pays for the points; the
coalition funds from ``coalition:adjustments``, and its lot names the member's enrolling partner
as issuer (lots always name a partner, for redemption tracing) with every point marked
coalition-funded, so that partner pays nothing, as with a coalition-funded bonus. The member's
refund debt is paid first (``crediting.credit``), and only the rest becomes a lot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.domain import crediting
from hub.domain.accounts import COALITION_ADJUSTMENTS, member_available, partner_issued
from hub.domain.errors import GoodwillCreditDecided, InvalidAmount, InvalidField, SameOfficer
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.partners import Partner
from hub.domain.principals import person_of
from hub.domain.rates import RateVersion
from hub.domain.rules import Funder

GOODWILL_POINTS_MAX = 1_000_000
"""The most one credit gives: a typo of a few zeros is refused, not sent for approval."""
APPROVAL_POINTS_DEFAULT = 1_000
"""Credits above this many points wait for a second person (``HUB_GOODWILL_APPROVAL_POINTS``)."""
REASON_LENGTH_MAX = 500


class GoodwillStatus(StrEnum):
    PENDING = "pending"
    """Above the four-eyes threshold, waiting for another person; nothing posted."""
    POSTED = "posted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class GoodwillRequest:
    """What a staff member asks to credit, checked (``checked``)."""

    member_id: uuid.UUID
    points: int
    funder: Funder
    partner_id: str | None
    """The paying partner when ``funder`` is a partner; ``None`` when the coalition pays."""
    reason: str

    def checked(self) -> GoodwillRequest:
        """This request, or the first thing wrong with it (nothing is written then)."""
        if not 0 < self.points <= GOODWILL_POINTS_MAX:
            raise InvalidAmount(
                f"points must be 1..{GOODWILL_POINTS_MAX}; got {self.points}", field="points"
            )
        reason = self.reason.strip()
        if not reason or len(reason) > REASON_LENGTH_MAX:
            raise InvalidField(
                f"a goodwill credit needs a reason of 1..{REASON_LENGTH_MAX} characters",
                field="reason",
            )
        if (self.funder is Funder.PARTNER) != bool(self.partner_id):
            raise InvalidField(
                "a partner funder names its partner; the coalition names none", field="partner_id"
            )
        return replace(self, reason=reason)


@dataclass(frozen=True, slots=True)
class GoodwillCredit:
    id: uuid.UUID
    request: GoodwillRequest
    status: GoodwillStatus
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    transaction_id: uuid.UUID | None = None
    """The posting, once posted."""

    def check_approver(self, by: str) -> None:
        """Four eyes: a pending credit, approved by another person than its requester."""
        self._require_decidable()
        if person_of(by) == person_of(self.requested_by):
            raise SameOfficer(
                f"{self.requested_by} asked for credit {self.id}; another person approves it"
            )

    def posted(self, by: str | None, at: datetime, transaction_id: uuid.UUID) -> GoodwillCredit:
        """This credit posted: at once (``by`` is ``None``) or approved by ``by``."""
        if by is not None:
            self.check_approver(by)
        return replace(
            self,
            status=GoodwillStatus.POSTED,
            decided_by=by,
            decided_at=at if by is not None else None,
            transaction_id=transaction_id,
        )

    def rejected(self, by: str, at: datetime, note: str) -> GoodwillCredit:
        self._require_decidable()
        return replace(
            self, status=GoodwillStatus.REJECTED, decided_by=by, decided_at=at, decision_note=note
        )

    def _require_decidable(self) -> None:
        if self.status is not GoodwillStatus.PENDING:
            raise GoodwillCreditDecided(
                f"credit {self.id} is {self.status.value} already"
                + (f" (by {self.decided_by})" if self.decided_by else "")
            )


def needs_approval(points: int, approval_points: int) -> bool:
    """Four eyes: a credit above the threshold waits for a second person."""
    return points > approval_points


@dataclass(frozen=True, slots=True)
class GoodwillPosting:
    transaction: Transaction
    lot: Lot | None
    """``None`` when every point paid the member's refund debt."""


@dataclass(frozen=True, slots=True)
class Issuer:
    """The partner whose lot the points become, and its rates in force."""

    partner: Partner
    rate: RateVersion


def posting(
    request: GoodwillRequest,
    issuer: Issuer,
    *,
    transaction_id: uuid.UUID,
    lot_id: uuid.UUID,
    now: datetime,
    zone: ZoneInfo,
    debt_points: int,
) -> GoodwillPosting:
    """The transaction and lot that credit ``request``, the member's refund debt
    (``debt_points``, read under its lock) paid first."""
    coalition = request.funder is Funder.COALITION
    source = COALITION_ADJUSTMENTS if coalition else partner_issued(issuer.partner.id)
    credited = crediting.credit(
        member_available(request.member_id),
        request.points,
        debt_points,
        transaction_id=transaction_id,
    )
    expires_at = issuer.partner.expiry.expires_at(now, zone)
    transaction = Transaction(
        id=transaction_id,
        kind=TransactionKind.GOODWILL,
        created_at=now,
        entries=(Entry(source, -request.points), *credited.entries),
        points=request.points,
        member_id=request.member_id,
        partner_id=issuer.partner.id,
        rate_version=issuer.rate,
        available_at=now,
        expires_at=expires_at,
        coalition_funded_points=request.points if coalition else 0,
    )
    if not credited.kept_points:
        return GoodwillPosting(transaction, None)
    lot = Lot(
        id=lot_id,
        member_id=request.member_id,
        partner_id=issuer.partner.id,
        earn_transaction_id=transaction_id,
        points=credited.kept_points,
        remaining_points=credited.kept_points,
        reserved_points=0,
        status=LotStatus.AVAILABLE,
        created_at=now,
        available_at=now,
        expires_at=expires_at,
        issue_price=issuer.rate.rates.issue_price,
    )
    return GoodwillPosting(transaction, lot)
