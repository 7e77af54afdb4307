"""The fraud review API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller with the analyst role; the caller's principal
is the actor the audit log and the analysts' actions record. Ids in requests may be unique
prefixes: ``resolve_id`` turns them into whole ids as the request is read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import grpc

from coalition.hub.v1 import fraud_pb2, fraud_pb2_grpc
from hub.api import fraud_convert as convert
from hub.api.interceptors import caller
from hub.domain.clock import Clock
from hub.services.use_cases import FraudUseCases


class FraudReviewServicer(fraud_pb2_grpc.FraudReviewServiceServicer):
    def __init__(self, use_cases: FraudUseCases, clock: Clock, zone: ZoneInfo) -> None:
        self._use = use_cases
        self._ids = use_cases.resolve_id
        self._clock = clock
        self._zone = zone

    def ListFlags(
        self, request: fraud_pb2.ListFlagsRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.ListFlagsResponse:
        return convert.flag_page(self._use.list_flags(convert.list_flags(request, self._ids)))

    def GetFlag(
        self, request: fraud_pb2.GetFlagRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.Flag:
        return convert.queued_flag_message(self._use.get_flag(convert.flag_id(request, self._ids)))

    def GetAccount(
        self, request: fraud_pb2.GetAccountRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.Account:
        return convert.account_message(self._use.account(convert.get_account(request, self._ids)))

    def FreezeMember(
        self, request: fraud_pb2.FreezeMemberRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.AccountStatus:
        frozen = self._use.freeze(convert.freeze(request, caller(), self._ids))
        return convert.account_status_message(frozen)

    def UnfreezeMember(
        self, request: fraud_pb2.UnfreezeMemberRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.AccountStatus:
        active = self._use.unfreeze(convert.unfreeze(request, caller(), self._ids))
        return convert.account_status_message(active)

    def AnnulPoints(
        self, request: fraud_pb2.AnnulPointsRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.Annulment:
        annulled = self._use.annul(convert.annul(request, caller(), self._ids))
        return convert.annulment_message(annulled)

    def ReleaseHold(
        self, request: fraud_pb2.ReviewHoldRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.ReviewedHold:
        released = self._use.release_hold(convert.release_hold(request, caller(), self._ids))
        return convert.reviewed_hold_message(released)

    def DeclineHold(
        self, request: fraud_pb2.ReviewHoldRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.ReviewedHold:
        declined = self._use.decline_hold(convert.decline_hold(request, caller(), self._ids))
        return convert.reviewed_hold_message(declined)

    def ResolveFlag(
        self, request: fraud_pb2.ResolveFlagRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.Flag:
        resolved = self._use.resolve_flag(convert.resolve_flag(request, caller(), self._ids))
        return convert.flag_message(resolved)

    def GetReport(
        self, request: fraud_pb2.GetReportRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.Report:
        today = self._clock.now().astimezone(self._zone).date()
        return convert.report_message(self._use.report(convert.report(request, today)))

    def ListFlagGroups(
        self, request: fraud_pb2.ListFlagGroupsRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.ListFlagGroupsResponse:
        return convert.flag_groups_message(self._use.flag_groups(convert.flag_groups(request)))

    def ResolveFlags(
        self, request: fraud_pb2.ResolveFlagsRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.ResolveFlagsResponse:
        resolved = self._use.resolve_flags(convert.resolve_flags(request, caller(), self._ids))
        return convert.resolved_flags_message(resolved)

    def GetMemberTimeline(
        self, request: fraud_pb2.GetMemberTimelineRequest, context: grpc.ServicerContext
    ) -> fraud_pb2.GetMemberTimelineResponse:
        return convert.timeline_message(self._use.timeline(convert.timeline(request, self._ids)))
