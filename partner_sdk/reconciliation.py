"""What the hub answers a partner's settlement report with: how its lines matched the ledger.

A report is the partner's own list of the day's transactions (CSV, see the hub's README);
``HubClient.submit_report`` sends it for a settled day and gets a ``Reconciliation``. Each line
that does not match, and each hub transaction the report left out, is an exception the
coalition's settlement officers review; a corrected report for the same day replaces the
previous one until the day is approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ReconciliationException:
    """One difference between the partner's report and the hub's ledger.

    ``kind`` is ``missing_at_hub``, ``missing_at_partner`` or ``amount_mismatch``;
    ``item_kind`` is ``earn``, ``redemption``, ``refund_earn``, ``refund_redemption`` or
    ``bonus``; ``status`` is ``open`` or ``accepted``. ``report_line`` (1 is the first line
    after the header) is ``None`` when the report has no such line; points are ``None`` where
    one side has none.
    """

    exception_id: str
    business_date: date
    partner_id: str
    kind: str
    item_kind: str
    transaction_id: str | None
    order_id: str | None
    hub_points: int | None
    partner_points: int | None
    report_line: int | None
    status: str
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class Reconciliation:
    """A report matched against the ledger: counts by outcome (the hub's database counted
    them, whatever the report's size) and the first page of exceptions; ``next_page_token``
    fetches the rest with ``HubClient.report_exceptions``."""

    business_date: date
    partner_id: str
    matched: int
    missing_at_hub: int
    missing_at_partner: int
    amount_mismatches: int
    exceptions: tuple[ReconciliationException, ...] = field(default=())
    exceptions_total: int = 0
    next_page_token: str = ""
    """Empty when ``exceptions`` holds them all."""

    @property
    def showing(self) -> str:
        """``"showing N of M"``: how many of the report's exceptions this answer lists."""
        return f"showing {len(self.exceptions)} of {self.exceptions_total}"


@dataclass(frozen=True)
class ExceptionPage:
    """A page of the exceptions of the partner's report for a day, with the true counts."""

    exceptions: tuple[ReconciliationException, ...]
    total: int
    missing_at_hub: int
    missing_at_partner: int
    amount_mismatches: int
    next_page_token: str = ""
    """Empty on the last page."""

    @property
    def showing(self) -> str:
        """``"showing N of M"``: this page's exceptions of all the listing selects."""
        return f"showing {len(self.exceptions)} of {self.total}"
