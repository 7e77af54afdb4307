"""``hub ledger verify``: every ledger invariant of DESIGN.md, checked in the database."""

from __future__ import annotations

from hub.services.ports.unit_of_work import UnitOfWorkFactory
from hub.services.results import LedgerReport

VIOLATIONS_PER_CHECK_MAX = 100


def verify_ledger(*, uow_factory: UnitOfWorkFactory) -> LedgerReport:
    """Run every invariant query; report what was checked, how much, and what broke."""
    with uow_factory(read_only=True) as uow:
        violations = tuple(uow.audit.violations(VIOLATIONS_PER_CHECK_MAX))
        return LedgerReport(tuple(uow.audit.names()), uow.audit.counts(), violations)
