"""Fraud checks on the hot path: the facts read, and what each decision does to an operation.

The rules themselves are unit-tested in ``tests/fraud``; here the facts come from the database
and the decisions must post (or not post) the right things, on both databases.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fraud.facts import Attempt, Location, Operation
from fraud.thresholds import FraudThresholds, Threshold
from hub import bootstrap
from hub.adapters.tables import fraud_flag_rules, fraud_flags, member_links, transactions
from hub.domain.clock import ManualClock
from hub.domain.contacts import Contact
from hub.domain.errors import FraudDeclined, HoldInReview, MemberNotActive
from hub.domain.holds import HoldStatus
from hub.domain.members import Identifier, IdentifierKind, MemberStatus
from hub.domain.purchases import Channel, PointOfSale
from hub.services.commands import (
    AddIdentifier,
    EnrollMember,
    EraseMember,
    PutRule,
    RefundEarn,
    UpdateMemberContact,
)
from tests.conftest import OPERATOR, add_partner
from tests.integration.helpers import (
    authorize,
    authorize_command,
    balance,
    capture,
    card,
    earn,
    earn_command,
    enroll,
    row_counts,
    void,
)

MOSCOW = Location(Decimal("55.755800"), Decimal("37.617300"))
ST_PETERSBURG = Location(Decimal("59.938600"), Decimal("30.314100"))


def _pos(*, terminal: str = "", cashier: str = "", location: Location | None = None) -> PointOfSale:
    return PointOfSale(Channel.POS, "store-1", terminal, cashier, location)


def _earn_at(hub: bootstrap.Hub, member: Identifier, pos: PointOfSale, **options: object):
    command = earn_command(member, **options)  # type: ignore[arg-type]
    command = replace(command, purchase=replace(command.purchase, point_of_sale=pos))
    return hub.partner_api().earn(command)


def _thresholds(hub: bootstrap.Hub, partner_id: str, **fields: object) -> None:
    definition = FraudThresholds(partner_id=partner_id, **fields)  # type: ignore[arg-type]
    hub.operator.put_rule(PutRule("", definition, changed_by=OPERATOR))


def _flags(hub: bootstrap.Hub) -> list[dict[str, object]]:
    with hub.engine.connect() as connection:
        flags = connection.execute(sa.select(fraud_flags).order_by(fraud_flags.c.raised_at))
        rows = [dict(row._mapping) for row in flags]
        for row in rows:
            rules = connection.execute(
                sa.select(fraud_flag_rules.c.rule).where(fraud_flag_rules.c.flag_id == row["id"])
            )
            row["rules"] = sorted(rule for (rule,) in rules)
    return rows


def _activity(hub: bootstrap.Hub, tried: Attempt, thresholds: FraudThresholds | None = None):
    windows = (thresholds or FraudThresholds()).windows(tried.at)
    with hub.uow_factory(read_only=True) as uow:
        return uow.fraud.activity(tried, windows)


def _attempt(
    member_id: uuid.UUID, clock: ManualClock, operation: Operation = Operation.EARN, **fields
) -> Attempt:
    return Attempt(operation, "coffee", member_id, 100, clock.now(), **fields)


# -- the facts read --------------------------------------------------------------------------


def test_the_facts_count_the_members_windows(hub, coffee, clock):
    add_partner(hub, "fuel")
    member = enroll(hub).member_id
    earn(hub, card(), 1_000)
    clock.advance(timedelta(hours=2))  # outside the one-hour velocity window from here on
    earn(hub, card(), 2_000)
    earn(hub, card(), 3_000, partner_id="fuel")
    authorize(hub, card(), 10)
    facts = _activity(hub, _attempt(member, clock, Operation.AUTHORIZE))
    assert (facts.member_earns, facts.member_earned_points) == (2, 50)
    assert (facts.member_holds, facts.member_held_points) == (1, 10)
    assert (facts.last_earn_elsewhere_partner, facts.last_earn_elsewhere_at) == (
        "fuel",
        clock.now(),
    )
    # The history is the member's at this partner: the earn at fuel is not part of it.
    assert (facts.history_earns, facts.history_points) == (2, 30)


def test_an_earn_at_the_same_partner_is_not_an_earn_elsewhere(hub, coffee, clock):
    member = enroll(hub).member_id
    earn(hub, card(), 1_000)
    facts = _activity(hub, _attempt(member, clock, Operation.AUTHORIZE))
    assert facts.last_earn_elsewhere_at is None


def test_the_facts_count_other_members_at_the_terminal_and_cashier(hub, coffee, clock):
    cards = [card(f"400012341234{i:04d}") for i in range(3)]
    ids = [enroll(hub, "coffee", c).member_id for c in cards]
    for c in cards:
        _earn_at(hub, c, _pos(terminal="T1", cashier="C1"))
    _earn_at(hub, cards[0], _pos(terminal="T1", cashier="C1"))
    _earn_at(hub, cards[0], _pos(terminal="T2", cashier="C2"))
    facts = _activity(hub, _attempt(ids[0], clock, terminal_id="T1", cashier_id="C1"))
    assert (facts.terminal_members, facts.cashier_members) == (2, 2)
    assert facts.cashier_member_earns == 2
    unknown_till = _activity(hub, _attempt(ids[0], clock))
    assert (unknown_till.terminal_members, unknown_till.cashier_member_earns) == (0, 0)


def test_the_facts_give_the_last_till_with_a_location(hub, coffee, clock):
    member = enroll(hub).member_id
    _earn_at(hub, card(), _pos(location=MOSCOW))
    seen_at = clock.now()
    clock.advance(timedelta(minutes=5))
    earn(hub, card(), 1_000)  # no location: does not move the last sighting
    sighting = _activity(hub, _attempt(member, clock)).last_sighting
    assert sighting is not None
    assert (sighting.at, sighting.location, sighting.partner_id, sighting.store_id) == (
        seen_at,
        MOSCOW,
        "coffee",
        "store-1",
    )


def _enroll_with(hub: bootstrap.Hub, number: str, contact: Contact, *ids: Identifier):
    command = EnrollMember("coffee", uuid.uuid4().hex, (card(number), *ids), contact)
    return hub.partner_api().enroll(command).member_id


def test_members_sharing_a_phone_or_email_are_linked(hub, coffee, clock):
    phone = Identifier.parse(IdentifierKind.PHONE, "+79001234567")
    first = _enroll_with(hub, "4000000000000001", Contact.parse(email="a@example.org"), phone)
    second = _enroll_with(hub, "4000000000000002", Contact.parse(phone="+7 900 123-45-67"))
    third = _enroll_with(hub, "4000000000000003", Contact.parse(email="A@Example.org"))
    _enroll_with(hub, "4000000000000004", Contact.parse(phone="+79990000000"))
    assert _activity(hub, _attempt(first, clock)).linked_members == 2
    assert _activity(hub, _attempt(second, clock)).linked_members == 1
    assert _activity(hub, _attempt(third, clock)).linked_members == 1


def test_contact_updates_replace_the_links_and_keep_identifier_links(hub, coffee, clock):
    phone = Identifier.parse(IdentifierKind.PHONE, "+79001234567")
    first = _enroll_with(hub, "4000000000000001", Contact.parse(phone="+79990000000"), phone)
    second = _enroll_with(hub, "4000000000000002", Contact.parse(phone="+79990000000"))
    assert _activity(hub, _attempt(second, clock)).linked_members == 1
    update = UpdateMemberContact("coffee", uuid.uuid4().hex, first, Contact.parse(name="A"))
    hub.partner_api().update_contact(update)
    assert _activity(hub, _attempt(second, clock)).linked_members == 0
    third = _enroll_with(hub, "4000000000000003", Contact.parse(phone="+79001234567"))
    assert _activity(hub, _attempt(third, clock)).linked_members == 1


def test_a_phone_identifier_added_later_links_too(hub, coffee, clock):
    first = enroll(hub).member_id
    second = _enroll_with(hub, "4000000000000002", Contact.parse(phone="+79001234567"))
    phone = Identifier.parse(IdentifierKind.PHONE, "+79001234567")
    hub.partner_api().add_identifier(AddIdentifier("coffee", uuid.uuid4().hex, first, phone))
    assert _activity(hub, _attempt(second, clock)).linked_members == 1


def test_erasure_deletes_the_members_links(hub, coffee, clock):
    first = _enroll_with(hub, "4000000000000001", Contact.parse(phone="+79990000000"))
    second = _enroll_with(hub, "4000000000000002", Contact.parse(phone="+79990000000"))
    hub.erase_member(EraseMember(first, changed_by=OPERATOR))
    assert _activity(hub, _attempt(second, clock)).linked_members == 0
    with hub.engine.connect() as connection:
        left = connection.execute(
            sa.select(sa.func.count()).where(member_links.c.member_id == first)
        ).scalar_one()
    assert left == 0


# -- what each decision does -----------------------------------------------------------------


def test_an_earn_under_review_posts_and_raises_a_flag_naming_it(hub, coffee):
    _thresholds(hub, "coffee", cashier_card_receipts=Threshold(2, None))
    enroll(hub)
    _earn_at(hub, card(), _pos(cashier="C-13"))
    assert _flags(hub) == []
    second = _earn_at(hub, card(), _pos(cashier="C-13"))
    assert balance(hub, card()).available_points == 20
    (flag,) = _flags(hub)
    assert (flag["decision"], flag["operation"], flag["status"]) == ("review", "earn", "open")
    assert (flag["transaction_id"], flag["points"], flag["rules"]) == (
        second.transaction_id,
        10,
        ["cashier_one_card"],
    )


def test_a_replayed_earn_under_review_raises_no_second_flag(hub, coffee):
    _thresholds(hub, "coffee", cashier_card_receipts=Threshold(1, None))
    enroll(hub)
    command = earn_command(card())
    command = replace(
        command, purchase=replace(command.purchase, point_of_sale=_pos(cashier="C-13"))
    )
    first = hub.partner_api().earn(command)
    assert hub.partner_api().earn(command) == first
    assert len(_flags(hub)) == 1


def test_a_denied_earn_posts_nothing_and_records_the_attempt(hub, coffee):
    _thresholds(hub, "coffee", cashier_card_receipts=Threshold(1, 2))
    enroll(hub)
    _earn_at(hub, card(), _pos(cashier="C-13"))
    before = row_counts(hub)
    with pytest.raises(FraudDeclined) as refused:
        _earn_at(hub, card(), _pos(cashier="C-13"))
    assert "cashier" not in refused.value.message  # never teaches the thresholds
    after = row_counts(hub)
    assert after.pop("fraud_flags") == before.pop("fraud_flags") + 1
    assert after.pop("fraud_flag_rules") == before.pop("fraud_flag_rules") + 1
    # The flag's own event (flag_raised), nothing of the earn's.
    assert after.pop("outbox_events") == before.pop("outbox_events") + 1
    assert after == before
    denied = _flags(hub)[-1]
    assert (denied["decision"], denied["transaction_id"], denied["rules"]) == (
        "deny",
        None,
        ["cashier_one_card"],
    )
    assert balance(hub, card()).available_points == 10


def test_a_redemption_under_review_is_held_until_released(hub, coffee, clock):
    add_partner(hub, "fuel")
    enroll(hub)
    earn(hub, card(), 100_000, partner_id="fuel")
    before = balance(hub, card()).available_points
    hold = authorize(hub, card(), 600)
    assert hold.status is HoldStatus.IN_REVIEW
    assert balance(hub, card()).available_points == before - 600  # reserved all the same
    with pytest.raises(HoldInReview):
        capture(hub, hold.hold_id)
    (flag,) = _flags(hub)
    assert (flag["operation"], flag["hold_id"], flag["rules"]) == (
        "authorize",
        hold.hold_id,
        ["earn_then_burn"],
    )
    assert void(hub, hold.hold_id).status is HoldStatus.VOIDED
    assert balance(hub, card()).available_points == before


def test_a_small_burn_or_one_after_the_window_is_not_reviewed(hub, coffee, clock):
    add_partner(hub, "fuel")
    enroll(hub)
    earn(hub, card(), 200_000, partner_id="fuel")
    assert authorize(hub, card(), 499).status is HoldStatus.PENDING
    clock.advance(timedelta(seconds=901))
    assert authorize(hub, card(), 600).status is HoldStatus.PENDING
    assert _flags(hub) == []


def test_the_sweeper_expires_a_hold_left_in_review(hub, coffee, clock):
    add_partner(hub, "fuel")
    enroll(hub)
    earn(hub, card(), 100_000, partner_id="fuel")
    hold = authorize(hub, card(), 600, ttl_s=60)
    assert hold.status is HoldStatus.IN_REVIEW
    clock.advance(timedelta(seconds=61))
    assert hub.operator.sweep().holds_expired == 1
    assert balance(hub, card()).available_points == 1_000


def test_a_denied_redemption_reserves_nothing(hub, coffee):
    _thresholds(hub, "coffee", velocity_count=Threshold(None, 2))
    enroll(hub)
    earn(hub, card(), 10_000)
    authorize(hub, card(), 10)
    before = row_counts(hub)
    with pytest.raises(FraudDeclined):
        authorize(hub, card(), 10)
    after = row_counts(hub)
    assert (after.pop("fraud_flags"), after.pop("fraud_flag_rules")) == (
        before.pop("fraud_flags") + 1,
        before.pop("fraud_flag_rules") + 1,
    )
    assert after.pop("outbox_events") == before.pop("outbox_events") + 1  # flag_raised only
    assert after == before
    assert balance(hub, card()).available_points == 90


def test_a_refund_of_spent_points_raises_a_flag(hub, coffee):
    add_partner(hub, "air")
    enroll(hub)
    earned = earn(hub, card(), 10_000)
    capture(hub, authorize(hub, card(), 80, partner_id="air").hold_id, partner_id="air")
    amount = earn_command(card(), 10_000).purchase.amount
    refund = hub.partner_api().refund_earn(
        RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, amount)
    )
    (flag,) = _flags(hub)
    assert (flag["operation"], flag["points"], flag["rules"], flag["transaction_id"]) == (
        "refund",
        80,
        ["refund_after_burn"],
        refund.transaction_id,
    )


def test_a_refund_that_leaves_no_debt_raises_no_flag(hub, coffee):
    enroll(hub)
    earned = earn(hub, card(), 10_000)
    amount = earn_command(card(), 10_000).purchase.amount
    hub.partner_api().refund_earn(
        RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, amount)
    )
    assert _flags(hub) == []


def _freeze(hub: bootstrap.Hub, member_id: uuid.UUID) -> None:
    with hub.uow_factory() as uow:
        uow.members.set_status(member_id, MemberStatus.FROZEN)
        uow.commit()


def test_a_frozen_accounts_earns_and_burns_are_refused_and_recorded(hub, coffee):
    member = enroll(hub).member_id
    earn(hub, card(), 10_000)
    _freeze(hub, member)
    before = row_counts(hub)
    with pytest.raises(MemberNotActive):
        earn(hub, card(), 1_000)
    with pytest.raises(MemberNotActive):
        authorize(hub, card(), 10)
    after = row_counts(hub)
    assert after.pop("fraud_flags") == before.pop("fraud_flags") + 2
    assert after.pop("fraud_flag_rules") == before.pop("fraud_flag_rules") + 2
    assert after.pop("outbox_events") == before.pop("outbox_events") + 2  # flag_raised only
    assert after == before
    flags = _flags(hub)
    assert [(f["operation"], f["decision"], f["rules"]) for f in flags] == [
        ("earn", "deny", ["frozen_account"]),
        ("authorize", "deny", ["frozen_account"]),
    ]


def test_impossible_travel_between_two_tills_is_flagged(hub, coffee, clock):
    enroll(hub)
    _earn_at(hub, card(), _pos(location=MOSCOW))
    clock.advance(timedelta(minutes=10))
    _earn_at(hub, card(), _pos(location=ST_PETERSBURG))
    (flag,) = _flags(hub)
    assert flag["rules"] == ["impossible_travel"]
    clock.advance(timedelta(hours=5))
    _earn_at(hub, card(), _pos(location=MOSCOW))  # 634 km in 5 h: a train
    assert len(_flags(hub)) == 1


def test_the_store_location_is_kept_with_the_transaction(hub, coffee):
    enroll(hub)
    earned = _earn_at(hub, card(), _pos(location=MOSCOW))
    with hub.engine.connect() as connection:
        row = connection.execute(
            sa.select(transactions.c.latitude, transactions.c.longitude).where(
                transactions.c.id == earned.transaction_id
            )
        ).one()
    assert (row.latitude, row.longitude) == (MOSCOW.latitude, MOSCOW.longitude)


@pytest.fixture
def unchecked(database_url: str, clock: ManualClock):
    from tests.conftest import settings_for

    wired = bootstrap.build(replace(settings_for(database_url), fraud_checks=False), clock=clock)
    yield wired
    wired.close()


def test_with_the_checks_off_nothing_is_flagged_but_frozen_accounts_stay_refused(unchecked):
    hub = unchecked
    add_partner(hub, "coffee")
    add_partner(hub, "fuel")
    member = enroll(hub).member_id
    earn(hub, card(), 100_000, partner_id="fuel")
    assert authorize(hub, card(), 600).status is HoldStatus.PENDING
    assert _flags(hub) == []
    _freeze(hub, member)
    with pytest.raises(MemberNotActive):
        earn(hub, card(), 1_000)
    assert [f["rules"] for f in _flags(hub)] == [["frozen_account"]]


def test_an_authorize_command_names_its_purchase(hub, coffee):
    # The fraud checks see the order id of a refused redemption.
    _thresholds(hub, "coffee", velocity_count=Threshold(None, 1))
    enroll(hub)
    earn_and_hold = authorize_command(card(), 10)
    with pytest.raises(FraudDeclined):
        hub.partner_api().authorize(earn_and_hold)
    assert _flags(hub)[-1]["order_id"] == earn_and_hold.purchase.order_id
