"""The goodwill API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller as an analyst or operator; the caller's
principal is who asked or decided, as the audit log records it.
"""

from __future__ import annotations

import grpc

from coalition.hub.v1 import goodwill_pb2, goodwill_pb2_grpc
from hub.api import goodwill_convert as convert
from hub.api.interceptors import caller
from hub.services.use_cases import GoodwillUseCases


class GoodwillServicer(goodwill_pb2_grpc.GoodwillServiceServicer):
    def __init__(self, use_cases: GoodwillUseCases, resolve: convert.Resolve) -> None:
        self._use = use_cases
        self._resolve = resolve

    def RequestCredit(
        self, request: goodwill_pb2.RequestCreditRequest, context: grpc.ServicerContext
    ) -> goodwill_pb2.RequestCreditResponse:
        credit = self._use.request(convert.request_credit(request, caller(), self._resolve))
        return goodwill_pb2.RequestCreditResponse(credit=convert.credit_message(credit))

    def ApproveCredit(
        self, request: goodwill_pb2.ApproveCreditRequest, context: grpc.ServicerContext
    ) -> goodwill_pb2.ApproveCreditResponse:
        credit = self._use.approve(convert.decide_credit(request, caller()))
        return goodwill_pb2.ApproveCreditResponse(credit=convert.credit_message(credit))

    def RejectCredit(
        self, request: goodwill_pb2.RejectCreditRequest, context: grpc.ServicerContext
    ) -> goodwill_pb2.RejectCreditResponse:
        credit = self._use.reject(convert.decide_credit(request, caller()))
        return goodwill_pb2.RejectCreditResponse(credit=convert.credit_message(credit))

    def ListCredits(
        self, request: goodwill_pb2.ListCreditsRequest, context: grpc.ServicerContext
    ) -> goodwill_pb2.ListCreditsResponse:
        credits = self._use.list(convert.list_credits(request, self._resolve))
        return goodwill_pb2.ListCreditsResponse(
            credits=[convert.credit_message(credit) for credit in credits]
        )
