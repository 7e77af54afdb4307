"""Erasing a member's personal data on request (the ledger keeps the member id)."""

from __future__ import annotations

from dataclasses import replace

from hub.domain.clock import Clock
from hub.services import audit
from hub.services.commands import EraseMember
from hub.services.ports.fraud import LinkKind
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import MemberErased
from hub.services.transactions import run

ERASE_ACTION = "member.erase"


def erase_member(cmd: EraseMember, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> MemberErased:
    """Delete a member's identifiers and contact and mark it erased, with an audit record, in
    one transaction. The ledger, lots, holds and balances stay: they hold no personal data, and
    the books must still add up. Erasing an erased member changes nothing and succeeds."""
    # Built first: an event without a reason is refused before anything is read.
    event = cmd.changed_by.event(ERASE_ACTION, f"member:{cmd.member_id}")

    def erase(uow: UnitOfWork) -> MemberErased:
        now = clock.now()
        # Locked: contact updates and new identifiers wait, then see the member erased.
        member = uow.members.get(cmd.member_id, for_update=True)
        if member.erased_at is not None:
            return MemberErased(member.id, member.erased_at, already_erased=True)
        uow.members.erase(member.id, now)
        uow.contacts.delete(member.id)
        uow.fraud.set_links(member.id, [], replacing=tuple(LinkKind))
        audit.record(uow, replace(event, details={"status_before": member.status.value}), now)
        return MemberErased(member.id, now, already_erased=False)

    return run(erase, uow_factory=uow_factory)
