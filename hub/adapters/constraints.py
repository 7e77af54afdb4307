"""Which unique constraints mean something to a caller: the one table, named per dialect.

A concurrent request may pass every check and still lose to another at insert; the database's
constraint decides, and this table turns its refusal into the domain error the caller needs.
Any other unique violation is a race to retry (``hub.adapters.sql``).
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg import errors as pg_errors

from hub.domain.errors import DuplicateOrder, HubError, IdentifierTaken, InvalidRate, PartnerExists


class UniqueViolations:
    def __init__(self) -> None:
        self._by_pg_name: dict[str, Callable[[], HubError]] = {}
        self._by_sqlite_columns: dict[str, Callable[[], HubError]] = {}

    def register(self, *, pg_name: str, sqlite_columns: str, error: Callable[[], HubError]) -> None:
        self._by_pg_name[pg_name] = error
        self._by_sqlite_columns[sqlite_columns] = error

    def from_postgres(self, exc: pg_errors.UniqueViolation) -> HubError | None:
        factory = self._by_pg_name.get(exc.diag.constraint_name or "")
        return factory() if factory else None

    def from_sqlite(self, message: str) -> HubError | None:
        _, _, columns = message.partition("UNIQUE constraint failed: ")
        factory = self._by_sqlite_columns.get(columns.strip())
        return factory() if factory else None


UNIQUE_VIOLATIONS = UniqueViolations()
UNIQUE_VIOLATIONS.register(
    pg_name="pk_partners",
    sqlite_columns="partners.id",
    error=lambda: PartnerExists("a partner with this id already exists", field="partner_id"),
)

UNIQUE_VIOLATIONS.register(
    pg_name="uq_partner_rates_partner_id_effective_from",
    sqlite_columns="partner_rates.partner_id, partner_rates.effective_from",
    error=lambda: InvalidRate(
        "a rate version already takes effect at that instant", field="effective_from"
    ),
)

UNIQUE_VIOLATIONS.register(
    pg_name="pk_member_identifiers",
    sqlite_columns="member_identifiers.digest",
    error=lambda: IdentifierTaken(
        "this identifier already belongs to a member", field="identifiers"
    ),
)

UNIQUE_VIOLATIONS.register(
    pg_name="uq_transactions_earn_order",
    sqlite_columns="transactions.partner_id, transactions.order_id",
    error=lambda: DuplicateOrder(
        "this order has already earned points at this partner", field="order_id"
    ),
)

# Two authorizations of one order racing: the loser learns which hold won from the use case,
# which looks it up (a constraint does not say which row it collided with).
UNIQUE_VIOLATIONS.register(
    pg_name="uq_holds_open_order",
    sqlite_columns="holds.partner_id, holds.order_id",
    error=lambda: DuplicateOrder("this order already has an open hold", field="order_id"),
)
