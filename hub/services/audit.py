"""Recording to the audit log, listing it, and verifying its chain (``hub audit``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.audit import AuditEvent, AuditHead, AuditRecord, ChainBreak, ChainChecker, keyring
from hub.domain.errors import InvalidField
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

VERIFY_BATCH_MAX = 1000
"""Records read per unit of work while verifying: memory stays bounded however long the log."""
LIST_LIMIT_MAX = 1000


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What ``hub audit verify`` found."""

    records_checked: int
    head: AuditHead | None
    """``None`` when the head row itself is gone."""
    breaks: tuple[ChainBreak, ...]
    """The first breaks found, in chain order (at most ``BREAKS_KEPT_MAX``)."""
    breaks_total: int

    @property
    def ok(self) -> bool:
        return self.breaks_total == 0


def record(uow: UnitOfWork, event: AuditEvent, now: datetime) -> AuditRecord:
    """Append ``event`` to the audit log in ``uow``'s transaction: the change and its trace
    commit together or not at all.

    Call it after the use case's other reads and locks: every audited change locks the chain's
    one head row, so taking it last holds it shortest and keeps one lock order.
    """
    return uow.audit_log.append(event, now)


def verify_audit(*, uow_factory: UnitOfWorkFactory, keys: Sequence[bytes]) -> AuditReport:
    """Check the whole chain and its head with ``keys`` (current and retired), batch by batch.

    The head is read after the records: an append commits its record and the head together, so
    a head beyond the last record read means records were appended meanwhile, and they are read
    too; any other mismatch between the head and the chain's end is a break.
    """
    checker = ChainChecker(keyring(keys))
    _check_through(uow_factory, checker, through_seq=None)
    with uow_factory(read_only=True) as uow:
        head = uow.audit_log.head()
    if head is not None and head.seq > checker.last_seq:
        _check_through(uow_factory, checker, through_seq=head.seq)
    breaks = checker.finish(head)
    return AuditReport(checker.checked, head, breaks, checker.breaks_total)


def _check_through(
    uow_factory: UnitOfWorkFactory, checker: ChainChecker, *, through_seq: int | None
) -> None:
    """Feed ``checker`` the records after those it has seen, up to ``through_seq`` if given."""
    while True:
        with uow_factory(read_only=True) as uow:
            batch = uow.audit_log.records(checker.last_seq, VERIFY_BATCH_MAX)
        within = [r for r in batch if through_seq is None or r.seq <= through_seq]
        checker.check(within)
        if len(within) < VERIFY_BATCH_MAX:
            return


def list_audit(
    *,
    uow_factory: UnitOfWorkFactory,
    limit: int,
    actor: str | None = None,
    action: str | None = None,
) -> tuple[AuditRecord, ...]:
    """The newest ``limit`` records, newest first, optionally of one actor or one action."""
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise InvalidField(f"limit must be 1..{LIST_LIMIT_MAX}", field="limit")
    with uow_factory(read_only=True) as uow:
        return tuple(uow.audit_log.recent(limit, actor=actor, action=action))
