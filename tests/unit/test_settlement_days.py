"""The night board's pure parts: persons behind audit actors, a day's state, page tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.domain.errors import InvalidPageToken
from hub.services.ports.reconciliation import ReportRecord
from hub.services.ports.settlement import RunRecord
from hub.services.results import ActorView, DayState, PartnerDayView
from hub.services.settlement_days import (
    actor_view,
    day_state,
    decode_day_token,
    encode_day_token,
)

DAY = date(2026, 1, 10)
AT = datetime(2026, 1, 11, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("actor", "person", "role"),
    [
        ("spiffe://coalition.hub/staff/officer/olga", "olga", "officer"),
        ("spiffe://coalition.hub/staff/operator/olga", "olga", "operator"),
        ("spiffe://coalition.hub/staff/admin/ada", "ada", "operator"),
        ("cli:olga", "olga", ""),
        ("system:scheduler", "", ""),
        ("spiffe://coalition.hub/partner/coffee", "", "partner"),
    ],
)
def test_an_actor_names_its_person_and_the_role_they_acted_in(actor, person, role):
    assert actor_view(actor) == ActorView(actor, person, role)


def _run(status: str) -> RunRecord:
    return RunRecord(DAY, status, AT, "system:scheduler", None, None, None)


def _partner(reported: bool) -> PartnerDayView:
    report = ReportRecord(DAY, "coffee", AT, "spiffe://coalition.hub/partner/coffee", 1, 1)
    return PartnerDayView("coffee", report if reported else None, None, 0, 0)


def test_a_day_without_a_run_is_not_run():
    assert day_state(None, (), 0) is DayState.NOT_RUN


def test_a_run_with_an_open_exception_or_a_report_missing_is_only_ran():
    assert day_state(_run("ran"), (_partner(True),), 1) is DayState.RAN
    assert day_state(_run("ran"), (_partner(True), _partner(False)), 0) is DayState.RAN


def test_a_run_with_every_report_in_and_nothing_open_is_reconciled():
    assert day_state(_run("ran"), (_partner(True),), 0) is DayState.RECONCILED


def test_an_approved_run_is_approved_whatever_its_reports():
    assert day_state(_run("approved"), (_partner(False),), 0) is DayState.APPROVED


def test_a_page_token_gives_back_its_day_and_a_foreign_one_is_refused():
    assert decode_day_token(encode_day_token(DAY)) == DAY
    assert decode_day_token("") is None
    for foreign in ("%%", encode_day_token(DAY)[:-2], "bm90IGEgZGF0ZQ"):
        with pytest.raises(InvalidPageToken):
            decode_day_token(foreign)
