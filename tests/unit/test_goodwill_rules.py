"""The pure rules of goodwill credits: bounds, the four-eyes threshold, who may decide."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from hub.domain.errors import GoodwillCreditDecided, InvalidAmount, InvalidField, SameOfficer
from hub.domain.goodwill import (
    GOODWILL_POINTS_MAX,
    REASON_LENGTH_MAX,
    GoodwillCredit,
    GoodwillRequest,
    GoodwillStatus,
    needs_approval,
)
from hub.domain.rules import Funder

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ANA = "spiffe://coalition.hub/staff/analyst/ana"


def request(points: int = 10, reason: str = "complaint") -> GoodwillRequest:
    return GoodwillRequest(uuid.uuid4(), points, Funder.PARTNER, "coffee", reason)


def pending(by: str = ANA) -> GoodwillCredit:
    return GoodwillCredit(uuid.uuid4(), request(5_000), GoodwillStatus.PENDING, by, AT)


def test_only_credits_above_the_threshold_wait_for_approval():
    assert not needs_approval(1_000, 1_000)
    assert needs_approval(1_001, 1_000)
    assert needs_approval(1, 0)  # a threshold of 0: every credit takes four eyes


@pytest.mark.parametrize("points", [0, -1, GOODWILL_POINTS_MAX + 1])
def test_points_out_of_bounds_are_refused(points):
    with pytest.raises(InvalidAmount):
        request(points).checked()


def test_the_reason_is_trimmed_and_required_and_bounded():
    assert request(reason="  late parcel ").checked().reason == "late parcel"
    for reason in ("", "  ", "x" * (REASON_LENGTH_MAX + 1)):
        with pytest.raises(InvalidField):
            request(reason=reason).checked()


def test_the_same_person_cannot_approve_on_any_channel():
    credit = pending()
    for same in (ANA, "spiffe://coalition.hub/staff/operator/ana", "cli:ana"):
        with pytest.raises(SameOfficer):
            credit.check_approver(same)
    credit.check_approver("spiffe://coalition.hub/staff/operator/bob")


def test_a_decision_is_final():
    posted = pending().posted("spiffe://coalition.hub/staff/operator/bob", AT, uuid.uuid4())
    rejected = pending().rejected("cli:carl", AT, "duplicate")

    for decided in (posted, rejected):
        with pytest.raises(GoodwillCreditDecided):
            decided.rejected("cli:dora", AT, "again")
        with pytest.raises(GoodwillCreditDecided):
            decided.check_approver("cli:dora")
