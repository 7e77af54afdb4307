"""Fraud flags: what the fraud checks raise for an analyst, and what the analysts do.

A flag records one assessed operation that was not simply allowed: the verdicts of the rules
that fired, what the operation posted (if it went through) and, once an analyst looked at it,
the resolution. Analysts' actions are recorded alongside (and in the audit log).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from fraud.facts import Operation
from fraud.verdicts import Assessment, Decision, Verdict
from hub.domain.audit import REASON_LENGTH_MAX
from hub.domain.errors import FlagAlreadyResolved, InvalidField
from hub.domain.fields import bounded_text


class FlagStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    FALSE_POSITIVE = "false_positive"


RESOLUTIONS = (FlagStatus.CONFIRMED, FlagStatus.FALSE_POSITIVE)
NOTE_LENGTH_MAX = REASON_LENGTH_MAX
"""The note is also the audit record's reason."""


@dataclass(frozen=True, slots=True)
class Flag:
    id: uuid.UUID
    raised_at: datetime
    partner_id: str
    member_id: uuid.UUID
    operation: Operation
    decision: Decision
    score: int
    verdicts: tuple[Verdict, ...]
    points: int
    order_id: str = ""
    transaction_id: uuid.UUID | None = None
    """What the operation posted, when it went through (REVIEW)."""
    hold_id: uuid.UUID | None = None
    status: FlagStatus = FlagStatus.OPEN
    resolved_at: datetime | None = None
    resolved_by: str = ""
    note: str = ""
    dedupe_key: str | None = None
    """Nightly flags: one per member, partner, rule and business date, however often the
    pass runs."""

    @classmethod
    def raised(
        cls,
        flag_id: uuid.UUID,
        assessment: Assessment,
        *,
        operation: Operation,
        partner_id: str,
        member_id: uuid.UUID,
        points: int,
        now: datetime,
        order_id: str = "",
        transaction_id: uuid.UUID | None = None,
        hold_id: uuid.UUID | None = None,
        dedupe_key: str | None = None,
    ) -> Flag:
        return cls(
            flag_id,
            now,
            partner_id,
            member_id,
            operation,
            assessment.decision,
            assessment.score,
            assessment.verdicts,
            points,
            order_id,
            transaction_id,
            hold_id,
            dedupe_key=dedupe_key,
        )

    def resolve(self, status: FlagStatus, actor: str, note: str, now: datetime) -> Flag:
        """Confirmed or false positive, once, with the analyst's note."""
        if status not in RESOLUTIONS:
            raise InvalidField("resolve a flag as confirmed or false_positive", field="resolution")
        if self.status is not FlagStatus.OPEN:
            raise FlagAlreadyResolved(f"flag {self.id} was already resolved as {self.status.value}")
        text = bounded_text(note, field="note", required=True, length_max=NOTE_LENGTH_MAX)
        return replace(self, status=status, resolved_at=now, resolved_by=actor, note=text)


class ActionKind(StrEnum):
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    ANNUL = "annul"
    RELEASE = "release"
    DECLINE = "decline"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class AnalystAction:
    """What an analyst did to an account, and why: the account view and the reports read it."""

    id: uuid.UUID
    at: datetime
    actor: str
    action: ActionKind
    member_id: uuid.UUID
    reason: str
    flag_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    transaction_id: uuid.UUID | None = None
    points: int = 0
