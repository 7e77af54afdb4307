"""What a settlement run reads (sums per group, computed by the database) and what it says.

The database sums points per partner and price; values are computed here, once per group, with
the partner's rounding, so each value is rounded once and every total is a sum of the same
integers. Nothing here sees individual ledger entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from hub.domain.rules import Funder

CLEARING_ACCOUNT = "coalition:clearing"
"""The coalition's clearing account: partners pay into it and are paid from it."""


class LotFlow(StrEnum):
    """How points enter or leave lots, as the outstanding liability counts them."""

    CREATED = "created"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    REVERSED = "reversed"
    ANNULLED = "annulled"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a run could see, by the ids of the database transactions that wrote the rows: those
    below ``xmin``, and those below ``xmax`` that were not ``running``. Rows written before ids
    were recorded (``None``) were seen by every run."""

    xmin: int
    xmax: int
    running: tuple[int, ...] = ()

    def sees(self, xid: int | None) -> bool:
        if xid is None:
            return True
        return xid < self.xmin or (xid < self.xmax and xid not in self.running)


NOTHING_SEEN = Snapshot(0, 0)
"""The snapshot of a run from before snapshots were recorded: every row with an id came
after it."""


@dataclass(frozen=True, slots=True)
class BusinessDay:
    """A business date and the operations its run settles: those stamped in its window, and
    those stamped before it that the previous run could not see (committed after it read:
    a slow commit, or a replica whose clock lags), which are settled late, never lost."""

    business_date: date
    start: datetime | None
    """The previous run's end; ``None`` on the first run (everything before ``end``)."""
    end: datetime
    seen_before: Snapshot = field(default=NOTHING_SEEN, compare=False)
    """The previous run's snapshot (unused on the first run); how the run found its late
    rows, not part of the day's identity (a summary read back has none)."""


@dataclass(frozen=True, slots=True)
class IssueGroup:
    """Points issued at ``partner_id`` in the window at one issue price, net of refunds."""

    partner_id: str
    funder: Funder
    issue_price: Decimal
    points: int


@dataclass(frozen=True, slots=True)
class RedemptionGroup:
    """Points of ``issuer_id``'s lots captured at ``redeemer_id`` in the window, net of refunds
    of those captures, at one pair of prices."""

    issuer_id: str
    redeemer_id: str
    issue_price: Decimal
    redemption_price: Decimal
    points: int


@dataclass(frozen=True, slots=True)
class LotFlowGroup:
    """Points entering (positive) or leaving (negative) ``issuer_id``'s lots in the window."""

    issuer_id: str
    issue_price: Decimal
    flow: LotFlow
    points: int


@dataclass(frozen=True, slots=True)
class OutstandingGroup:
    """Points of ``issuer_id``'s lots still outstanding at a day's end, at one issue price."""

    issuer_id: str
    issue_price: Decimal
    points: int


@dataclass(frozen=True, slots=True)
class AdjustmentLine:
    """A transaction of the window that corrects one of an already settled day: a refund of an
    earn or of a capture made before the window started."""

    partner_id: str
    kind: str
    transaction_id: uuid.UUID
    related_id: uuid.UUID
    related_at: datetime
    points: int
    """Signed as the statement counts it: negative for points issued or redeemed back."""
    price: Decimal
    order_id: str | None = None
    """The partner's order id of the original (the earn's, or the hold's)."""


@dataclass(frozen=True, slots=True)
class LateLine:
    """An operation stamped before the window that the previous run could not see: settled in
    this run, with its own stamp."""

    partner_id: str
    kind: str
    transaction_id: uuid.UUID
    order_id: str | None
    created_at: datetime
    points: int


@dataclass(frozen=True, slots=True)
class SettlementInputs:
    """Everything a run reads, as sums the database computed."""

    day: BusinessDay
    issues: tuple[IssueGroup, ...]
    redemptions: tuple[RedemptionGroup, ...]
    lot_flows: tuple[LotFlowGroup, ...]
    redeemed_points: dict[str, int]
    """Per redeeming partner, captures minus refunded captures, read from the transactions
    themselves: the lot tracing must attribute exactly these points to issuers."""
    previous_outstanding: tuple[OutstandingGroup, ...]
    adjustments: tuple[AdjustmentLine, ...]
    transaction_count: int
    late: tuple[LateLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Valued:
    points: int
    value_minor: int


@dataclass(frozen=True, slots=True)
class PartnerSettlement:
    partner_id: str
    issued_partner_funded: Valued
    """What the partner pays for: points it funded, at its issue prices."""
    issued_coalition_funded: Valued
    """Points the coalition's campaigns funded at the partner, valued at its issue prices."""
    redeemed: Valued
    """Points redeemed at the partner's tills, at its redemption prices: what it is paid."""
    expired: Valued
    """The partner's lots that expired (breakage), at its issue prices."""
    annulled: Valued
    """The partner's lots that fraud analysts annulled, at its issue prices."""
    outstanding: Valued
    """The partner's lots still outstanding at the day's end, at its issue prices."""

    @property
    def pays_minor(self) -> int:
        return self.issued_partner_funded.value_minor

    @property
    def receives_minor(self) -> int:
        return self.redeemed.value_minor

    @property
    def net_position_minor(self) -> int:
        """What the partner receives minus what it pays."""
        return self.receives_minor - self.pays_minor


@dataclass(frozen=True, slots=True)
class MatrixCell:
    issuer_id: str
    redeemer_id: str
    points: int
    redemption_value_minor: int
    """At the redeemer's redemption prices: what the redeemer is paid for these points."""
    issue_value_minor: int
    """At the issuer's issue prices: what the issuer paid for them."""


@dataclass(frozen=True, slots=True)
class Transfer:
    from_account: str
    to_account: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """A business day's settlement, in minor units of ``currency``."""

    day: BusinessDay
    currency: str
    partners: tuple[PartnerSettlement, ...]
    matrix: tuple[MatrixCell, ...]
    transfers: tuple[Transfer, ...]
    margin_minor: int
    """What partners pay minus what they are paid: the coalition's clearing account keeps it."""
    breakage: Valued
    outstanding: tuple[OutstandingGroup, ...]
    adjustments: tuple[AdjustmentLine, ...]
    transaction_count: int
    late: tuple[LateLine, ...] = ()
    """Partners' operations settled late, listed on their statements."""

    def partner(self, partner_id: str) -> PartnerSettlement:
        return next(p for p in self.partners if p.partner_id == partner_id)
