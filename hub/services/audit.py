"""Recording to and verifying the audit log. (Being written: see issue 7.)"""

from __future__ import annotations

from datetime import datetime

from hub.domain.audit import AuditEvent, AuditRecord
from hub.services.unit_of_work import UnitOfWork


def record(uow: UnitOfWork, event: AuditEvent, now: datetime) -> AuditRecord:
    """Append ``event`` to the audit log in ``uow``'s transaction: the change and its trace
    commit together or not at all."""
    return uow.audit_log.append(event, now)
