"""The rules API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller with the admin role; the caller's principal
is the actor the audit log records.
"""

from __future__ import annotations

import grpc

from coalition.hub.v1 import rules_pb2, rules_pb2_grpc
from hub.api import rules_convert as convert
from hub.api.interceptors import caller
from hub.domain.fields import storable_text
from hub.services.use_cases import OperatorUseCases


class RulesServicer(rules_pb2_grpc.RulesServiceServicer):
    def __init__(self, use_cases: OperatorUseCases) -> None:
        self._use = use_cases

    def PutRule(
        self, request: rules_pb2.PutRuleRequest, context: grpc.ServicerContext
    ) -> rules_pb2.RuleVersion:
        return convert.version_message(self._use.put_rule(convert.put_rule(request, caller())))

    def EndRule(
        self, request: rules_pb2.EndRuleRequest, context: grpc.ServicerContext
    ) -> rules_pb2.RuleVersion:
        return convert.version_message(self._use.end_rule(convert.end_rule(request, caller())))

    def GetRule(
        self, request: rules_pb2.GetRuleRequest, context: grpc.ServicerContext
    ) -> rules_pb2.RuleHistory:
        return convert.history_message(
            self._use.rule_history(storable_text(request.rule_id, field="rule_id"))
        )

    def ListRules(
        self, request: rules_pb2.ListRulesRequest, context: grpc.ServicerContext
    ) -> rules_pb2.ListRulesResponse:
        return convert.listed_message(self._use.list_rules(convert.list_rules(request)))
