"""Input the fuzz (tests/e2e/test_fuzz.py) found answered INTERNAL, each now bad input naming
its field: timestamps no ``datetime`` holds, days whose end no ``datetime`` holds, and text
with NUL characters, which no PostgreSQL text column stores."""

from __future__ import annotations

from datetime import date

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import admin_pb2, common_pb2, fraud_pb2, rules_pb2, settlement_pb2
from hub.api import admin_convert, fraud_convert, rules_convert, settlement_convert
from hub.domain.audit import AuditEvent
from hub.domain.errors import InvalidField, InvalidRule
from hub.domain.fields import storable_text
from hub.domain.principals import Principal, Role
from settlement.periods import parse_business_date

ADMIN = Principal.staff(Role.ADMIN, "fuzz-admin")
OFFICER = Principal.staff(Role.OFFICER, "fuzz-officer")
TODAY = date(2026, 11, 22)
BAD_TIMESTAMPS = [
    Timestamp(seconds=0, nanos=-1),
    Timestamp(seconds=0, nanos=1_000_000_000),
    Timestamp(seconds=2**63 - 1),
    Timestamp(seconds=-(2**63)),
]
NUL = "coffee\x00"


@pytest.mark.parametrize("moment", BAD_TIMESTAMPS)
def test_a_rate_effective_from_no_datetime_holds_is_an_invalid_field(moment: Timestamp) -> None:
    rates = common_pb2.Rates(
        earn_rate="1",
        burn_value="0.01",
        issue_price="0.01",
        redemption_price="0.009",
        effective_from=moment,
    )

    with pytest.raises(InvalidField) as refused:
        admin_convert.set_rate(admin_pb2.SetRateRequest(partner_id="coffee", rates=rates), ADMIN)
    with pytest.raises(InvalidField) as refused_on_add:
        admin_convert.add_partner(
            admin_pb2.AddPartnerRequest(partner_id="coffee", rates=rates), ADMIN
        )

    assert refused.value.field == refused_on_add.value.field == "rates.effective_from"


@pytest.mark.parametrize("moment", BAD_TIMESTAMPS)
def test_a_rule_instant_no_datetime_holds_is_an_invalid_rule(moment: Timestamp) -> None:
    ending = rules_pb2.EndRuleRequest(rule_id="double", effective_from=moment, reason="done")
    listing = rules_pb2.ListRulesRequest(at=moment)

    with pytest.raises(InvalidRule) as refused:
        rules_convert.end_rule(ending, ADMIN)
    with pytest.raises(InvalidRule) as refused_listing:
        rules_convert.list_rules(listing)

    assert (refused.value.field, refused_listing.value.field) == ("effective_from", "at")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31"])
def test_a_business_date_whose_end_no_datetime_holds_is_an_invalid_field(day: str) -> None:
    with pytest.raises(InvalidField) as refused:
        parse_business_date(day)

    assert refused.value.field == "business_date"


def test_the_business_dates_at_the_bounds_are_accepted() -> None:
    assert parse_business_date("1970-01-01") == date(1970, 1, 1)
    assert parse_business_date("9999-12-30") == date(9999, 12, 30)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_fraud_report_date_whose_days_no_datetime_holds_is_an_invalid_field(day: str) -> None:
    with pytest.raises(InvalidField) as refused:
        fraud_convert.report(fraud_pb2.GetReportRequest(date=day), TODAY)

    assert refused.value.field == "date"


def test_text_with_a_nul_character_is_not_storable() -> None:
    assert storable_text("café ☕", field="note") == "café ☕"
    with pytest.raises(InvalidField) as refused:
        storable_text(NUL, field="note")

    assert refused.value.field == "note"


def test_a_reason_or_note_with_a_nul_character_is_an_invalid_field() -> None:
    with pytest.raises(InvalidField) as reason:
        admin_convert.attribution(ADMIN, "because\x00")
    with pytest.raises(InvalidField) as note:
        settlement_convert.approve(
            settlement_pb2.ApproveSettlementRequest(business_date="2026-11-22", note="ok\x00"),
            OFFICER,
        )
    with pytest.raises(InvalidField) as audited:
        AuditEvent("cli:root", "partner.disable", "coffee", "because\x00")

    assert (reason.value.field, note.value.field, audited.value.field) == (
        "reason",
        "note",
        "reason",
    )


def test_a_partner_id_with_a_nul_character_is_an_invalid_field_in_settlement_requests() -> None:
    listing = settlement_pb2.ListExceptionsRequest(business_date="2026-11-22", partner_id=NUL)
    accepting = settlement_pb2.AcceptExceptionsRequest(
        business_date="2026-11-22", partner_id=NUL, note="matched by hand"
    )
    statement = settlement_pb2.GetStatementRequest(business_date="2026-11-22", partner_id=NUL)

    for convert in (
        lambda: settlement_convert.list_exceptions(listing),
        lambda: settlement_convert.accept_exceptions(accepting, OFFICER),
        lambda: settlement_convert.officer_statement(statement),
    ):
        with pytest.raises(InvalidField) as refused:
            convert()
        assert refused.value.field == "partner_id"


def test_a_partner_id_with_a_nul_character_is_an_invalid_field_when_listing_rules() -> None:
    with pytest.raises(InvalidField) as refused:
        rules_convert.list_rules(rules_pb2.ListRulesRequest(partner_id=NUL))

    assert refused.value.field == "partner_id"
