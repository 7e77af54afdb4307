"""Fraud analysts' use cases, on SQLite and on PostgreSQL: the queue, the account view, freeze,
annul, release, decline, resolve, the report and the nightly pass."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from fraud.facts import Operation
from fraud.thresholds import FraudThresholds, Threshold
from fraud.verdicts import Assessment, Decision, RuleCode, Verdict
from hub import bootstrap
from hub.adapters.tables import member_links
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import (
    AmbiguousId,
    FlagAlreadyResolved,
    FlagNotFound,
    FraudDeclined,
    HoldAlreadyCaptured,
    HoldInReview,
    HoldNotFound,
    HoldNotInReview,
    IdempotencyKeyReused,
    InsufficientPoints,
    InvalidAmount,
    InvalidField,
    InvalidPageToken,
    MalformedId,
    MemberAlreadyFrozen,
    MemberNotActive,
    MemberNotFound,
    MemberNotFrozen,
)
from hub.domain.flags import ActionKind, Flag, FlagStatus
from hub.domain.holds import HoldStatus
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.lots import LotStatus
from hub.domain.members import MemberStatus
from hub.domain.money import Money
from hub.domain.short_ids import IdKind
from hub.services import fraud_queue
from hub.services.commands import (
    AnnulPoints,
    Attribution,
    DeclineHold,
    EraseMember,
    FraudReport,
    FreezeMember,
    GetAccount,
    GetMemberTimeline,
    ListFlags,
    PutRule,
    RefundEarn,
    ReleaseHold,
    ResolveFlag,
    ResolveFlags,
    RunNightlyPass,
    UnfreezeMember,
)
from tests.conftest import OPERATOR, START, add_partner, settings_for
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, row_counts

ANALYST = Attribution("spiffe://coalition.hub/staff/analyst/ana", "ticket F-17")


@pytest.fixture
def member(hub, coffee):
    """A member with 500 points earned at coffee (1 point per euro), by card."""
    enrolled = enroll(hub)
    earn(hub, card(), 50_000)
    return enrolled.member_id


def raise_flag(
    hub: bootstrap.Hub,
    member_id: uuid.UUID,
    *,
    partner_id: str = "coffee",
    rules: tuple[tuple[RuleCode, int], ...] = ((RuleCode.MEMBER_VELOCITY_COUNT, 60),),
    hold_id: uuid.UUID | None = None,
    raised_at: datetime | None = None,
    flag_id: uuid.UUID | None = None,
) -> Flag:
    """A flag as the hot path raises it, written through the fraud repository."""
    verdicts = tuple(
        Verdict(rule, Decision.REVIEW, score, "seen in a test") for rule, score in rules
    )
    flag = Flag.raised(
        flag_id or uuid.uuid4(),
        Assessment(verdicts),
        operation=Operation.AUTHORIZE if hold_id else Operation.EARN,
        partner_id=partner_id,
        member_id=member_id,
        points=100,
        now=raised_at or hub.clock.now(),
        hold_id=hold_id,
    )
    with hub.uow_factory() as uow:
        uow.fraud.add_flag(flag)
        uow.commit()
    return flag


def hold_in_review(hub: bootstrap.Hub, points: int = 100, *, partner_id: str = "coffee"):
    """A hold placed normally, then put in review as the fraud checks do."""
    placed = authorize(hub, card(), points, partner_id=partner_id)
    with hub.uow_factory() as uow:
        hold = uow.holds.get_any(placed.hold_id)
        uow.holds.save(replace(hold, status=HoldStatus.IN_REVIEW))
        uow.commit()
    return placed


def audited(hub: bootstrap.Hub, action: str):
    return hub.operator.list_audit(limit=100, action=action)


def actions(hub: bootstrap.Hub, member_id: uuid.UUID):
    return hub.fraud_api().account(GetAccount(member_id)).actions


def assert_unchanged(hub: bootstrap.Hub, counts: dict[str, int]) -> None:
    assert row_counts(hub) == counts


# -- the queue and the account ------------------------------------------------------------


def test_the_queue_lists_open_flags_highest_score_first_then_oldest_in_pages(hub, member, clock):
    low = raise_flag(hub, member, rules=((RuleCode.LINKED_MEMBERS, 50),))
    clock.advance(timedelta(minutes=1))
    high_old = raise_flag(hub, member, rules=((RuleCode.EARN_THEN_BURN, 90),))
    clock.advance(timedelta(minutes=1))
    high_new = raise_flag(hub, member, rules=((RuleCode.EARN_THEN_BURN, 90),))
    resolved = raise_flag(hub, member, rules=((RuleCode.CASHIER_ONE_CARD, 99),))
    hub.fraud_api().resolve_flag(
        ResolveFlag(resolved.id, FlagStatus.FALSE_POSITIVE, changed_by=ANALYST)
    )
    api = hub.fraud_api()
    first = api.list_flags(ListFlags(page_size=2))
    assert [f.flag.id for f in first.flags] == [high_old.id, high_new.id]
    second = api.list_flags(ListFlags(page_size=2, page_token=first.next_page_token))
    assert [f.flag.id for f in second.flags] == [low.id]
    assert second.next_page_token == ""
    everything = api.list_flags(ListFlags(status=None))
    assert everything.flags[0].flag.id == resolved.id
    assert api.list_flags(ListFlags(member_id=uuid.uuid4())).flags == ()
    assert [f.flag.id for f in api.list_flags(ListFlags(FlagStatus.FALSE_POSITIVE)).flags] == [
        resolved.id
    ]


def test_a_flag_reads_back_as_it_was_raised(hub, member):
    raised = raise_flag(
        hub, member, rules=((RuleCode.EARN_THEN_BURN, 60), (RuleCode.LINKED_MEMBERS, 30))
    )
    assert hub.fraud_api().get_flag(raised.id).flag == raised


def test_an_unknown_flag_or_a_forged_page_token_is_refused(hub, member):
    with pytest.raises(FlagNotFound):
        hub.fraud_api().get_flag(uuid.uuid4())
    with pytest.raises(InvalidPageToken):
        hub.fraud_api().list_flags(ListFlags(page_token="bm90IGEgdG9rZW4"))


def test_the_account_view_shows_balances_links_history_lots_holds_flags_and_actions(
    hub, member, clock
):
    add_partner(hub, "fuel")
    earn(hub, card(), 2_000, partner_id="fuel")
    hold = authorize(hub, card(), 100)
    other = enroll(hub, "coffee", card("4000999988887777"))
    with hub.engine.begin() as connection:
        shared = bytes(32)
        connection.execute(
            sa.insert(member_links),
            [
                {"digest": shared, "member_id": member, "kind": "phone"},
                {"digest": shared, "member_id": other.member_id, "kind": "phone"},
            ],
        )
    flag = raise_flag(hub, member)
    hub.fraud_api().freeze(FreezeMember(member, flag.id, changed_by=ANALYST))
    view = hub.fraud_api().account(GetAccount(member))
    assert view.member.status is MemberStatus.FROZEN
    assert view.member.identifier_kinds
    assert view.enrolled_by == "coffee"
    assert (view.available_points, view.pending_points, view.debt_points) == (420, 0, 0)
    assert view.linked_member_ids == (other.member_id,)
    assert [t.kind for t in view.transactions] == [
        TransactionKind.HOLD,
        TransactionKind.EARN,
        TransactionKind.EARN,
    ]
    assert {t.partner_id for t in view.transactions} == {"coffee", "fuel"}
    assert len(view.lots) == 2
    assert [h.id for h in view.holds] == [hold.hold_id]
    assert [f.id for f in view.flags] == [flag.id]
    assert [(a.action, a.flag_id, a.actor) for a in view.actions] == [
        (ActionKind.FREEZE, flag.id, ANALYST.actor)
    ]


# -- freeze and unfreeze --------------------------------------------------------------------


def test_a_frozen_member_can_neither_earn_nor_redeem_until_unfrozen(hub, member):
    api = hub.fraud_api()
    assert api.freeze(FreezeMember(member, changed_by=ANALYST)).status is MemberStatus.FROZEN
    with pytest.raises(MemberNotActive):
        earn(hub, card(), 1_000)
    with pytest.raises(MemberNotActive):
        authorize(hub, card(), 100)
    assert api.unfreeze(UnfreezeMember(member, changed_by=ANALYST)).status is MemberStatus.ACTIVE
    earn(hub, card(), 1_000)
    assert balance(hub, card()).available_points == 510
    assert [a.action for a in actions(hub, member)] == [ActionKind.FREEZE, ActionKind.UNFREEZE]
    for name in ("member.freeze", "member.unfreeze"):
        (record,) = audited(hub, name)
        assert (record.event.actor, record.event.reason) == (ANALYST.actor, ANALYST.reason)
        assert record.event.target == f"member:{member}"


def test_freezing_twice_or_unfreezing_an_active_member_is_refused_with_nothing_written(hub, member):
    api = hub.fraud_api()
    counts = row_counts(hub)
    with pytest.raises(MemberNotFrozen):
        api.unfreeze(UnfreezeMember(member, changed_by=ANALYST))
    assert_unchanged(hub, counts)
    api.freeze(FreezeMember(member, changed_by=ANALYST))
    counts = row_counts(hub)
    with pytest.raises(MemberAlreadyFrozen):
        api.freeze(FreezeMember(member, changed_by=ANALYST))
    assert_unchanged(hub, counts)


def test_an_erased_member_is_neither_frozen_nor_unfrozen(hub, member):
    hub.erase_member(EraseMember(member, changed_by=OPERATOR))
    counts = row_counts(hub)
    with pytest.raises(MemberNotActive):
        hub.fraud_api().freeze(FreezeMember(member, changed_by=ANALYST))
    with pytest.raises(MemberNotActive):
        hub.fraud_api().unfreeze(UnfreezeMember(member, changed_by=ANALYST))
    assert_unchanged(hub, counts)


def test_an_action_naming_an_unknown_flag_or_without_a_reason_writes_nothing(hub, member):
    counts = row_counts(hub)
    with pytest.raises(FlagNotFound):
        hub.fraud_api().freeze(FreezeMember(member, uuid.uuid4(), changed_by=ANALYST))
    with pytest.raises(InvalidField):
        hub.fraud_api().freeze(FreezeMember(member, changed_by=Attribution(ANALYST.actor, " ")))
    assert_unchanged(hub, counts)
    assert hub.fraud_api().account(GetAccount(member)).member.status is MemberStatus.ACTIVE


def test_an_unknown_member_is_not_found_with_nothing_written(hub, member):
    counts = row_counts(hub)
    nobody = uuid.uuid4()
    with pytest.raises(MemberNotFound):
        hub.fraud_api().freeze(FreezeMember(nobody, changed_by=ANALYST))
    with pytest.raises(MemberNotFound):
        annul(hub, nobody)
    with pytest.raises(MemberNotFound):
        hub.fraud_api().account(GetAccount(nobody))
    assert_unchanged(hub, counts)


def test_an_action_naming_another_members_flag_is_refused(hub, member):
    other = enroll(hub, "coffee", card("4000999988887777"))
    flag = raise_flag(hub, other.member_id)
    with pytest.raises(InvalidField):
        hub.fraud_api().freeze(FreezeMember(member, flag.id, changed_by=ANALYST))


# -- annulment ------------------------------------------------------------------------------


def annul(hub, member_id, points=None, *, key=None, flag_id=None):
    command = AnnulPoints(key or uuid.uuid4().hex, member_id, points, flag_id, changed_by=ANALYST)
    return hub.fraud_api().annul(command)


def test_an_annulment_takes_the_newest_points_and_keeps_the_ledger_consistent(hub, member, clock):
    add_partner(hub, "fuel")
    clock.advance(timedelta(hours=1))
    earn(hub, card(), 20_000, partner_id="fuel")  # the newest: 200 points from fuel
    flag = raise_flag(hub, member, partner_id="fuel")
    annulled = annul(hub, member, 250, flag_id=flag.id)
    assert annulled.points == 250
    assert annulled.points_by_partner == (("coffee", 50), ("fuel", 200))
    assert balance(hub, card()).available_points == 450
    assert hub.operator.verify_ledger().violations == ()
    (action,) = actions(hub, member)
    assert (action.action, action.points, action.transaction_id, action.flag_id) == (
        ActionKind.ANNUL,
        250,
        annulled.transaction_id,
        flag.id,
    )
    (record,) = audited(hub, "member.annul")
    assert record.event.details["points"] == 250
    assert record.event.details["issued_by"] == "coffee:50,fuel:200"
    assert record.event.details["flag_id"] == str(flag.id)


def test_annulling_everything_leaves_held_points_to_their_hold(hub, member):
    hold = authorize(hub, card(), 100)
    assert annul(hub, member).points == 400
    assert (balance(hub, card()).available_points, balance(hub, card()).held_points) == (0, 100)
    assert capture(hub, hold.hold_id).captured_points == 100
    assert hub.operator.verify_ledger().violations == ()


def test_pending_points_are_annulled_from_the_pending_account(hub, member, clock):
    add_partner(hub, "air", pending_period_s=86_400)
    earn(hub, card(), 30_000, partner_id="air")
    assert annul(hub, member, 350).points_by_partner == (("air", 300), ("coffee", 50))
    after = balance(hub, card())
    assert (after.available_points, after.pending_points) == (450, 0)
    lots = hub.fraud_api().account(GetAccount(member)).lots
    assert {lot.status for lot in lots if lot.partner_id == "air"} == {LotStatus.PENDING}
    assert hub.operator.verify_ledger().violations == ()
    clock.advance(timedelta(days=2))
    hub.operator.sweep()  # the emptied pending lot matures without moving any points
    assert hub.operator.verify_ledger().violations == ()


def test_refunding_an_annulled_earn_takes_the_points_back_from_the_adjustments(hub, member):
    # The points are already off the member's balance: the refund must not charge them again.
    earned = earn(hub, card(), 20_000)
    annul(hub, member, 200)
    amount = Money(20_000, currency("EUR"))
    refund = RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, amount)
    refunded = hub.partner_api().refund_earn(refund)
    assert (refunded.points_reversed, refunded.debt_points) == (200, 0)
    after = balance(hub, card())
    assert (after.available_points, after.debt_points) == (500, 0)
    assert hub.operator.verify_ledger().violations == ()


def test_an_annulment_replays_for_its_key_and_refuses_the_key_for_another_request(hub, member):
    key = uuid.uuid4().hex
    first = annul(hub, member, 100, key=key)
    counts = row_counts(hub)
    assert annul(hub, member, 100, key=key) == first
    assert_unchanged(hub, counts)
    with pytest.raises(IdempotencyKeyReused):
        annul(hub, member, 50, key=key)
    assert_unchanged(hub, counts)
    assert balance(hub, card()).available_points == 400


@pytest.mark.parametrize(
    ("points", "error"),
    [(501, InsufficientPoints), (0, InvalidAmount), (-3, InvalidAmount)],
)
def test_an_impossible_annulment_is_refused_with_nothing_written(hub, member, points, error):
    counts = row_counts(hub)
    with pytest.raises(error):
        annul(hub, member, points)
    assert_unchanged(hub, counts)


def test_a_member_with_nothing_unreserved_has_nothing_to_annul(hub, member):
    authorize(hub, card(), 500)
    counts = row_counts(hub)
    with pytest.raises(InsufficientPoints):
        annul(hub, member)
    assert_unchanged(hub, counts)


# -- holds in review ------------------------------------------------------------------------


def test_a_released_hold_can_be_captured(hub, member, clock):
    held = hold_in_review(hub)
    with pytest.raises(HoldInReview):
        capture(hub, held.hold_id)
    clock.advance(timedelta(minutes=10))
    flag = raise_flag(hub, member, hold_id=held.hold_id)
    released = hub.fraud_api().release_hold(ReleaseHold(held.hold_id, flag.id, changed_by=ANALYST))
    assert released.status is HoldStatus.PENDING
    assert released.expires_at == clock.now() + timedelta(minutes=15)
    assert capture(hub, held.hold_id).captured_points == 100
    (action,) = actions(hub, member)
    assert (action.action, action.hold_id, action.flag_id) == (
        ActionKind.RELEASE,
        held.hold_id,
        flag.id,
    )
    (record,) = audited(hub, "hold.release")
    assert record.event.target == f"hold:{held.hold_id}"


def test_a_declined_hold_gives_the_points_back_and_its_capture_is_fraud_declined(hub, member):
    held = hold_in_review(hub, 300)
    assert balance(hub, card()).available_points == 200
    declined = hub.fraud_api().decline_hold(DeclineHold(held.hold_id, changed_by=ANALYST))
    assert declined.status is HoldStatus.DECLINED
    assert balance(hub, card()).available_points == 500
    with pytest.raises(FraudDeclined):
        capture(hub, held.hold_id)
    (action,) = actions(hub, member)
    assert (action.action, action.points) == (ActionKind.DECLINE, 300)
    assert action.transaction_id is not None
    assert len(audited(hub, "hold.decline")) == 1
    assert hub.operator.verify_ledger().violations == ()


def test_a_hold_not_in_review_is_not_released(hub, member):
    pending = authorize(hub, card(), 100)
    counts = row_counts(hub)
    with pytest.raises(HoldNotInReview):
        hub.fraud_api().release_hold(ReleaseHold(pending.hold_id, changed_by=ANALYST))
    assert_unchanged(hub, counts)


def test_a_pending_hold_can_be_declined_too(hub, member):
    # The fraud checks did not hold it, but the analyst found the account taken over.
    pending = authorize(hub, card(), 100)
    declined = hub.fraud_api().decline_hold(DeclineHold(pending.hold_id, changed_by=ANALYST))
    assert declined.status is HoldStatus.DECLINED
    assert balance(hub, card()).available_points == 500
    with pytest.raises(FraudDeclined):
        capture(hub, pending.hold_id)


def test_a_resolved_hold_is_not_declined(hub, member):
    captured = authorize(hub, card(), 100)
    capture(hub, captured.hold_id)
    counts = row_counts(hub)
    with pytest.raises(HoldAlreadyCaptured):
        hub.fraud_api().decline_hold(DeclineHold(captured.hold_id, changed_by=ANALYST))
    assert_unchanged(hub, counts)


def test_an_unknown_hold_is_not_found(hub, member):
    counts = row_counts(hub)
    with pytest.raises(HoldNotFound):
        hub.fraud_api().release_hold(ReleaseHold(uuid.uuid4(), changed_by=ANALYST))
    with pytest.raises(HoldNotFound):
        hub.fraud_api().decline_hold(DeclineHold(uuid.uuid4(), changed_by=ANALYST))
    assert_unchanged(hub, counts)


# -- resolving ------------------------------------------------------------------------------


def test_a_flag_is_resolved_once_with_the_analysts_note(hub, member, clock):
    flag = raise_flag(hub, member)
    resolved = hub.fraud_api().resolve_flag(
        ResolveFlag(flag.id, FlagStatus.CONFIRMED, changed_by=ANALYST)
    )
    assert (resolved.status, resolved.resolved_by, resolved.note, resolved.resolved_at) == (
        FlagStatus.CONFIRMED,
        ANALYST.actor,
        ANALYST.reason,
        clock.now(),
    )
    assert hub.fraud_api().get_flag(flag.id).flag == resolved
    counts = row_counts(hub)
    with pytest.raises(FlagAlreadyResolved):
        hub.fraud_api().resolve_flag(
            ResolveFlag(flag.id, FlagStatus.FALSE_POSITIVE, changed_by=ANALYST)
        )
    with pytest.raises(FlagNotFound):
        hub.fraud_api().resolve_flag(
            ResolveFlag(uuid.uuid4(), FlagStatus.CONFIRMED, changed_by=ANALYST)
        )
    assert_unchanged(hub, counts)
    (action,) = actions(hub, member)
    assert (action.action, action.flag_id) == (ActionKind.RESOLVE, flag.id)
    (record,) = audited(hub, "flag.resolve")
    assert record.event.details["resolution"] == "confirmed"


# -- the report -----------------------------------------------------------------------------


def test_the_report_counts_flags_per_partner_and_rule_with_the_points_annulled(hub, member, clock):
    add_partner(hub, "fuel")
    both = raise_flag(
        hub, member, rules=((RuleCode.EARN_THEN_BURN, 60), (RuleCode.LINKED_MEMBERS, 30))
    )
    raise_flag(hub, member, rules=((RuleCode.EARN_THEN_BURN, 60),))
    raise_flag(hub, member, partner_id="fuel", rules=((RuleCode.EARN_THEN_BURN, 60),))
    api = hub.fraud_api()
    api.resolve_flag(ResolveFlag(both.id, FlagStatus.CONFIRMED, changed_by=ANALYST))
    annul(hub, member, 120, flag_id=both.id)
    clock.advance(timedelta(days=1))
    raise_flag(hub, member)  # the next day: not in the first day's lines
    today = START.date()
    lines = api.report(FraudReport(today)).lines
    assert [
        (x.partner_id, x.rule, x.raised, x.confirmed, x.open, x.points_annulled) for x in lines
    ] == [
        ("coffee", "earn_then_burn", 2, 1, 1, 120),
        ("coffee", "linked_members", 1, 1, 0, 120),
        ("fuel", "earn_then_burn", 1, 0, 1, 0),
    ]
    two_days = api.report(FraudReport(today, 2)).lines
    assert [(x.date, x.rule) for x in two_days][-1] == (
        today + timedelta(days=1),
        "member_velocity_count",
    )


@pytest.mark.parametrize("days", [0, 93])
def test_a_report_over_no_days_or_too_many_is_refused(hub, days):
    with pytest.raises(InvalidField):
        hub.fraud_api().report(FraudReport(date(2026, 11, 1), days))


# -- the nightly pass -----------------------------------------------------------------------


def test_the_nightly_pass_finds_slow_farming_and_a_dormant_burn_once(hub, coffee, clock):
    thresholds = FraudThresholds(
        farming_days=7, farming_min_active_days=5, farming_earns=Threshold(10)
    )
    hub.operator.put_rule(PutRule("", thresholds, changed_by=OPERATOR))
    sleeper = enroll(hub, "coffee", card("4000555566667777"))
    earn(hub, card("4000555566667777"), 200_000)  # 2000 points, then silence
    farmer = enroll(hub)
    clock.advance(timedelta(days=200))
    for _ in range(7):
        for _ in range(2):
            earn(hub, card(), 1_000)
            clock.advance(timedelta(hours=3))
        clock.advance(timedelta(hours=18))
    business_date = (clock.now() - timedelta(hours=1)).date()
    authorize(hub, card("4000555566667777"), 1_900)
    clock.advance(timedelta(days=1))
    day = clock.now().date() - timedelta(days=1)
    assert day == business_date
    api = hub.fraud_api()
    first = api.nightly_pass(RunNightlyPass(day))
    assert (first.flags_raised, first.farming, first.dormant_burns) == (2, 1, 1)
    flags = {f.flag.verdicts[0].rule: f.flag for f in api.list_flags(ListFlags()).flags}
    assert flags[RuleCode.SLOW_FARMING].member_id == farmer.member_id
    assert flags[RuleCode.SLOW_FARMING].operation is Operation.NIGHTLY
    assert flags[RuleCode.DORMANT_BURN].member_id == sleeper.member_id
    assert flags[RuleCode.DORMANT_BURN].points == 1_900
    assert flags[RuleCode.DORMANT_BURN].dedupe_key == (
        f"dormant_burn:{sleeper.member_id}:coffee:{day.isoformat()}"
    )
    counts = row_counts(hub)
    again = api.nightly_pass(RunNightlyPass(day))
    assert (again.flags_raised, again.farming, again.dormant_burns) == (0, 1, 1)
    assert_unchanged(hub, counts)


def test_the_nightly_pass_leaves_ordinary_members_alone(hub, member, clock):
    earn(hub, card(), 1_000)
    authorize(hub, card(), 100)
    clock.advance(timedelta(days=1))
    done = hub.fraud_api().nightly_pass(RunNightlyPass(START.date()))
    assert (done.flags_raised, done.farming, done.dormant_burns) == (0, 0, 0)


@pytest.fixture
def pg_hub(pg_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    """PostgreSQL only: SQLite has one writer at a time, so there is no race to decide."""
    wired = bootstrap.build(settings_for(pg_url), clock=clock)
    yield wired
    wired.close()


@pytest.mark.postgres
def test_two_passes_racing_on_one_nightly_flag_record_it_once(pg_hub):
    hub = pg_hub
    add_partner(hub, "coffee")
    member = enroll(hub).member_id
    verdict = Verdict(RuleCode.DORMANT_BURN, Decision.REVIEW, 60, "racing")

    def nightly() -> Flag:
        return Flag.raised(
            uuid.uuid4(),
            Assessment((verdict,)),
            operation=Operation.NIGHTLY,
            partner_id="coffee",
            member_id=member,
            points=1,
            now=hub.clock.now(),
            dedupe_key=f"dormant_burn:{member}:coffee:2026-11-21",
        )

    results: list[bool] = []
    with hub.uow_factory() as first:
        assert first.reviews.add_nightly_flag(nightly())

        def second() -> None:
            with hub.uow_factory() as uow:
                results.append(uow.reviews.add_nightly_flag(nightly()))
                uow.commit()

        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second insert waits for the first to commit"
        first.commit()
    racer.join(timeout=10)
    assert results == [False]
    assert len(hub.fraud_api().list_flags(ListFlags()).flags) == 1


# -- bulk resolution, short ids and the timeline ---------------------------------------------


def test_a_bulk_resolution_resolves_at_most_its_limit_oldest_first_and_says_more_remain(
    hub, member, clock, monkeypatch
):
    monkeypatch.setattr(fraud_queue, "BULK_RESOLVE_MAX", 2)
    raised = []
    for _ in range(3):
        raised.append(raise_flag(hub, member))
        clock.advance(timedelta(seconds=1))
    command = ResolveFlags(member, None, FlagStatus.CONFIRMED, changed_by=ANALYST)
    first = hub.fraud_api().resolve_flags(command)
    assert (first.flag_ids, first.more) == ((raised[0].id, raised[1].id), True)
    second = hub.fraud_api().resolve_flags(command)
    assert (second.flag_ids, second.more) == ((raised[2].id,), False)
    assert [r.event.details["flags"] for r in audited(hub, "flags.resolve")] == [1, 2]


def test_a_bulk_resolution_that_matches_nothing_changes_and_audits_nothing(hub, member):
    before = row_counts(hub)
    command = ResolveFlags(None, "earn_then_burn", FlagStatus.CONFIRMED, changed_by=ANALYST)
    assert hub.fraud_api().resolve_flags(command).flag_ids == ()
    assert_unchanged(hub, before)


def test_a_bulk_resolution_names_one_member_or_one_rule(hub, member):
    for member_id, rule in ((None, None), (member, "earn_then_burn")):
        with pytest.raises(InvalidField):
            hub.fraud_api().resolve_flags(
                ResolveFlags(member_id, rule, FlagStatus.CONFIRMED, changed_by=ANALYST)
            )


def test_a_whole_id_resolves_to_itself_without_a_read_and_a_prefix_to_its_one_id(hub, member):
    resolve = hub.fraud_api().resolve_id
    assert resolve(str(member), IdKind.MEMBER, field="member_id") == member
    assert resolve(member.hex[:16], IdKind.MEMBER, field="member_id") == member
    with pytest.raises(MalformedId):
        resolve(member.hex[:7], IdKind.MEMBER, field="member_id")
    with pytest.raises(MemberNotFound):
        resolve("f" * 12, IdKind.MEMBER, field="member_id")


def test_a_prefix_two_flags_share_is_ambiguous(hub, member):
    first, second = (raise_flag(hub, member, flag_id=new_id()).id.hex for _ in range(2))
    # UUIDv7 ids made in the same weeks share at least their first 8 digits.
    assert first[:8] == second[:8]
    with pytest.raises(AmbiguousId) as caught:
        hub.fraud_api().resolve_id(first[:8], IdKind.FLAG, field="flag_id")
    assert (caught.value.reason, caught.value.metadata["field"]) == ("AMBIGUOUS_ID", "flag_id")


def test_a_timeline_read_a_page_at_a_time_is_the_timeline_read_at_once(hub, member, clock):
    placed = hold_in_review(hub)
    flag = raise_flag(hub, member, hold_id=placed.hold_id)
    hub.fraud_api().freeze(FreezeMember(member, flag.id, changed_by=ANALYST))
    clock.advance(timedelta(minutes=5))
    hub.fraud_api().decline_hold(DeclineHold(placed.hold_id, changed_by=ANALYST))
    whole = hub.fraud_api().timeline(GetMemberTimeline(member, page_size=500))
    paged, token = [], ""
    while True:
        page = hub.fraud_api().timeline(GetMemberTimeline(member, 1, token))
        paged += page.entries
        token = page.next_page_token
        if not token:
            break
    assert [e.cursor() for e in paged] == [e.cursor() for e in whole.entries]
    assert whole.next_page_token == ""
    kinds = [e.kind.value for e in whole.entries]
    assert kinds[:2] == ["action", "transaction"]  # the decline and its void, newest first
    held = next(e.item for e in whole.entries if e.kind.value == "hold")
    assert held.status is HoldStatus.DECLINED
