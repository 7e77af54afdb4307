"""Merging two accounts of one person, and the merge's correcting operation.

Both run in one transaction: the two member rows are locked in id order (so a merge of A into
B and one of B into A at once queue rather than deadlock, and the second finds its member
merged), then both members' lots in id order, then their debt accounts; the ledger's running
totals follow at commit. Earns and burns of either member lock its row first, so they wait for
the merge and then find the absorbed member ``merged`` (``MEMBER_NOT_ACTIVE``); its identifiers
by then find the survivor. Every merge and unmerge is audited with who and why.

Decisions (see ``hub.domain.merge`` for the money):

- pending holds of the absorbed member refuse the merge (``MEMBER_HAS_PENDING_HOLDS``): a hold
  belongs to the member its partner placed it for, and moving it would change what the
  partner's capture or void finds;
- frozen or erased members are refused (``MEMBER_NOT_ACTIVE``): a merge must not launder an
  account under review, and an erased one has nothing left to merge;
- the absorbed member's history stays under its id; the ``merge`` and ``unmerge`` transactions
  are the survivor's, and the merge record (``member_merges``) and the audit log link the two;
  a partner looking the absorbed member up by id sees it ``merged``, by an identifier finds the
  survivor;
- refunds after the merge follow the lots to the survivor (``hub.services.refunds``: the
  refund's reads name the original's member through the open merges, to the end of a chain):
  a refund of the absorbed member's earn takes the points back from the survivor's lots (the
  earn's own lot, moved) and leaves any shortfall as the survivor's debt, which its next
  credit pays first, but leaves the survivor's tier alone (the earn never counted towards it,
  so neither does its refund, now or at a review); a refund of its redemption puts the points
  back into the lots they came from and credits their owner, the survivor. After an unmerge
  the lots, and so the refunds, are the absorbed member's again (a survivor's redemption from
  lots an unmerge gave back refills them for the absorbed member, as a refund before the
  unmerge would have);
- an unmerge gives back what is left and reports what it could not (``points_not_returned``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from hub.domain.audit import AuditEvent
from hub.domain.clock import Clock
from hub.domain.errors import MemberNotActive, MemberNotMerged
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot
from hub.domain.members import Member, MemberStatus
from hub.domain.merge import Move, check_members, check_no_holds, lots_of_merge, move
from hub.services import audit
from hub.services.commands import MergeMembers, UnmergeMembers
from hub.services.ports.merge import MergeRecord, Unmerging
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory, record
from hub.services.results import Merged, Unmerged
from hub.services.transactions import run


def merge_members(cmd: MergeMembers, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> Merged:
    """Merge ``cmd.absorbed_id`` into ``cmd.survivor_id``; see the module docstring."""
    event = cmd.changed_by.event("member.merge", f"member:{cmd.survivor_id}")

    def work(uow: UnitOfWork) -> Merged:
        now = clock.now()
        survivor, absorbed = _locked(uow, cmd.survivor_id, cmd.absorbed_id)
        check_members(survivor, absorbed)
        check_no_holds(absorbed.id, uow.merges.open_holds(absorbed.id))
        lots = uow.merges.lots_for_update(absorbed.id, survivor.id)
        debts = _debts(uow, survivor.id, absorbed.id)
        moved = move(
            absorbed.id,
            survivor.id,
            _owned(lots, absorbed.id),
            debt_points=debts[absorbed.id],
            receiver_debt_points=debts[survivor.id],
            receiver_lots=_owned(lots, survivor.id),
            kind=TransactionKind.MERGE,
            transaction_id=new_id(),
            now=now,
            survivor_id=survivor.id,
        )
        digests = tuple(uow.merges.identifier_digests(absorbed.id))
        merge = _merge_record(cmd, moved, digests, now)
        _write_merge(uow, merge, moved, _owned(lots, absorbed.id))
        merged = _merged(merge, moved, now)
        _audit(uow, event, now, merged.points, merged.debt_points, merge, len(digests))
        return merged

    return run(work, uow_factory=uow_factory)


def unmerge_members(
    cmd: UnmergeMembers, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> Unmerged:
    """Correct the merge of ``cmd.absorbed_id`` into ``cmd.survivor_id``."""
    event = cmd.changed_by.event("member.unmerge", f"member:{cmd.survivor_id}")

    def work(uow: UnitOfWork) -> Unmerged:
        now = clock.now()
        survivor, absorbed = _locked(uow, cmd.survivor_id, cmd.absorbed_id)
        merge = _open_merge(uow, survivor, absorbed)
        lots = uow.merges.lots_for_update(absorbed.id, survivor.id)
        merged_ids = set(merge.lot_ids)
        debts = _debts(uow, survivor.id, absorbed.id)
        moved = move(
            survivor.id,
            absorbed.id,
            lots_of_merge([lot for lot in lots if lot.id in merged_ids], survivor.id),
            debt_points=min(merge.debt_points, debts[survivor.id]),
            receiver_debt_points=debts[absorbed.id],
            receiver_lots=_owned(lots, absorbed.id),
            kind=TransactionKind.UNMERGE,
            transaction_id=new_id(),
            now=now,
            survivor_id=survivor.id,
        )
        unmerged = _unmerged(merge, moved, now)
        _write_unmerge(uow, merge, moved, cmd, now)
        _audit(uow, event, now, unmerged.points, unmerged.debt_points, merge, len(merge.digests))
        return unmerged

    return run(work, uow_factory=uow_factory)


def merged_into(member_id: uuid.UUID, *, uow_factory: UnitOfWorkFactory) -> uuid.UUID | None:
    """The member ``member_id`` is merged into, or ``None``: where a lookup of a merged member
    points its caller."""
    with uow_factory(read_only=True) as uow:
        return uow.merges.merged_into(member_id)


# -- the pieces -----------------------------------------------------------------------------


def _locked(
    uow: UnitOfWork, survivor_id: uuid.UUID, absorbed_id: uuid.UUID
) -> tuple[Member, Member]:
    """Both members, their rows locked in id order (``MEMBER_NOT_FOUND`` for an unknown one).

    The lock every writer of a member takes (``MemberRepository.lock``), not ``FOR UPDATE``: a
    refund or a capture holding lots the merge waits for inserts rows naming the member (their
    foreign keys share-lock its row), which ``FOR UPDATE`` would make a deadlock."""
    if survivor_id == absorbed_id:
        member = uow.members.get(survivor_id)
        return member, member
    for member_id in sorted((survivor_id, absorbed_id)):
        uow.members.lock(member_id)
    return uow.members.get(survivor_id), uow.members.get(absorbed_id)


def _open_merge(uow: UnitOfWork, survivor: Member, absorbed: Member) -> MergeRecord:
    """The survivor's merge of the absorbed member, locked; the survivor must still hold what
    it took (not merged on into a third member, nor erased)."""
    merge = uow.merges.open_merge_for_update(survivor.id, absorbed.id)
    if merge is None or absorbed.status is not MemberStatus.MERGED:
        raise MemberNotMerged(f"member {absorbed.id} is not merged into {survivor.id}")
    if survivor.status in (MemberStatus.MERGED, MemberStatus.ERASED):
        raise MemberNotActive(f"member {survivor.id} is {survivor.status.value}")
    return merge


def _write_unmerge(
    uow: UnitOfWork, merge: MergeRecord, moved: Move, cmd: UnmergeMembers, now: datetime
) -> None:
    """The correcting transaction, the merged lots and identifiers back to the absorbed member
    (those the survivor still has), its status, and the merge marked undone."""
    record(uow, moved.update)
    uow.merges.move_lots(merge.lot_ids, merge.survivor_id, merge.absorbed_id)
    uow.merges.move_identifiers(merge.digests, merge.survivor_id, merge.absorbed_id)
    uow.members.set_status(merge.absorbed_id, MemberStatus.ACTIVE)
    by = cmd.changed_by
    uow.merges.unmerge(Unmerging(merge.id, now, by.actor, by.reason, _transaction_id(moved)))


def _transaction_id(moved: Move) -> uuid.UUID | None:
    return moved.update.transaction.id if moved.update.transaction else None


def _debts(uow: UnitOfWork, *member_ids: uuid.UUID) -> dict[uuid.UUID, int]:
    """The members' debts, their accounts locked in id order."""
    return {member_id: uow.members.debt_for_update(member_id) for member_id in sorted(member_ids)}


