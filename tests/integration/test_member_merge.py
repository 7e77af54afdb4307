"""Member merge and unmerge, on SQLite and PostgreSQL: what moves (points, lots with their
issuers and expiry, debt, identifiers), what is refused with nothing written, and that
settlement and expiry still see the merged points as their issuers' (the hub fixture runs
``hub ledger verify`` after each test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import (
    InvalidField,
    MemberAlreadyMerged,
    MemberHasPendingHolds,
    MemberNotActive,
    MemberNotFound,
    MemberNotMerged,
)
from hub.domain.ledger import TransactionKind
from hub.domain.members import MemberStatus
from hub.domain.money import Money
from hub.domain.partners import ExpiryKind, ExpiryPolicy
from hub.domain.rules import ReviewPeriod, Tier, TierScheme
from hub.services import merge
from hub.services.commands import (
    Attribution,
    EraseMember,
    FreezeMember,
    GetAccount,
    GetBalance,
    MergeMembers,
    PutRule,
    RefundEarn,
    RefundRedemption,
    RunSettlement,
    UnmergeMembers,
)
from hub.services.results import Merged, Unmerged
from settlement.model import MatrixCell
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.integration.helpers import (
    authorize,
    balance,
    capture,
    card,
    earn,
    enroll,
    row_counts,
)

OLGA = Attribution("spiffe://coalition.hub/staff/operator/olga", "ticket M-1: one person")
CARD_A, CARD_B = "4000000000000001", "4000000000000002"
EUR = currency("EUR")


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    # Earning, merging and burning within minutes is what the fraud checks would hold for
    # review; the merge is under test here.
    wired = bootstrap.build(replace(settings_for(database_url), fraud_checks=False), clock=clock)
    add_partner(wired, "coffee")
    add_partner(wired, "fuel")
    add_partner(wired, "air")
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.violations == (), report.violations


def two_members(hub: bootstrap.Hub) -> tuple[uuid.UUID, uuid.UUID]:
    """A (the survivor) with 300 points from coffee, B with 200 from fuel."""
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "fuel", card(CARD_B)).member_id
    earn(hub, card(CARD_A), 30_000)
    earn(hub, card(CARD_B), 20_000, partner_id="fuel")
    return a, b


def merge_into(hub: bootstrap.Hub, survivor: uuid.UUID, absorbed: uuid.UUID) -> Merged:
    command = MergeMembers(survivor, absorbed, changed_by=OLGA)
    return merge.merge_members(command, uow_factory=hub.uow_factory, clock=hub.clock)


def unmerge(hub: bootstrap.Hub, survivor: uuid.UUID, absorbed: uuid.UUID) -> Unmerged:
    command = UnmergeMembers(survivor, absorbed, changed_by=OLGA)
    return merge.unmerge_members(command, uow_factory=hub.uow_factory, clock=hub.clock)


def lots_of(hub: bootstrap.Hub, member_id: uuid.UUID):
    with hub.uow_factory(read_only=True) as uow:
        return list(uow.lots.of_member(member_id))


def status_of(hub: bootstrap.Hub, member_id: uuid.UUID) -> MemberStatus:
    with hub.uow_factory(read_only=True) as uow:
        return uow.members.get(member_id).status


def test_a_merge_moves_the_absorbed_members_points_and_identifiers_to_the_survivor(hub):
    a, b = two_members(hub)

    merged = merge_into(hub, a, b)

    assert (merged.points, merged.debt_points, merged.identifiers) == (200, 0, 1)
    assert balance(hub, a).available_points == 500
    assert balance(hub, card(CARD_B)).member_id == a  # B's card now finds A
    assert balance(hub, b).available_points == 0
    assert status_of(hub, b) is MemberStatus.MERGED
    assert merge.merged_into(b, uow_factory=hub.uow_factory) == a


def test_merged_lots_keep_their_id_issuer_price_and_expiry(hub):
    a, b = two_members(hub)
    before = lots_of(hub, b)

    merge_into(hub, a, b)

    after = {lot.id: lot for lot in lots_of(hub, a)}
    assert lots_of(hub, b) == []
    for lot in before:
        assert after[lot.id] == replace(lot, member_id=a)


def test_the_merge_is_one_ledger_transaction_of_the_survivor_and_is_audited(hub):
    a, b = two_members(hub)

    merged = merge_into(hub, a, b)

    with hub.uow_factory(read_only=True) as uow:
        kinds = [record.kind for record in uow.reviews.transactions(a, 10)]
    assert kinds[0] is TransactionKind.MERGE
    (record,) = hub.operator.list_audit(limit=10, action="member.merge")
    assert record.event.target == f"member:{a}"
    assert record.event.details["absorbed_member_id"] == str(b)
    assert record.event.details["points"] == 200
    assert merged.transaction_id is not None


def test_the_absorbed_member_neither_earns_nor_burns_after_the_merge(hub):
    a, b = two_members(hub)
    merge_into(hub, a, b)

    with pytest.raises(MemberNotActive):
        earn(hub, b, 1_000)
    with pytest.raises(MemberNotActive):
        authorize(hub, b, 10)


def test_pending_points_move_as_pending_and_mature_on_time_for_the_survivor(hub, clock):
    add_partner(hub, "grocer", pending_period_s=3600)
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "grocer", card(CARD_B)).member_id
    earn(hub, card(CARD_B), 10_000, partner_id="grocer")

    merge_into(hub, a, b)

    assert (balance(hub, a).pending_points, balance(hub, a).available_points) == (100, 0)
    clock.advance(timedelta(hours=1))
    assert hub.operator.sweep().lots_matured == 1
    assert balance(hub, a).available_points == 100


def test_the_absorbed_members_debt_moves_and_the_survivors_points_pay_it_first(hub):
    a, b = two_members(hub)
    spent = authorize(hub, card(CARD_B), 200, partner_id="air")
    capture(hub, spent.hold_id, partner_id="air")
    earned = earn(hub, card(CARD_B), 5_000, partner_id="fuel")  # 50 more, then refunded all
    refund = RefundEarn("fuel", uuid.uuid4().hex, earned.transaction_id, Money(5_000, EUR))
    hub.partner_api().refund_earn(refund)
    first = _first_earn(hub, b)
    whole = RefundEarn("fuel", uuid.uuid4().hex, first, Money(20_000, EUR))
    assert hub.partner_api().refund_earn(whole).debt_points == 200

    merged = merge_into(hub, a, b)

    assert (merged.debt_points, merged.debt_paid_points) == (200, 200)
    assert balance(hub, a).available_points == 100
    assert balance(hub, a).debt_points == 0


def _first_earn(hub: bootstrap.Hub, member_id: uuid.UUID) -> uuid.UUID:
    with hub.uow_factory(read_only=True) as uow:
        records = uow.reviews.transactions(member_id, 10)
    return [r.id for r in records if r.kind is TransactionKind.EARN][-1]


# -- refusals: the right reason, nothing written ---------------------------------------------


def refused(hub: bootstrap.Hub, survivor: uuid.UUID, absorbed: uuid.UUID, error: type) -> None:
    before = row_counts(hub)
    with pytest.raises(error):
        merge_into(hub, survivor, absorbed)
    assert row_counts(hub) == before


def test_a_member_cannot_be_merged_into_itself(hub):
    a, _ = two_members(hub)
    refused(hub, a, a, InvalidField)


def test_an_unknown_member_is_not_found(hub):
    a, _ = two_members(hub)
    refused(hub, a, uuid.uuid4(), MemberNotFound)
    refused(hub, uuid.uuid4(), a, MemberNotFound)


def test_a_member_already_merged_is_refused_either_way(hub):
    a, b = two_members(hub)
    c = enroll(hub, "coffee", card("4000000000000003")).member_id
    merge_into(hub, a, b)
    refused(hub, c, b, MemberAlreadyMerged)
    refused(hub, b, c, MemberAlreadyMerged)


def test_frozen_and_erased_members_are_refused(hub):
    a, b = two_members(hub)
    c = enroll(hub, "coffee", card("4000000000000003")).member_id
    hub.fraud_api().freeze(FreezeMember(b, changed_by=OLGA))
    hub.erase_member(EraseMember(c, changed_by=OLGA))
    refused(hub, a, b, MemberNotActive)
    refused(hub, c, a, MemberNotActive)


def test_pending_holds_of_the_absorbed_member_refuse_the_merge(hub):
    a, b = two_members(hub)
    authorize(hub, card(CARD_B), 50, partner_id="air")
    refused(hub, a, b, MemberHasPendingHolds)


def test_a_merge_without_a_reason_is_refused(hub):
    a, b = two_members(hub)
    before = row_counts(hub)
    command = MergeMembers(a, b, changed_by=Attribution(OLGA.actor, " "))
    with pytest.raises(InvalidField):
        merge.merge_members(command, uow_factory=hub.uow_factory, clock=hub.clock)
    assert row_counts(hub) == before


# -- settlement and expiry still see the issuers ---------------------------------------------


def test_settlement_attributes_merged_points_to_their_issuer_when_the_survivor_redeems(hub, clock):
    clock.advance(datetime(2026, 11, 22, 10, tzinfo=UTC) - clock.now())
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "fuel", card(CARD_B)).member_id
    earn(hub, card(CARD_B), 20_000, partner_id="fuel")
    merge_into(hub, a, b)
    hold = authorize(hub, card(CARD_A), 150, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    clock.advance(datetime(2026, 11, 23, 0, 10, tzinfo=UTC) - clock.now())

    officer = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly")
    day = hub.settlement_api().run(RunSettlement(date(2026, 11, 22), officer))

    assert day.settlement.matrix == (MatrixCell("fuel", "air", 150, 135, 150),)


def test_merged_points_expire_on_their_own_date(hub, clock):
    monthly = ExpiryPolicy(ExpiryKind.MONTHS_AFTER_EARN, 1)
    add_partner(hub, "books", expiry=monthly)
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "books", card(CARD_B)).member_id
    earn(hub, card(CARD_B), 10_000, partner_id="books")
    (lot,) = lots_of(hub, b)
    merge_into(hub, a, b)

    clock.advance(lot.expires_at - clock.now() - timedelta(seconds=1))
    assert hub.operator.sweep().lots_expired == 0
    clock.advance(timedelta(seconds=1))
    assert hub.operator.sweep().lots_expired == 1
    assert balance(hub, a).available_points == 0


# -- unmerge ---------------------------------------------------------------------------------


def test_an_unmerge_gives_back_what_is_left_and_reports_what_was_spent(hub):
    a, b = two_members(hub)
    merge_into(hub, a, b)
    spent = authorize(hub, card(CARD_A), 350, partner_id="air")  # 300 of A's, 50 of B's
    capture(hub, spent.hold_id, partner_id="air")

    unmerged = unmerge(hub, a, b)

    assert (unmerged.points, unmerged.points_not_returned) == (150, 50)
    assert status_of(hub, b) is MemberStatus.ACTIVE
    assert balance(hub, card(CARD_B)).member_id == b
    assert balance(hub, b).available_points == 150
    assert balance(hub, a).available_points == 0
    assert [lot.partner_id for lot in lots_of(hub, b)] == ["fuel"]
    (record,) = hub.operator.list_audit(limit=10, action="member.unmerge")
    assert record.event.details["points"] == 150


def test_an_unmerge_keeps_the_merge_in_history(hub, clock):
    a, b = two_members(hub)
    merge_into(hub, a, b)
    clock.advance(timedelta(minutes=1))
    unmerge(hub, a, b)

    with hub.uow_factory(read_only=True) as uow:
        kinds = [record.kind for record in uow.reviews.transactions(a, 10)]
    assert kinds[:2] == [TransactionKind.UNMERGE, TransactionKind.MERGE]
    assert balance(hub, a).available_points == 300
    assert balance(hub, b).available_points == 200


def test_a_member_can_be_merged_again_after_an_unmerge(hub):
    a, b = two_members(hub)
    merge_into(hub, a, b)
    unmerge(hub, a, b)

    assert merge_into(hub, a, b).points == 200


def test_an_unmerge_of_members_not_merged_is_refused(hub):
    a, b = two_members(hub)
    before = row_counts(hub)
    with pytest.raises(MemberNotMerged):
        unmerge(hub, a, b)
    merge_into(hub, a, b)
    with pytest.raises(MemberNotMerged):
        unmerge(hub, b, a)
    assert row_counts(hub)["transactions"] == before["transactions"] + 1


def test_an_unmerge_waits_for_holds_on_the_merged_points(hub):
    a, b = two_members(hub)
    merge_into(hub, a, b)
    authorize(hub, card(CARD_A), 400, partner_id="air")
    before = row_counts(hub)

    with pytest.raises(MemberHasPendingHolds):
        unmerge(hub, a, b)
    assert row_counts(hub) == before


# -- refunds of the absorbed member's operations after the merge -----------------------------


def test_a_refund_of_the_absorbed_members_redemption_credits_the_survivor(hub):
    a, b = two_members(hub)
    spent = authorize(hub, card(CARD_B), 150, partner_id="air")
    capture(hub, spent.hold_id, partner_id="air")
    merge_into(hub, a, b)
    refund = RefundRedemption("air", uuid.uuid4().hex, spent.hold_id, 150)

    assert hub.partner_api().refund_redemption(refund).points_returned == 150

    assert balance(hub, a).available_points == 500
    assert balance(hub, b).available_points == 0


def test_a_refund_of_the_absorbed_members_earn_after_the_merge_is_the_survivors(hub):
    a, b = two_members(hub)
    first = _first_earn(hub, b)
    merge_into(hub, a, b)

    refund = RefundEarn("fuel", uuid.uuid4().hex, first, Money(20_000, EUR))
    assert hub.partner_api().refund_earn(refund).debt_points == 0

    assert (balance(hub, a).available_points, balance(hub, a).debt_points) == (300, 0)
    assert (balance(hub, b).available_points, balance(hub, b).debt_points) == (0, 0)
    assert unmerge(hub, a, b).points == 0


def test_a_refund_of_the_absorbed_members_earn_leaves_the_survivors_tier_alone(hub, clock):
    # The earn counted towards the absorbed member's tier, never the survivor's: its refund
    # must not take the survivor's tier down now, nor at the next review.
    scheme = TierScheme((Tier("base", 0), Tier("silver", 300)), review=ReviewPeriod.MONTH)
    hub.operator.put_rule(PutRule("", scheme, changed_by=OPERATOR))
    a, b = two_members(hub)  # A reaches silver with its own 300 points
    first = _first_earn(hub, b)
    merge_into(hub, a, b)

    refund = RefundEarn("fuel", uuid.uuid4().hex, first, Money(20_000, EUR))
    refunded = hub.partner_api().refund_earn(refund)

    assert (refunded.tier_before, refunded.tier_after) == (None, None)
    tier = hub.partner_api().balance(GetBalance("coffee", card(CARD_A))).tier
    assert (tier.tier, tier.qualifying) == ("silver", 300)
    clock.advance(timedelta(days=35))  # the next month's review, within the 12 months
    assert hub.operator.sweep().tiers_changed == 0
    tier = hub.partner_api().balance(GetBalance("coffee", card(CARD_A))).tier
    assert (tier.tier, tier.qualifying) == ("silver", 300)


def test_the_analysts_account_views_link_the_two_members(hub):
    a, b = two_members(hub)
    merge_into(hub, a, b)

    survivor = hub.fraud_api().account(GetAccount(a))
    absorbed = hub.fraud_api().account(GetAccount(b))

    assert (survivor.absorbed_member_ids, survivor.merged_into) == ((b,), None)
    assert (absorbed.absorbed_member_ids, absorbed.merged_into) == ((), a)
    assert absorbed.member.status is MemberStatus.MERGED
    assert any(record.kind is TransactionKind.EARN for record in absorbed.transactions)
    unmerge(hub, a, b)
    assert hub.fraud_api().account(GetAccount(a)).absorbed_member_ids == ()
