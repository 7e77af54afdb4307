"""The partner API servicer: request → command → use case → response, nothing more."""

from __future__ import annotations

import grpc

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub.api import convert
from hub.api.interceptors import caller, caller_phone_region
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.services.use_cases import PartnerUseCases


class PartnerServicer(partner_pb2_grpc.PartnerServiceServicer):
    def __init__(self, use_cases: PartnerUseCases, clock: Clock) -> None:
        self._use = use_cases
        self._clock = clock

    def Ping(
        self, request: partner_pb2.PingRequest, context: grpc.ServicerContext
    ) -> partner_pb2.PingResponse:
        return partner_pb2.PingResponse(server_time=convert.timestamp(self._clock.now()))

    def EnrollMember(
        self, request: partner_pb2.EnrollMemberRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Member:
        command = convert.enroll(request, caller().partner_id, phone_region=caller_phone_region())
        return convert.member_message(self._use.enroll(command))

    def LookupMember(
        self, request: partner_pb2.LookupMemberRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Member:
        command = convert.lookup(request, caller().partner_id, phone_region=caller_phone_region())
        return convert.member_message(self._use.lookup(command))

    def AddIdentifier(
        self, request: partner_pb2.AddIdentifierRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Member:
        command = convert.add_identifier(
            request, caller().partner_id, phone_region=caller_phone_region()
        )
        return convert.member_message(self._use.add_identifier(command))

    def UpdateMemberContact(
        self, request: partner_pb2.UpdateMemberContactRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Member:
        command = convert.update_contact(
            request, caller().partner_id, phone_region=caller_phone_region()
        )
        return convert.member_message(self._use.update_contact(command))

    def Earn(
        self, request: partner_pb2.EarnRequest, context: grpc.ServicerContext
    ) -> partner_pb2.EarnResponse:
        command = convert.earn(request, caller().partner_id, phone_region=caller_phone_region())
        return convert.earn_response(self._use.earn(command))

    def Quote(
        self, request: partner_pb2.QuoteRequest, context: grpc.ServicerContext
    ) -> partner_pb2.QuoteResponse:
        operation, partner_id = request.WhichOneof("operation"), caller().partner_id
        region = caller_phone_region()
        if operation == "earn":
            return convert.earn_quote_response(
                self._use.quote_earn(convert.quote_earn(request, partner_id, phone_region=region))
            )
        if operation == "burn":
            return convert.burn_quote_response(
                self._use.quote_burn(convert.quote_burn(request, partner_id, phone_region=region))
            )
        raise InvalidField("a quote is for an earn or a burn", field="operation")

    def GetBalance(
        self, request: partner_pb2.GetBalanceRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Balance:
        command = convert.balance(request, caller().partner_id, phone_region=caller_phone_region())
        return convert.balance_message(self._use.balance(command))

    def ListTransactions(
        self, request: partner_pb2.ListTransactionsRequest, context: grpc.ServicerContext
    ) -> partner_pb2.ListTransactionsResponse:
        command = convert.transactions(
            request, caller().partner_id, phone_region=caller_phone_region()
        )
        page = self._use.transactions(command)
        return convert.transaction_page(page)

    def AuthorizeRedemption(
        self, request: partner_pb2.AuthorizeRedemptionRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Hold:
        command = convert.authorize(
            request, caller().partner_id, phone_region=caller_phone_region()
        )
        return convert.hold_message(self._use.authorize(command))

    def CaptureRedemption(
        self, request: partner_pb2.CaptureRedemptionRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Capture:
        return convert.capture_message(
            self._use.capture(convert.capture(request, caller().partner_id))
        )

    def VoidRedemption(
        self, request: partner_pb2.VoidRedemptionRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Hold:
        return convert.hold_message(self._use.void(convert.void(request, caller().partner_id)))

    def GetHold(
        self, request: partner_pb2.GetHoldRequest, context: grpc.ServicerContext
    ) -> partner_pb2.Hold:
        return convert.hold_message(
            self._use.get_hold(convert.get_hold(request, caller().partner_id))
        )

    def RefundEarn(
        self, request: partner_pb2.RefundEarnRequest, context: grpc.ServicerContext
    ) -> partner_pb2.EarnRefund:
        command = convert.refund_earn(request, caller().partner_id)
        return convert.earn_refund_message(self._use.refund_earn(command))

    def RefundRedemption(
        self, request: partner_pb2.RefundRedemptionRequest, context: grpc.ServicerContext
    ) -> partner_pb2.RedemptionRefund:
        command = convert.refund_redemption(request, caller().partner_id)
        return convert.redemption_refund_message(self._use.refund_redemption(command))

    def GrantEvent(
        self, request: partner_pb2.GrantEventRequest, context: grpc.ServicerContext
    ) -> partner_pb2.GrantEventResponse:
        command = convert.grant_event(
            request, caller().partner_id, phone_region=caller_phone_region()
        )
        return convert.grant_event_response(self._use.grant_event(command))
