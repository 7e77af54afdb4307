"""The audit log's records: who did what to which thing, when and why.

Records form a chain: each carries an HMAC over its own content and the previous record's MAC,
under a key only the hub holds, so an edited, deleted, inserted or reordered record breaks
the chain where it happened (``hub audit verify``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.errors import InvalidField

AuditValue = str | int | bool | None
REASON_LENGTH_MAX = 1000


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What is recorded: ``actor`` is a principal URI or ``cli:<os user>``."""

    actor: str
    action: str
    """Dotted, e.g. ``partner.disable``, ``credential.revoke``, ``member.erase``."""
    target: str
    reason: str
    details: Mapping[str, AuditValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidField("say why: a reason is required for the audit log", field="reason")
        if len(self.reason) > REASON_LENGTH_MAX:
            raise InvalidField(
                f"a reason is at most {REASON_LENGTH_MAX} characters", field="reason"
            )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An event as stored: its place in the chain and its MAC."""

    seq: int
    recorded_at: datetime
    event: AuditEvent
    key_id: str
    prev_mac: bytes
    mac: bytes
