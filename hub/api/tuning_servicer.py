"""The fraud tuning API servicer: request → command → use case → response, nothing more.

The interceptor has already admitted the caller (an operator or an analyst); a preview reads
and writes nothing, so it records no audit entry.
"""

from __future__ import annotations

from typing import cast

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import rules_pb2, tuning_pb2, tuning_pb2_grpc
from fraud.thresholds import FraudThresholds
from hub.api import rules_convert
from hub.domain.errors import InvalidField
from hub.domain.fields import storable_text
from hub.services.fraud_tuning import PreviewThresholds, RulePreview, ThresholdsPreview
from hub.services.use_cases import OperatorUseCases


class FraudTuningServicer(tuning_pb2_grpc.FraudTuningServiceServicer):
    def __init__(self, use_cases: OperatorUseCases) -> None:
        self._use = use_cases

    def PreviewThresholds(
        self, request: tuning_pb2.PreviewThresholdsRequest, context: grpc.ServicerContext
    ) -> tuning_pb2.PreviewThresholdsResponse:
        return preview_message(self._use.preview_fraud_thresholds(preview_command(request)))


def _thresholds(message: rules_pb2.FraudThresholds) -> FraudThresholds:
    # A definition with its fraud field set is fraud thresholds.
    return cast(FraudThresholds, rules_convert.definition(rules_pb2.RuleDefinition(fraud=message)))


def preview_command(request: tuning_pb2.PreviewThresholdsRequest) -> PreviewThresholds:
    proposed = _thresholds(request.thresholds) if request.HasField("thresholds") else None
    named = request.thresholds.partner_id if proposed else ""
    partner_id = request.partner_id or named
    if named and request.partner_id and named != request.partner_id:
        raise InvalidField(
            f"partner_id {request.partner_id!r} and thresholds.partner_id {named!r} differ",
            field="partner_id",
        )
    if not partner_id:
        raise InvalidField(
            "name the partner whose operations to replay (partner_id)", field="partner_id"
        )
    return PreviewThresholds(
        partner_id=storable_text(partner_id, field="partner_id"),
        days=request.days,
        proposed=proposed,
        settings=tuple((s.name, s.value) for s in request.settings),
    )


def _fraud_message(thresholds: FraudThresholds) -> rules_pb2.FraudThresholds:
    return rules_convert.definition_message(thresholds).fraud


def _rule_message(rule: RulePreview) -> tuning_pb2.RulePreview:
    return tuning_pb2.RulePreview(
        rule=rule.rule.value,
        replayed=rule.replayed,
        current_flags=rule.current_flags,
        current_declines=rule.current_declines,
        proposed_flags=rule.proposed_flags,
        proposed_declines=rule.proposed_declines,
        raised_flags=rule.raised_flags,
        note=rule.note,
    )


def preview_message(preview: ThresholdsPreview) -> tuning_pb2.PreviewThresholdsResponse:
    since = Timestamp()
    since.FromDatetime(preview.since)
    return tuning_pb2.PreviewThresholdsResponse(
        partner_id=preview.partner_id,
        days=preview.days,
        since=since,
        operations_examined=preview.operations_examined,
        operations_max=preview.operations_max,
        truncated=preview.truncated,
        current=_fraud_message(preview.current),
        proposed=_fraud_message(preview.proposed),
        rules=[_rule_message(rule) for rule in preview.rules],
        current_flagged_operations=preview.current_flagged_operations,
        proposed_flagged_operations=preview.proposed_flagged_operations,
        current_declined_operations=preview.current_declined_operations,
        proposed_declined_operations=preview.proposed_declined_operations,
    )
