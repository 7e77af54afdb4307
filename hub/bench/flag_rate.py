"""How many of a workload's earns the fraud checks flagged: counted in the database before and
after it, so the figure is what the hub wrote, whatever the clients saw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hub.adapters.database import create_engine
from hub.adapters.tables import fraud_flags, transactions
from hub.domain.ledger import TransactionKind


@dataclass(frozen=True)
class EarnCounts:
    earns: int
    flagged: int
    """Earn flags: those that went through under review and those refused."""

    def since(self, before: EarnCounts) -> EarnCounts:
        return EarnCounts(self.earns - before.earns, self.flagged - before.flagged)

    @property
    def flagged_percent(self) -> float | None:
        """Flags raised per 100 earns (``None`` without earns)."""
        return round(100 * self.flagged / self.earns, 3) if self.earns else None


def earn_counts(database_url: str, partner_ids: Sequence[str]) -> EarnCounts:
    """The earns posted and the earn flags raised at ``partner_ids`` so far."""
    t, f = transactions.c, fraud_flags.c
    earns = sa.select(sa.func.count()).where(
        t.kind == TransactionKind.EARN.value, t.partner_id.in_(partner_ids)
    )
    flagged = sa.select(sa.func.count()).where(f.operation == "earn", f.partner_id.in_(partner_ids))
    engine = create_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            return EarnCounts(
                connection.execute(earns).scalar_one(), connection.execute(flagged).scalar_one()
            )
    finally:
        engine.dispose()
