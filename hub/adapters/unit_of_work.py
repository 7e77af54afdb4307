"""The SQL unit of work: one connection and one database transaction per ``with`` block."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from types import TracebackType
from typing import Self

import psycopg
import sqlalchemy as sa

from hub.adapters.connections import BUSY_RETRY_AFTER_S, for_engine
from hub.adapters.database import READ_ONLY
from hub.adapters.repositories.api_keys import SqlApiKeyRepository
from hub.adapters.repositories.audit import SqlAuditQueries
from hub.adapters.repositories.audit_log import SqlAuditLog
from hub.adapters.repositories.contacts import SqlContactRepository
from hub.adapters.repositories.credentials import SqlCredentialRepository
from hub.adapters.repositories.fraud import SqlFraudRepository
from hub.adapters.repositories.goodwill import SqlGoodwillRepository
from hub.adapters.repositories.holds import SqlHoldRepository
from hub.adapters.repositories.idempotency import SqlIdempotencyRepository
from hub.adapters.repositories.ledger import SqlLedgerRepository
from hub.adapters.repositories.lots import SqlLotRepository
from hub.adapters.repositories.members import SqlMemberRepository
from hub.adapters.repositories.merge import SqlMergeRepository
from hub.adapters.repositories.ops import SqlOpsQueries
from hub.adapters.repositories.outbox import SqlOutboxRepository
from hub.adapters.repositories.partners import SqlPartnerRepository
from hub.adapters.repositories.reconciliation import SqlReconciliationRepository
from hub.adapters.repositories.reviews import SqlReviewRepository
from hub.adapters.repositories.rules import SqlRuleRepository
from hub.adapters.repositories.settlement import SqlSettlementRepository
from hub.adapters.sql import Sql
from hub.domain.errors import DatabaseUnavailable, ServerBusy
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


class SqlUnitOfWork:
    """See ``hub.services.ports.unit_of_work.UnitOfWork``; not shared between threads."""

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
    outbox: OutboxRepository
    goodwill: GoodwillRepository
    merges: MergeRepository
    ops: OpsQueries

    def __init__(
        self,
        engine: sa.Engine,
        *,
        read_only: bool = False,
        single_read: bool = False,
        snapshot: bool = False,
        audit_keys: tuple[bytes, ...] = (),
        on_cache_stale: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_cache_stale = on_cache_stale
        self._snapshot = snapshot
        self._single_read = single_read and engine.dialect.name == "postgresql"
        self._audit_keys = audit_keys
        self._read_only = read_only
        self._exits = ExitStack()
        self._sql: Sql | None = None

    def __enter__(self) -> Self:
        sql = self._sql = self._open()
        self.outbox = self._outbox = SqlOutboxRepository(sql)
        self.idempotency = SqlIdempotencyRepository(sql)
        self.partners = SqlPartnerRepository(sql)
        self.members = SqlMemberRepository(sql)
        self.ledger = SqlLedgerRepository(sql, self._outbox)
        self.lots = SqlLotRepository(sql)
        self.holds = SqlHoldRepository(sql)
        self.audit = SqlAuditQueries(sql)
        self.audit_log = SqlAuditLog(sql, self._audit_keys)
        self.credentials = SqlCredentialRepository(sql)
        self.api_keys = SqlApiKeyRepository(sql)
        self.contacts = SqlContactRepository(sql)
        self.rules = SqlRuleRepository(sql)
        self.fraud = SqlFraudRepository(sql, self._outbox)
        self.reviews = SqlReviewRepository(sql)
        self.settlement = SqlSettlementRepository(sql)
        self.reconciliation = SqlReconciliationRepository(sql)
        self.ops = SqlOpsQueries(sql)
        self.merges = SqlMergeRepository(sql)
        self.goodwill = SqlGoodwillRepository(sql)
        return self

    def _open(self) -> Sql:
        """The unit of work's statements, on a pipelined PostgreSQL connection or on SQLite."""
        if self._engine.dialect.name == "postgresql":
            try:
                pg = self._exits.enter_context(for_engine(self._engine).connection())
            except psycopg.OperationalError as exc:
                raise DatabaseUnavailable("the database cannot be reached; retry shortly") from exc
            return Sql(pg=pg, begin=self._begin_statement())
        try:
            connection = self._exits.enter_context(self._engine.connect())
        except sa.exc.TimeoutError:
            raise ServerBusy(
                "every database connection is busy; retry shortly",
                retry_after_s=str(BUSY_RETRY_AFTER_S),
            ) from None
        if self._read_only:
            connection = connection.execution_options(**{READ_ONLY: True})
        return Sql(connection)

    def _begin_statement(self) -> str | None:
        if self._single_read:
            return None  # one statement needs no transaction: no BEGIN, no ROLLBACK
        if self._snapshot:
            return "BEGIN ISOLATION LEVEL REPEATABLE READ"
        return "BEGIN READ ONLY" if self._read_only else "BEGIN"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._sql is not None:
                self._sql.end()
                if self._sql.broken:
                    for_engine(self._engine).discard_idle()
        finally:
            self._sql = None
            self._exits.close()

    def commit(self) -> None:
        if self._sql is None:
            raise RuntimeError("commit() outside a 'with' block")
        self._outbox.write()  # the events travel with the COMMIT, as one INSERT
        self._sql.commit()
        if self._sql.cache_stale and self._on_cache_stale is not None:
            # After the commit: a concurrent read refilling the cache before it would see
            # the old state. Replicas learn of it from the database's NOTIFY.
            self._on_cache_stale()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use-case call; safe to share between threads."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        audit_keys: tuple[bytes, ...] = (),
        on_cache_stale: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self._audit_keys = audit_keys
        """The current audit key first; without one, appending to the audit log fails."""
        self._on_cache_stale = on_cache_stale
        """Called after committing a change to what this process caches."""

    def __call__(
        self, *, read_only: bool = False, single_read: bool = False, snapshot: bool = False
    ) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            read_only=read_only or single_read,
            single_read=single_read,
            snapshot=snapshot,
            audit_keys=self._audit_keys,
            on_cache_stale=self._on_cache_stale,
        )
