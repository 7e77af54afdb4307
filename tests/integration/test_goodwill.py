"""Goodwill credits on both stores: posted at once or after a second person's approval, debt
first, audited, refused with nothing written, and settled to their funder.

The ``hub`` fixture's four-eyes threshold is the default, 1,000 points.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.domain.errors import (
    GoodwillCreditDecided,
    GoodwillCreditNotFound,
    InvalidAmount,
    InvalidField,
    MemberNotActive,
    MemberNotFound,
    PartnerNotFound,
    SameOfficer,
)
from hub.domain.goodwill import GOODWILL_POINTS_MAX, GoodwillCredit, GoodwillStatus
from hub.domain.ledger import TransactionKind
from hub.domain.rules import Funder
from hub.services.commands import (
    Attribution,
    DecideGoodwillCredit,
    EraseMember,
    FreezeMember,
    ListGoodwillCredits,
    RequestGoodwillCredit,
    RunSettlement,
)
from settlement.model import Valued
from tests.conftest import OPERATOR, START, add_partner, rates, settings_for
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, row_counts
from tests.integration.test_concurrency import race
from tests.integration.test_debt_first import refund_earn

ANA = Attribution("spiffe://coalition.hub/staff/analyst/ana", "complaint C-7: late delivery")
ANA_AS_OPERATOR = Attribution("spiffe://coalition.hub/staff/operator/ana", "looks right")
BOB = Attribution("spiffe://coalition.hub/staff/operator/bob", "checked the ticket")
CARL = Attribution("spiffe://coalition.hub/staff/analyst/carl", "checked it too")
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")


@pytest.fixture
def member(hub: bootstrap.Hub, coffee: str) -> uuid.UUID:
    add_partner(hub, "air", rates=rates(issue="0.02"))
    return enroll(hub, coffee).member_id


def ask(
    hub: bootstrap.Hub,
    member_id: uuid.UUID,
    points: int,
    *,
    funder: Funder = Funder.PARTNER,
    partner_id: str | None = "air",
    by: Attribution = ANA,
    key: str | None = None,
) -> GoodwillCredit:
    command = RequestGoodwillCredit(
        key or uuid.uuid4().hex, member_id, points, funder, partner_id, changed_by=by
    )
    return hub.goodwill_api().request(command)


def approve(hub: bootstrap.Hub, credit: GoodwillCredit, by: Attribution = BOB) -> GoodwillCredit:
    return hub.goodwill_api().approve(DecideGoodwillCredit(credit.id, changed_by=by))


def reject(hub: bootstrap.Hub, credit: GoodwillCredit, by: Attribution = BOB) -> GoodwillCredit:
    return hub.goodwill_api().reject(DecideGoodwillCredit(credit.id, changed_by=by))


def available(hub: bootstrap.Hub) -> int:
    return balance(hub, card()).available_points


def test_a_credit_at_the_threshold_is_posted_at_once_as_a_goodwill_issue(hub, member):
    credit = ask(hub, member, 1_000)

    assert credit.status is GoodwillStatus.POSTED
    assert credit.decided_by is None
    assert available(hub) == 1_000
    with hub.uow_factory(read_only=True) as uow:
        (lot,) = uow.lots.of_member(member)
    assert (lot.partner_id, lot.points, lot.issue_price) == ("air", 1_000, Decimal("0.02"))
    assert lot.earn_transaction_id == credit.transaction_id


def test_a_credit_above_the_threshold_waits_for_another_person(hub, member):
    credit = ask(hub, member, 1_001)

    assert credit.status is GoodwillStatus.PENDING
    assert credit.transaction_id is None
    assert available(hub) == 0
    pending = hub.goodwill_api().list(ListGoodwillCredits(GoodwillStatus.PENDING))
    assert [c.id for c in pending] == [credit.id]

    approved = approve(hub, credit)

    assert approved.status is GoodwillStatus.POSTED
    assert approved.decided_by == BOB.actor
    assert available(hub) == 1_001
    assert hub.goodwill_api().list(ListGoodwillCredits(GoodwillStatus.PENDING)) == ()


def test_the_requester_cannot_approve_in_another_role(hub, member):
    credit = ask(hub, member, 5_000)

    for same_person in (ANA, ANA_AS_OPERATOR):
        with pytest.raises(SameOfficer, match="another person approves it"):
            approve(hub, credit, by=same_person)

    assert available(hub) == 0
    assert hub.goodwill_api().list(ListGoodwillCredits())[0].status is GoodwillStatus.PENDING


def test_a_decided_credit_cannot_be_approved_or_rejected_again(hub, member):
    posted, rejected = ask(hub, member, 5_000), ask(hub, member, 6_000)
    approve(hub, posted)
    reject(hub, rejected)
    counts = row_counts(hub)

    with pytest.raises(GoodwillCreditDecided, match="posted already"):
        approve(hub, posted, by=CARL)
    with pytest.raises(GoodwillCreditDecided, match="rejected already"):
        approve(hub, rejected, by=CARL)
    with pytest.raises(GoodwillCreditDecided):
        reject(hub, posted, by=CARL)

    assert row_counts(hub) == counts
    assert available(hub) == 5_000


def test_the_requester_may_withdraw_their_own_request(hub, member):
    credit = ask(hub, member, 5_000)

    rejected = reject(hub, credit, by=ANA)

    assert (rejected.status, rejected.decision_note) == (GoodwillStatus.REJECTED, ANA.reason)
    assert available(hub) == 0


def test_an_unknown_credit_is_not_found(hub, member):
    with pytest.raises(GoodwillCreditNotFound):
        hub.goodwill_api().approve(DecideGoodwillCredit(uuid.uuid4(), changed_by=BOB))


@pytest.mark.parametrize("points", [0, -5, GOODWILL_POINTS_MAX + 1])
def test_points_outside_the_bounds_are_refused_before_anything_is_written(hub, member, points):
    counts = row_counts(hub)
    with pytest.raises(InvalidAmount, match="points must be"):
        ask(hub, member, points)
    assert row_counts(hub) == counts


@pytest.mark.parametrize(
    ("funder", "partner_id", "reason"),
    [
        (Funder.PARTNER, "air", "   "),
        (Funder.PARTNER, None, "complaint"),
        (Funder.COALITION, "air", "complaint"),
    ],
)
def test_a_missing_reason_or_a_funder_without_its_partner_is_refused(
    hub, member, funder, partner_id, reason
):
    counts = row_counts(hub)
    with pytest.raises(InvalidField):
        ask(
            hub, member, 10, funder=funder, partner_id=partner_id, by=Attribution(ANA.actor, reason)
        )
    assert row_counts(hub) == counts


def test_an_unknown_member_or_partner_funder_is_not_found(hub, member):
    counts = row_counts(hub)
    with pytest.raises(MemberNotFound):
        ask(hub, uuid.uuid4(), 10)
    with pytest.raises(PartnerNotFound):
        ask(hub, member, 10, partner_id="nobody")
    with pytest.raises(PartnerNotFound):  # refused at the request, not at its approval
        ask(hub, member, 5_000, partner_id="nobody")
    assert row_counts(hub) == counts


def test_a_frozen_or_erased_member_is_refused(hub, member):
    hub.fraud_api().freeze(FreezeMember(member, changed_by=CARL))
    with pytest.raises(MemberNotActive, match="frozen"):
        ask(hub, member, 10)
    erased = enroll(hub, "coffee", card("4000999988887777")).member_id
    hub.erase_member(EraseMember(erased, changed_by=OPERATOR))
    with pytest.raises(MemberNotActive, match="erased"):
        ask(hub, erased, 10)


def test_a_pending_credit_for_a_member_frozen_since_is_not_posted(hub, member):
    credit = ask(hub, member, 5_000)
    hub.fraud_api().freeze(FreezeMember(member, changed_by=CARL))

    with pytest.raises(MemberNotActive):
        approve(hub, credit)

    assert hub.goodwill_api().list(ListGoodwillCredits())[0].status is GoodwillStatus.PENDING


def test_a_retry_with_the_same_key_credits_once(hub, member):
    first = ask(hub, member, 300, key="ticket-7")
    again = ask(hub, member, 300, key="ticket-7")

    assert again == first
    assert available(hub) == 300


def test_every_step_is_audited_with_who_and_why(hub, member):
    small = ask(hub, member, 10)
    large = ask(hub, member, 5_000)
    approve(hub, large)
    withdrawn = ask(hub, member, 6_000)
    reject(hub, withdrawn, by=CARL)

    records = hub.operator.list_audit(limit=10)
    events = [record.event for record in reversed(records)]
    seen = [(e.action, e.actor, e.reason, e.details.get("status")) for e in events]
    goodwill = [line for line in seen if line[0].startswith("goodwill.")]
    assert goodwill == [
        ("goodwill.request", ANA.actor, ANA.reason, "posted"),
        ("goodwill.request", ANA.actor, ANA.reason, "pending"),
        ("goodwill.approve", BOB.actor, BOB.reason, "posted"),
        ("goodwill.request", ANA.actor, ANA.reason, "pending"),
        ("goodwill.reject", CARL.actor, CARL.reason, "rejected"),
    ]
    assert small.transaction_id is not None


def test_a_credit_pays_the_members_refund_debt_first(hub, member):
    earned = earn(hub, card(), 10_000)  # 100 points at coffee
    hold = authorize(hub, card(), 100, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    assert refund_earn(hub, earned, 10_000) == 100

    ask(hub, member, 250)

    now = balance(hub, card())
    assert (now.debt_points, now.available_points) == (0, 150)
    with hub.uow_factory(read_only=True) as uow:
        goodwill_lots = [
            lot for lot in uow.lots.of_member(member) if lot.partner_id == "air" and lot.points
        ]
    assert [lot.points for lot in goodwill_lots] == [150]


def test_a_credit_that_only_pays_debt_makes_no_lot(hub, member):
    earned = earn(hub, card(), 10_000)
    hold = authorize(hub, card(), 100, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    refund_earn(hub, earned, 10_000)
    credit = ask(hub, member, 40)

    assert credit.status is GoodwillStatus.POSTED
    assert balance(hub, card()).debt_points == 60


def test_a_partner_funded_credit_settles_as_that_partners_issue(hub, member, clock: ManualClock):
    ask(hub, member, 500)  # air pays, at 0.02: 10.00 EUR
    clock.advance(timedelta(days=1))

    day = hub.settlement_api().run(RunSettlement(START.date(), OFFICER))
    air = day.settlement.partner("air")

    assert air.issued_partner_funded == Valued(500, 1_000)
    assert air.issued_coalition_funded == Valued(0, 0)
    assert air.outstanding == Valued(500, 1_000)
    assert air.net_position_minor == -1_000


def test_a_coalition_funded_credit_bills_no_partner(hub, member, clock: ManualClock):
    credit = ask(hub, member, 500, funder=Funder.COALITION, partner_id=None)
    clock.advance(timedelta(days=1))

    day = hub.settlement_api().run(RunSettlement(START.date(), OFFICER))
    coffee = day.settlement.partner("coffee")  # the member's enrolling partner issues the lot

    assert coffee.issued_partner_funded == Valued(0, 0)
    assert coffee.issued_coalition_funded == Valued(500, 500)
    assert coffee.net_position_minor == 0
    with hub.uow_factory(read_only=True) as uow:
        (lot,) = uow.lots.of_member(member)
    assert (lot.partner_id, lot.earn_transaction_id) == ("coffee", credit.transaction_id)


def test_the_posting_is_a_goodwill_transaction_from_the_funders_account(hub, member):
    partner = ask(hub, member, 20)
    coalition = ask(hub, member, 30, funder=Funder.COALITION, partner_id=None)

    with hub.uow_factory(read_only=True) as uow:
        kinds = {t.id: t.kind for t in uow.reviews.transactions(member, 10)}
    assert kinds[partner.transaction_id] is TransactionKind.GOODWILL
    assert kinds[coalition.transaction_id] is TransactionKind.GOODWILL


@pytest.mark.postgres
def test_two_people_approving_one_credit_at_once_post_it_once(hub, member, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrent connections: PostgreSQL")
    credit = ask(hub, member, 5_000)

    results = race([lambda: approve(hub, credit, BOB), lambda: approve(hub, credit, CARL)])

    kinds = sorted(type(result).__name__ for result in results)
    assert kinds == ["GoodwillCredit", "GoodwillCreditDecided"]
    assert available(hub) == 5_000
    assert row_counts(hub)["transactions"] == 1


def test_the_threshold_is_the_hubs_setting(database_url, clock):
    settings = replace(settings_for(database_url), goodwill_approval_points=0)
    strict = bootstrap.build(settings, clock=clock)
    try:
        add_partner(strict, "air")
        member_id = enroll(strict, "air").member_id

        credit = ask(strict, member_id, 1)

        assert credit.status is GoodwillStatus.PENDING
        assert approve(strict, credit).status is GoodwillStatus.POSTED
        assert strict.operator.verify_ledger().violations == ()
    finally:
        strict.close()
