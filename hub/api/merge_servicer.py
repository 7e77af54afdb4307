"""The member merge API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller (an operator); the caller's principal is the
actor the audit log records.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from coalition.hub.v1 import merge_pb2, merge_pb2_grpc
from hub.api import merge_convert as convert
from hub.api.fraud_convert import Resolve
from hub.api.interceptors import caller
from hub.services.commands import MergeMembers, UnmergeMembers
from hub.services.results import Merged, Unmerged


class MergeServicer(merge_pb2_grpc.MergeServiceServicer):
    def __init__(
        self,
        merge: Callable[[MergeMembers], Merged],
        unmerge: Callable[[UnmergeMembers], Unmerged],
        resolve: Resolve,
    ) -> None:
        self._merge, self._unmerge, self._ids = merge, unmerge, resolve

    def MergeMembers(
        self, request: merge_pb2.MergeMembersRequest, context: grpc.ServicerContext
    ) -> merge_pb2.MergeMembersResponse:
        merged = self._merge(convert.merge(request, caller(), self._ids))
        return convert.merged_message(merged)

    def UnmergeMembers(
        self, request: merge_pb2.UnmergeMembersRequest, context: grpc.ServicerContext
    ) -> merge_pb2.UnmergeMembersResponse:
        unmerged = self._unmerge(convert.unmerge(request, caller(), self._ids))
        return convert.unmerged_message(unmerged)
