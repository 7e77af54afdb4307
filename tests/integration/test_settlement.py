"""Settlement runs on both stores: hand-computed days, locking, ordering, statements.

The scenario (times UTC, the coalition's zone; cutoff midnight):

day 1, 2026-11-22
  10:00  coffee earn EUR 100 with a coalition-funded double-points campaign: 200 points
         (100 funded by coffee at 0.01, 100 by the coalition)
  10:01  fuel earn EUR 50 at 2 points per euro: 100 points at issue price 0.01234
  12:30  fuel earn EUR 25 after fuel's rate change at 12:00: 50 points at 0.02
  13:00  air (USD) authorizes and captures 250 points: 200 from coffee's lot, 50 from fuel's
         first lot (lots are used oldest first when none expires)
  23:55  coffee authorizes 30 points (from fuel's first lot)
day 2, 2026-11-23
  00:05  coffee captures the 30 points held before the cutoff
  09:00  fuel refunds EUR 25 of its first earn: 50 points (20 left in the lot, 30 as debt)
  09:05  air refunds 50 points of its day-1 capture: they go back to fuel's first lot

Fuel rounds half-even, the others floor; values are in EUR minor units.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import settlement_runs, settlement_statements
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import (
    BusinessDayOpen,
    EarlierDayUnsettled,
    SettlementNotFound,
    SigningKeyMissing,
)
from hub.domain.money import Money, Rounding
from hub.domain.rules import Campaign, Funder, WelcomeBonus
from hub.services.commands import (
    Attribution,
    GetStatement,
    PutRule,
    RefundEarn,
    RefundRedemption,
    RunSettlement,
    SetRate,
)
from hub.services.results import SettlementRunView
from settlement.model import CLEARING_ACCOUNT, MatrixCell, OutstandingGroup, Transfer, Valued
from settlement.signing import verify
from tests.conftest import OPERATOR, START, add_partner, later, rates, settings_for
from tests.integration.helpers import (
    authorize,
    capture,
    card,
    earn,
    enroll,
    row_counts,
)

DAY_1, DAY_2 = date(2026, 11, 22), date(2026, 11, 23)
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    # The scenario earns and burns at three partners within minutes, which the fraud checks
    # would rightly hold for review; settlement is what is under test here.
    settings = replace(settings_for(database_url), fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.ok, report.violations


def at(clock: ManualClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def run(hub: bootstrap.Hub, day: date, by: Attribution = OFFICER) -> SettlementRunView:
    return hub.settlement_api().run(RunSettlement(day, by))


@pytest.fixture
def two_days(hub: bootstrap.Hub, clock: ManualClock) -> None:
    add_partner(hub, "coffee")
    add_partner(
        hub,
        "fuel",
        rates=rates(earn_rate="2", issue="0.01234", redemption="0.008"),
        rounding=Rounding.HALF_EVEN,
    )
    add_partner(hub, "air", currency="USD", rates=rates(issue="0.015", redemption="0.01"))
    campaign = Campaign(
        label="Coalition double points",
        starts_at=START,
        multiplier=Decimal(2),
        partner_id="coffee",
        funder=Funder.COALITION,
    )
    hub.operator.put_rule(PutRule("coalition-double", campaign, changed_by=OPERATOR))
    member = enroll(hub).member_id
    assert earn(hub, member, 10_000).points == 200
    clock.advance(timedelta(minutes=1))
    fuel_earn = earn(hub, member, 5_000, partner_id="fuel")
    new_rate = rates(earn_rate="2", issue="0.02", redemption="0.008")
    when = START + timedelta(hours=2)
    hub.operator.set_rate(SetRate("fuel", new_rate, when, changed_by=OPERATOR))
    at(clock, START + timedelta(hours=2, minutes=30))
    earn(hub, member, 2_500, partner_id="fuel")
    at(clock, START + timedelta(hours=3))
    air_hold = authorize(hub, member, 250, partner_id="air", currency_code="USD")
    capture(hub, air_hold.hold_id, partner_id="air")
    at(clock, datetime(2026, 11, 22, 23, 55, tzinfo=UTC))
    coffee_hold = authorize(hub, member, 30)
    at(clock, datetime(2026, 11, 23, 0, 5, tzinfo=UTC))
    capture(hub, coffee_hold.hold_id)
    at(clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    euros = Money(2_500, currency("EUR"))
    refund = RefundEarn("fuel", uuid.uuid4().hex, fuel_earn.transaction_id, euros)
    hub.partner_api().refund_earn(refund)
    clock.advance(timedelta(minutes=5))
    hub.partner_api().refund_redemption(
        RefundRedemption("air", uuid.uuid4().hex, air_hold.hold_id, 50)
    )
    # Both days are over, and so is the grace for operations in flight.
    at(clock, datetime(2026, 11, 24, 0, 10, tzinfo=UTC))


def figures(view: SettlementRunView, partner_id: str) -> dict[str, object]:
    partner = view.settlement.partner(partner_id)
    return {
        "issued": partner.issued_partner_funded,
        "campaign": partner.issued_coalition_funded,
        "redeemed": partner.redeemed,
        "net": partner.net_position_minor,
        "outstanding": partner.outstanding,
    }


@pytest.mark.usefixtures("two_days")
def test_the_first_day_settles_to_the_hand_computed_figures(hub: bootstrap.Hub) -> None:
    day = run(hub, DAY_1)

    assert figures(day, "coffee") == {
        "issued": Valued(100, 100),
        "campaign": Valued(100, 100),
        "redeemed": Valued(0, 0),
        "net": -100,
        "outstanding": Valued(0, 0),
    }
    # 100 x 0.01234 = 123.4 and 50 x 0.02 = 100, rounded half-even per price.
    assert figures(day, "fuel") == {
        "issued": Valued(150, 223),
        "campaign": Valued(0, 0),
        "redeemed": Valued(0, 0),
        "net": -223,
        # Fuel's first lot keeps 50 (30 of them held by coffee): 50 x 0.01234 = 61.7.
        "outstanding": Valued(100, 162),
    }
    assert figures(day, "air")["redeemed"] == Valued(250, 250)
    assert day.settlement.matrix == (
        MatrixCell("coffee", "air", 200, 200, 200),
        MatrixCell("fuel", "air", 50, 50, 62),
    )
    assert day.settlement.margin_minor == 100 + 223 - 250
    assert day.settlement.transfers == (
        Transfer(CLEARING_ACCOUNT, "air", 250),
        Transfer("coffee", CLEARING_ACCOUNT, 100),
        Transfer("fuel", CLEARING_ACCOUNT, 223),
    )
    assert day.settlement.outstanding == (
        OutstandingGroup("fuel", Decimal("0.01234"), 50),
        OutstandingGroup("fuel", Decimal("0.02"), 50),
    )
    assert day.settlement.transaction_count == 6
    assert day.settlement.adjustments == ()
    assert (day.window_start, day.run_by) == (None, OFFICER.actor)


@pytest.mark.usefixtures("two_days")
def test_the_second_day_counts_the_late_capture_and_lists_refunds_of_the_first(
    hub: bootstrap.Hub,
) -> None:
    first = run(hub, DAY_1)
    day = run(hub, DAY_2)

    assert day.window_start == first.window_end
    assert figures(day, "coffee")["redeemed"] == Valued(30, 27)
    # The refund gives fuel back 50 x 0.01234 = 61.7, rounded half-even.
    assert figures(day, "fuel")["issued"] == Valued(-50, -62)
    assert figures(day, "air")["redeemed"] == Valued(-50, -50)
    assert [p.net_position_minor for p in day.settlement.partners] == [-50, 27, 62]
    assert day.settlement.margin_minor == -39
    assert day.settlement.matrix == (
        MatrixCell("fuel", "air", -50, -50, -62),
        MatrixCell("fuel", "coffee", 30, 27, 37),
    )
    assert day.settlement.transfers == (
        Transfer("air", CLEARING_ACCOUNT, 50),
        Transfer(CLEARING_ACCOUNT, "coffee", 27),
        Transfer(CLEARING_ACCOUNT, "fuel", 62),
    )
    adjustments = [(a.partner_id, a.kind, a.points, a.price) for a in day.settlement.adjustments]
    assert adjustments == [
        ("air", "refund_redemption", -50, Decimal("0.01")),
        ("fuel", "refund_earn", -50, Decimal("0.01234")),
    ]
    assert all(a.related_at.date() == DAY_1 for a in day.settlement.adjustments)
    # Lot 1: 50 - 30 captured - 20 reversed + 50 refunded; lot 2: 50 - 30 that its earn's
    # refund found spent, paid out of the member's other points at once.
    assert figures(day, "fuel")["outstanding"] == Valued(70, 102)


@pytest.mark.usefixtures("two_days")
def test_net_positions_sum_to_minus_the_margin_every_day(hub: bootstrap.Hub) -> None:
    for day in (run(hub, DAY_1), run(hub, DAY_2)):
        positions = sum(p.net_position_minor for p in day.settlement.partners)
        transfers_in = sum(
            t.amount_minor for t in day.settlement.transfers if t.to_account == CLEARING_ACCOUNT
        )
        transfers_out = sum(
            t.amount_minor for t in day.settlement.transfers if t.from_account == CLEARING_ACCOUNT
        )
        assert positions == -day.settlement.margin_minor
        assert transfers_in - transfers_out == day.settlement.margin_minor


@pytest.mark.usefixtures("two_days")
def test_running_a_settled_day_again_returns_the_same_bytes(hub: bootstrap.Hub) -> None:
    first = run(hub, DAY_1)
    again = run(hub, DAY_1, Attribution("cli:someone-else", "again"))
    statement = GetStatement(DAY_1, "fuel")

    assert again.summary_json == first.summary_json
    assert again.summary_signature == first.summary_signature
    assert again.run_by == OFFICER.actor
    assert hub.settlement_api().statement(statement) == hub.settlement_api().statement(statement)
    with hub.engine.connect() as connection:
        runs = connection.execute(sa.select(sa.func.count()).select_from(settlement_runs))
        assert runs.scalar_one() == 1


@pytest.mark.usefixtures("two_days")
def test_an_operation_after_a_day_is_settled_lands_in_a_later_day(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    first = run(hub, DAY_1)
    # What arrives now belongs to today, whatever it refers to: day 1 stays as signed.
    earned = earn(hub, enroll(hub, "coffee", card("4000999988887777")).member_id, 1_000)

    assert run(hub, DAY_1).summary_json == first.summary_json
    at(clock, datetime(2026, 11, 25, 0, 10, tzinfo=UTC))
    run(hub, DAY_2)
    third = run(hub, date(2026, 11, 24))
    coffee = third.settlement.partner("coffee")
    issued = coffee.issued_partner_funded.points + coffee.issued_coalition_funded.points
    assert issued == earned.points


@pytest.mark.usefixtures("two_days")
def test_statements_verify_with_the_hubs_public_key(hub: bootstrap.Hub) -> None:
    day = run(hub, DAY_1)
    key = hub.settlement_api().signing_key()
    statement = hub.settlement_api().statement(GetStatement(DAY_1, "air"))

    verify(statement.json, statement.json_signature, key.public_key_pem)
    verify(statement.csv, statement.csv_signature, key.public_key_pem)
    verify(day.summary_json, day.summary_signature, key.public_key_pem)
    assert statement.signing_key_id == key.key_id == day.signing_key_id
    assert json.loads(statement.json)["partner_id"] == "air"


@pytest.mark.usefixtures("two_days")
def test_settling_a_day_before_its_cutoff_and_grace_is_refused(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    before = row_counts(hub)

    with pytest.raises(BusinessDayOpen):
        run(hub, date(2026, 11, 24))
    assert row_counts(hub) == before


@pytest.mark.usefixtures("two_days")
def test_a_day_after_an_unsettled_one_is_refused(hub: bootstrap.Hub, clock: ManualClock) -> None:
    run(hub, DAY_1)
    at_least = row_counts(hub)
    clock.advance(timedelta(days=2))

    with pytest.raises(EarlierDayUnsettled, match="2026-11-23"):
        run(hub, date(2026, 11, 24))
    assert row_counts(hub) == at_least


@pytest.mark.usefixtures("two_days")
def test_a_day_before_the_first_settled_one_is_not_found(hub: bootstrap.Hub) -> None:
    run(hub, DAY_2)

    with pytest.raises(SettlementNotFound, match="precedes the first settled day"):
        run(hub, DAY_1)


@pytest.mark.usefixtures("two_days")
def test_settling_what_is_due_settles_every_closed_day_in_order(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    run(hub, DAY_1)
    clock.advance(timedelta(days=2))

    settled = hub.settlement_api().run_due(OFFICER)

    assert [view.business_date for view in settled] == [
        DAY_2,
        date(2026, 11, 24),
        date(2026, 11, 25),
    ]
    assert hub.settlement_api().run_due(OFFICER) == []


@pytest.mark.usefixtures("two_days")
def test_an_unsettled_day_and_its_statement_are_not_found(hub: bootstrap.Hub) -> None:
    with pytest.raises(SettlementNotFound):
        hub.settlement_api().get(DAY_1)
    run(hub, DAY_1)
    with pytest.raises(SettlementNotFound, match="no statement"):
        hub.settlement_api().statement(GetStatement(DAY_1, "nobody"))


@pytest.mark.usefixtures("two_days")
def test_liabilities_are_the_outstanding_points_per_issuer(hub: bootstrap.Hub) -> None:
    run(hub, DAY_1)

    view = hub.settlement_api().liabilities(None)

    assert (view.business_date, view.currency) == (DAY_1, "EUR")
    assert view.liabilities == (("fuel", Valued(100, 162)),)


def test_a_hub_without_a_signing_key_refuses_to_settle(
    database_url: str, clock: ManualClock
) -> None:
    keyless = bootstrap.build(replace(settings_for(database_url), signing_key_hex=""), clock=clock)
    try:
        before = row_counts(keyless)
        with pytest.raises(SigningKeyMissing):
            keyless.settlement_api().run(RunSettlement(date(2026, 11, 1), OFFICER))
        with pytest.raises(SigningKeyMissing):
            keyless.settlement_api().signing_key()
        assert row_counts(keyless) == before
    finally:
        keyless.close()


@pytest.mark.usefixtures("two_days")
def test_the_run_is_audited(hub: bootstrap.Hub) -> None:
    run(hub, DAY_1)

    records = hub.operator.list_audit(limit=5, action="settlement.run")

    assert [(r.event.actor, r.event.target) for r in records] == [
        (OFFICER.actor, "settlement:2026-11-22")
    ]


def test_statements_are_stored_for_every_partner(hub: bootstrap.Hub, clock: ManualClock) -> None:
    for partner_id in ("coffee", "fuel"):
        add_partner(hub, partner_id)
    clock.advance(timedelta(days=1))
    run(hub, DAY_1)

    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(settlement_statements.c.partner_id)).scalars()
        assert sorted(stored) == ["coffee", "fuel"]


def test_bonus_points_are_valued_at_the_issue_price_in_force_when_granted(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    add_partner(hub, "coffee", rates=rates(issue="0.02"))
    welcome = WelcomeBonus(points=50, funder=Funder.PARTNER)
    hub.operator.put_rule(PutRule("welcome", welcome, changed_by=OPERATOR))
    enroll(hub)
    new_price = rates(issue="0.05")
    hub.operator.set_rate(SetRate("coffee", new_price, later(clock, 60), changed_by=OPERATOR))
    clock.advance(timedelta(days=1))

    coffee = run(hub, DAY_1).settlement.partner("coffee")

    # The bonus stores no rate: it is valued at 0.02, in force when it was granted.
    assert coffee.issued_partner_funded == Valued(50, 100)
    assert coffee.outstanding == Valued(50, 100)


@pytest.mark.usefixtures("two_days")
def test_the_latest_run_is_found_without_a_date(hub: bootstrap.Hub) -> None:
    with pytest.raises(SettlementNotFound, match="no business day is settled yet"):
        hub.settlement_api().get(None)
    run(hub, DAY_1)
    latest = run(hub, DAY_2)

    assert hub.settlement_api().get(None) == latest


def test_a_lot_carries_its_earns_issue_price_and_a_bonus_lot_none(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    # Settlement reads the price from the lot instead of joining every earn.
    add_partner(hub, "coffee", rates=rates(issue="0.0123"))
    hub.operator.put_rule(PutRule("welcome", WelcomeBonus(points=5), changed_by=OPERATOR))
    member = enroll(hub).member_id
    earn(hub, member, 1_000)

    with hub.uow_factory(read_only=True) as uow:
        prices = sorted((lot.points, lot.issue_price) for lot in uow.lots.of_member(member))

    assert prices == [(5, None), (10, Decimal("0.0123"))]