def _owned(lots: Sequence[Lot], member_id: uuid.UUID) -> list[Lot]:
    return [lot for lot in lots if lot.member_id == member_id]


def _merge_record(
    cmd: MergeMembers, moved: Move, digests: tuple[bytes, ...], now: datetime
) -> MergeRecord:
    return MergeRecord(
        id=new_id(),
        survivor_id=cmd.survivor_id,
        absorbed_id=cmd.absorbed_id,
        merged_at=now,
        merged_by=cmd.changed_by.actor,
        reason=cmd.changed_by.reason,
        transaction_id=_transaction_id(moved),
        debt_points=moved.debt_points,
        points=moved.points,
        digests=digests,
    )


def _write_merge(uow: UnitOfWork, merge: MergeRecord, moved: Move, lots: list[Lot]) -> None:
    """The merge record first (it names the lots), then the ledger, the lots' new owner, the
    identifiers and the absorbed member's status."""
    uow.merges.add(merge, lots)
    record(uow, moved.update)
    uow.merges.move_lots([lot.id for lot in lots], merge.absorbed_id, merge.survivor_id)
    uow.merges.move_identifiers(merge.digests, merge.absorbed_id, merge.survivor_id)
    uow.members.set_status(merge.absorbed_id, MemberStatus.MERGED)


def _merged(merge: MergeRecord, moved: Move, now: datetime) -> Merged:
    return Merged(
        merge.id,
        merge.survivor_id,
        merge.absorbed_id,
        merge.transaction_id,
        moved.points,
        moved.debt_points,
        moved.debt_paid_points,
        len(merge.digests),
        now,
    )


def _unmerged(merge: MergeRecord, moved: Move, now: datetime) -> Unmerged:
    return Unmerged(
        merge.id,
        merge.survivor_id,
        merge.absorbed_id,
        _transaction_id(moved),
        moved.points,
        merge.points - moved.points,
        moved.debt_points,
        len(merge.digests),
        now,
    )


def _audit(
    uow: UnitOfWork,
    event: AuditEvent,
    now: datetime,
    points: int,
    debt_points: int,
    merge: MergeRecord,
    identifiers: int,
) -> None:
    """The audit record, last: it locks the chain's head (``hub.services.audit.record``)."""
    details = {
        **event.details,
        "absorbed_member_id": str(merge.absorbed_id),
        "merge_id": str(merge.id),
        "points": points,
        "debt_points": debt_points,
        "identifiers": identifiers,
    }
    audit.record(
        uow, AuditEvent(event.actor, event.action, event.target, event.reason, details), now
    )
