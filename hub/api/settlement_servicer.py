"""The settlement API servicers: request → command → use case → response, nothing more.

``SettlementServicer`` serves officers (the interceptor admitted the caller with the officer
role; its principal is who ran, accepted or approved). ``PartnerSettlementServicer`` serves
partners, each acting on its own statements and reports only.
"""

from __future__ import annotations

import grpc

from coalition.hub.v1 import settlement_pb2, settlement_pb2_grpc
from hub.api import settlement_convert as convert
from hub.api.interceptors import caller
from hub.services.use_cases import SettlementUseCases


class SettlementServicer(settlement_pb2_grpc.SettlementServiceServicer):
    def __init__(self, use_cases: SettlementUseCases) -> None:
        self._use = use_cases

    def RunSettlement(
        self, request: settlement_pb2.RunSettlementRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.SettlementRun:
        return convert.run_message(self._use.run(convert.run_settlement(request, caller())))

    def GetSettlement(
        self, request: settlement_pb2.GetSettlementRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.SettlementRun:
        return convert.run_message(self._use.get(convert.business_date(request)))

    def GetStatement(
        self, request: settlement_pb2.GetStatementRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.Statement:
        statement = self._use.statement(convert.officer_statement(request))
        return convert.statement_message(statement)

    def ImportReport(
        self, request: settlement_pb2.ImportReportRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.Reconciliation:
        imported = self._use.import_report(convert.import_report(request, caller()))
        return convert.reconciliation_message(imported)

    def ListExceptions(
        self, request: settlement_pb2.ListExceptionsRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.ListExceptionsResponse:
        found = self._use.list_exceptions(convert.list_exceptions(request))
        return convert.exceptions_message(found)

    def AcceptException(
        self, request: settlement_pb2.AcceptExceptionRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.ReconciliationException:
        accepted = self._use.accept_exception(convert.accept_exception(request, caller()))
        return convert.exception_message(accepted)

    def AcceptExceptions(
        self, request: settlement_pb2.AcceptExceptionsRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.AcceptExceptionsResponse:
        accepted = self._use.accept_exceptions(convert.accept_exceptions(request, caller()))
        return convert.accepted_message(accepted)

    def ApproveSettlement(
        self, request: settlement_pb2.ApproveSettlementRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.SettlementRun:
        return convert.run_message(self._use.approve(convert.approve(request, caller())))

    def GetLiabilities(
        self, request: settlement_pb2.GetLiabilitiesRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.Liabilities:
        found = self._use.liabilities(convert.liabilities_date(request))
        return convert.liabilities_message(found)

    def ListSettlementDays(
        self, request: settlement_pb2.ListSettlementDaysRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.ListSettlementDaysResponse:
        return convert.days_message(self._use.list_days(convert.list_days(request)))

    def GetSigningKey(
        self, request: settlement_pb2.GetSigningKeyRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.SigningKey:
        return convert.signing_key_message(self._use.signing_key())


class PartnerSettlementServicer(settlement_pb2_grpc.PartnerSettlementServiceServicer):
    def __init__(self, use_cases: SettlementUseCases) -> None:
        self._use = use_cases

    def GetStatement(
        self, request: settlement_pb2.GetStatementRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.Statement:
        statement = self._use.statement(convert.partner_statement(request, caller()))
        return convert.statement_message(statement)

    def SubmitReport(
        self, request: settlement_pb2.SubmitReportRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.Reconciliation:
        imported = self._use.import_report(convert.submit_report(request, caller()))
        return convert.reconciliation_message(imported)

    def ListReportExceptions(
        self, request: settlement_pb2.ListReportExceptionsRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.ListExceptionsResponse:
        found = self._use.list_exceptions(convert.list_report_exceptions(request, caller()))
        return convert.exceptions_message(found)

    def GetSigningKey(
        self, request: settlement_pb2.GetSigningKeyRequest, context: grpc.ServicerContext
    ) -> settlement_pb2.SigningKey:
        return convert.signing_key_message(self._use.signing_key())
