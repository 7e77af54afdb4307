"""Member merge messages to commands and results to messages; protobuf stops here."""

from __future__ import annotations

import uuid

from coalition.hub.v1 import merge_pb2
from hub.api.admin_convert import attribution
from hub.api.convert import timestamp
from hub.api.fraud_convert import Resolve
from hub.domain.errors import InvalidField
from hub.domain.principals import Principal
from hub.domain.short_ids import IdKind
from hub.services import commands
from hub.services.results import Merged, Unmerged

MergeRequest = merge_pb2.MergeMembersRequest | merge_pb2.UnmergeMembersRequest


def _pair(
    request: MergeRequest, by: Principal, resolve: Resolve
) -> tuple[uuid.UUID, uuid.UUID, commands.Attribution]:
    if not request.reason.strip():
        raise InvalidField("say why: reason is required for the audit log", field="reason")
    return (
        resolve(request.survivor_member_id, IdKind.MEMBER, field="survivor_member_id"),
        resolve(request.absorbed_member_id, IdKind.MEMBER, field="absorbed_member_id"),
        attribution(by, request.reason),
    )


def merge(
    request: merge_pb2.MergeMembersRequest, by: Principal, resolve: Resolve
) -> commands.MergeMembers:
    survivor, absorbed, changed_by = _pair(request, by, resolve)
    return commands.MergeMembers(survivor, absorbed, changed_by=changed_by)


def unmerge(
    request: merge_pb2.UnmergeMembersRequest, by: Principal, resolve: Resolve
) -> commands.UnmergeMembers:
    survivor, absorbed, changed_by = _pair(request, by, resolve)
    return commands.UnmergeMembers(survivor, absorbed, changed_by=changed_by)


def merged_message(merged: Merged) -> merge_pb2.MergeMembersResponse:
    return merge_pb2.MergeMembersResponse(
        merge_id=str(merged.merge_id),
        survivor_member_id=str(merged.survivor_id),
        absorbed_member_id=str(merged.absorbed_id),
        transaction_id=str(merged.transaction_id) if merged.transaction_id else "",
        points=merged.points,
        debt_points=merged.debt_points,
        debt_paid_points=merged.debt_paid_points,
        identifiers=merged.identifiers,
        merged_at=timestamp(merged.merged_at),
    )


def unmerged_message(unmerged: Unmerged) -> merge_pb2.UnmergeMembersResponse:
    return merge_pb2.UnmergeMembersResponse(
        merge_id=str(unmerged.merge_id),
        survivor_member_id=str(unmerged.survivor_id),
        absorbed_member_id=str(unmerged.absorbed_id),
        transaction_id=str(unmerged.transaction_id) if unmerged.transaction_id else "",
        points=unmerged.points,
        points_not_returned=unmerged.points_not_returned,
        debt_points=unmerged.debt_points,
        identifiers=unmerged.identifiers,
        unmerged_at=timestamp(unmerged.unmerged_at),
    )
