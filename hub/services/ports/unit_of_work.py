"""The unit of work: one database transaction, holding the repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from hub.domain.lots import LotUpdate
from hub.services.ports.api_keys import ApiKeyRepository
from hub.services.ports.audit import AuditLog, AuditQueries
from hub.services.ports.contacts import ContactRepository
from hub.services.ports.credentials import CredentialRepository
from hub.services.ports.fraud import FraudRepository
from hub.services.ports.goodwill import GoodwillRepository
from hub.services.ports.holds import HoldRepository
from hub.services.ports.idempotency import IdempotencyRepository
from hub.services.ports.ledger import LedgerRepository
from hub.services.ports.lots import LotRepository
from hub.services.ports.members import MemberRepository
from hub.services.ports.merge import MergeRepository
from hub.services.ports.ops import OpsQueries
from hub.services.ports.outbox import OutboxRepository
from hub.services.ports.partners import PartnerRepository
from hub.services.ports.reconciliation import ReconciliationRepository
from hub.services.ports.reviews import ReviewRepository
from hub.services.ports.rules import RuleRepository
from hub.services.ports.settlement import SettlementRepository


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
    api_keys: ApiKeyRepository
    contacts: ContactRepository
    rules: RuleRepository
    fraud: FraudRepository
    reviews: ReviewRepository
    settlement: SettlementRepository
    reconciliation: ReconciliationRepository
    ops: OpsQueries
    merges: MergeRepository
    goodwill: GoodwillRepository
    outbox: OutboxRepository

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
