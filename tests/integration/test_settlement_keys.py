"""Lot movements carry their settlement keys from posting, and a night's run that sums them
alone settles a generated month to the same figures, to the minor unit, as the algorithm it
replaced (which joined each movement to its transaction and its lot; kept here as the oracle).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from hub import bootstrap
from hub.adapters.migrate import _config, upgrade
from hub.adapters.repositories import settlement as settlement_sql
from hub.adapters.repositories.settled import settled_here
from hub.adapters.tables import lot_movements, lots, partner_rates, transactions
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import HubError
from hub.domain.lots import MovementKind
from hub.domain.money import Money, Rounding
from hub.domain.partners import ExpiryKind, ExpiryPolicy
from hub.domain.rules import Funder, WelcomeBonus
from hub.services.commands import (
    AnnulPoints,
    Attribution,
    PutRule,
    RefundEarn,
    RefundRedemption,
    RunSettlement,
    SetRate,
)
from settlement.model import BusinessDay, Settlement
from settlement.netting import settle
from tests.conftest import OPERATOR, START, add_partner, rates, settings_for
from tests.integration.helpers import authorize, capture, card, earn, enroll, void

OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
ANALYST = Attribution("spiffe://coalition.hub/staff/analyst/ann", "generated month")
MONTH_DAYS = 35
"""A month, and enough of the next for the first day's lots (one month's expiry) to expire."""
MEMBERS = 6
SEED = 20261204

# -- the algorithm this replaced: every movement joined to its transaction and its lot -------

_m, _t, _lot = lot_movements.alias("m"), transactions.alias("t"), lots.alias("lot")
_original = transactions.alias("original")
_IS_REDEMPTION = _m.c.kind == MovementKind.REDEMPTION.value
_OLD_GROUPS = (
    sa.select(
        _lot.c.partner_id.label("issuer_id"),
        _lot.c.issue_price,
        sa.case((_lot.c.issue_price.is_(None), _lot.c.id)).label("bonus_lot_id"),
        _m.c.kind,
        sa.case((_IS_REDEMPTION, _t.c.partner_id)).label("redeemer_id"),
        sa.case((_IS_REDEMPTION, _t.c.redemption_price)).label("redemption_price"),
        sa.case((sa.and_(_IS_REDEMPTION, _t.c.redemption_price.is_(None)), _t.c.related_id)).label(
            "hold_transaction_id"
        ),
        sa.func.sum(_m.c.points).label("points"),
    )
    .select_from(_m.join(_t, _t.c.id == _m.c.transaction_id).join(_lot, _lot.c.id == _m.c.lot_id))
    .where(settled_here(_t.c.created_at, _t.c.xid, sa.bindparam("start"), sa.bindparam("end")))
    .group_by(*(sa.literal_column(str(n)) for n in range(1, 8)))
    .subquery("movement_groups")
)
_g = _OLD_GROUPS.c
_bonus_lot = lots.alias("bonus_lot")
_BONUS_PRICE = (
    sa.select(partner_rates.c.issue_price)
    .select_from(_bonus_lot)
    .where(
        _bonus_lot.c.id == _g.bonus_lot_id,
        partner_rates.c.partner_id == _bonus_lot.c.partner_id,
        partner_rates.c.effective_from <= _bonus_lot.c.created_at,
    )
    .order_by(partner_rates.c.effective_from.desc())
    .limit(1)
    .scalar_subquery()
)
_HELD_PRICE = (
    sa.select(_original.c.redemption_price)
    .where(_original.c.id == _g.hold_transaction_id)
    .scalar_subquery()
)
_ISSUE_PRICE = sa.func.coalesce(_g.issue_price, _BONUS_PRICE)
_REDEMPTION_PRICE = sa.func.coalesce(_g.redemption_price, _HELD_PRICE)
OLD_MOVEMENT_SUMS = sa.select(
    _g.issuer_id,
    _ISSUE_PRICE.label("issue_price"),
    _g.kind,
    _g.redeemer_id,
    _REDEMPTION_PRICE.label("redemption_price"),
    sa.func.sum(_g.points).label("points"),
).group_by(_g.issuer_id, _ISSUE_PRICE, _g.kind, _g.redeemer_id, _REDEMPTION_PRICE)


# -- a generated month -------------------------------------------------------------------------


@pytest.fixture
def hub(
    request: pytest.FixtureRequest, database_url: str, clock: ManualClock
) -> Iterator[bootstrap.Hub]:
    # Members earn and burn at several partners within minutes, which the fraud checks would
    # rightly hold for review; settlement is what is under test here.
    settings = replace(settings_for(database_url), fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    if request.node.get_closest_marker("breaks_ledger") is None:
        assert report.ok, report.violations


@dataclass
class Month:
    """What the generator did, so later days refund and burn what earlier days made."""

    rng: random.Random
    members: list[uuid.UUID]
    earns: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    captures: list[tuple[str, uuid.UUID, int]] = field(default_factory=list)
    operations: int = 0


PARTNERS = {"coffee": "EUR", "fuel": "EUR", "air": "USD", "books": "EUR"}


def _partners(hub: bootstrap.Hub) -> None:
    add_partner(hub, "coffee", rates=rates(issue="0.0123", redemption="0.0087"))
    add_partner(
        hub,
        "fuel",
        rates=rates(earn_rate="2", issue="0.01234", redemption="0.008"),
        rounding=Rounding.HALF_EVEN,
        pending_period_s=2 * 86_400,
    )
    add_partner(
        hub,
        "air",
        currency="USD",
        rates=rates(issue="0.015", redemption="0.0101"),
        expiry=ExpiryPolicy(ExpiryKind.MONTHS_AFTER_EARN, 1),
    )
    add_partner(hub, "books", rates=rates(issue="0.0111", redemption="0.0093"))
    welcome = WelcomeBonus(points=37, funder=Funder.PARTNER)
    hub.operator.put_rule(PutRule("welcome", welcome, changed_by=OPERATOR))


def _tried(month: Month, action: Any, *args: Any, **kwargs: Any) -> Any:
    """An operation the generator picked at random; a refusal (too few points, a refund
    beyond its original) is part of a month too, and writes nothing."""
    try:
        result = action(*args, **kwargs)
    except HubError:
        return None
    month.operations += 1
    return result


def _earn(hub: bootstrap.Hub, month: Month) -> None:
    partner = month.rng.choice(sorted(PARTNERS))
    member = month.rng.choice(month.members)
    amount = month.rng.randrange(300, 40_000)
    earned = _tried(
        month, earn, hub, member, amount, partner_id=partner, currency_code=PARTNERS[partner]
    )
    if earned is not None and earned.points:
        month.earns.append((partner, earned.transaction_id))


def _redeem(hub: bootstrap.Hub, month: Month) -> None:
    partner = month.rng.choice(sorted(PARTNERS))
    # The first member never burns, so its expiring lots (air's) live to expire.
    member = month.rng.choice(month.members[1:])
    points = month.rng.randrange(10, 400)
    held = _tried(
        month, authorize, hub, member, points, partner_id=partner, currency_code=PARTNERS[partner]
    )
    if held is None:
        return
    fate = month.rng.random()
    if fate < 0.1:  # left to expire: the sweeper gives its points back
        return
    if fate < 0.2:
        _tried(month, void, hub, held.hold_id, partner_id=partner)
        return
    # Some captures take part of the hold: the rest goes back (and pays debt first).
    taken = held.points if month.rng.random() < 0.7 else max(1, held.points // 2)
    if _tried(month, capture, hub, held.hold_id, taken, partner_id=partner) is not None:
        month.captures.append((partner, held.hold_id, taken))


def _refund_earn(hub: bootstrap.Hub, month: Month) -> None:
    if not month.earns:
        return
    partner, earn_id = month.rng.choice(month.earns)
    amount = Money(month.rng.randrange(100, 5_000), currency(PARTNERS[partner]))
    command = RefundEarn(partner, uuid.uuid4().hex, earn_id, amount)
    _tried(month, hub.partner_api().refund_earn, command)


def _refund_redemption(hub: bootstrap.Hub, month: Month) -> None:
    if not month.captures:
        return
    partner, hold_id, captured = month.rng.choice(month.captures)
    points = month.rng.randrange(1, captured + 1)
    command = RefundRedemption(partner, uuid.uuid4().hex, hold_id, points)
    _tried(month, hub.partner_api().refund_redemption, command)


def _annul(hub: bootstrap.Hub, month: Month) -> None:
    member = month.rng.choice(month.members)
    command = AnnulPoints(uuid.uuid4().hex, member, points=7, changed_by=ANALYST)
    _tried(month, hub.fraud_api().annul, command)


def _day(hub: bootstrap.Hub, clock: ManualClock, month: Month, day: date) -> None:
    """About a dozen operations between 08:00 and 22:00, then the sweep (maturity, expiry)."""
    clock.advance(
        datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8) - clock.now()
    )
    actions = (
        (_earn, 6),
        (_redeem, 4),
        (_refund_earn, 1),
        (_refund_redemption, 1),
        (_annul, 0.3),
    )
    for _ in range(12):
        action = month.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        action(hub, month)
        clock.advance(timedelta(minutes=month.rng.randrange(1, 70)))
    hub.operator.sweep()


def _generate_month(hub: bootstrap.Hub, clock: ManualClock) -> list[date]:
    _partners(hub)
    rng = random.Random(SEED)
    members = [enroll(hub, "coffee", card(f"40001234{n:08d}")).member_id for n in range(MEMBERS)]
    month = Month(rng, members)
    first = START.date()
    days = [first + timedelta(days=n) for n in range(MONTH_DAYS)]
    for number, day in enumerate(days):
        if number == 12:  # prices change mid-month: groups at two prices
            changed = rates(earn_rate="2", issue="0.0131", redemption="0.0077")
            hub.operator.set_rate(SetRate("fuel", changed, clock.now(), changed_by=OPERATOR))
        _day(hub, clock, month, day)
    assert month.operations > 10 * MONTH_DAYS
    clock.advance(timedelta(days=1, hours=1))
    return days


def _oracle(hub: bootstrap.Hub, business_date: date, monkeypatch: pytest.MonkeyPatch) -> Settlement:
    """A settled day recomputed from the stored window and snapshots, by the old algorithm."""
    with hub.uow_factory(snapshot=True) as uow:
        run = uow.settlement.run(business_date)
        before = uow.settlement.run(business_date - timedelta(days=1))
        assert run is not None
        day = BusinessDay(
            business_date,
            before.window_end if before else None,
            run.window_end,
            before.snapshot if before else run.snapshot,
        )
        previous = uow.settlement.outstanding(before.business_date) if before else ()
        with monkeypatch.context() as patched:
            patched.setattr(settlement_sql, "_MOVEMENT_SUMS", OLD_MOVEMENT_SUMS)
            inputs = uow.settlement.inputs(day, previous, lambda step: None)
        roundings = uow.settlement.roundings()
    return settle(inputs, currency("EUR"), roundings)


def _figures(settlement: Settlement) -> tuple[object, ...]:
    return (
        settlement.partners,
        settlement.matrix,
        settlement.transfers,
        settlement.margin_minor,
        settlement.breakage,
        settlement.outstanding,
        settlement.adjustments,
        settlement.transaction_count,
    )


def test_a_generated_month_settles_to_the_old_algorithms_figures_to_the_minor_unit(
    hub: bootstrap.Hub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = _generate_month(hub, clock)

    runs = [hub.settlement_api().run(RunSettlement(day, OFFICER)) for day in days]

    kinds = _movement_kinds(hub)
    assert kinds >= {kind.value for kind in MovementKind}, kinds
    for run in runs:
        oracle = _oracle(hub, run.settlement.day.business_date, monkeypatch)
        assert _figures(run.settlement) == _figures(oracle), run.settlement.day


def _movement_kinds(hub: bootstrap.Hub) -> set[str]:
    with hub.engine.connect() as connection:
        return set(connection.execute(sa.select(lot_movements.c.kind).distinct()).scalars())


# -- the keys themselves ---------------------------------------------------------------------

_KEYS = sa.select(
    lot_movements.c.kind,
    lot_movements.c.points,
    lot_movements.c.posted_at,
    lot_movements.c.xid,
    lot_movements.c.issuer_id,
    lot_movements.c.issue_price,
    lot_movements.c.redeemer_id,
    lot_movements.c.redemption_price,
    transactions.c.created_at,
    transactions.c.xid.label("transaction_xid"),
).join(transactions, transactions.c.id == lot_movements.c.transaction_id)


def _keys(hub: bootstrap.Hub) -> list[dict[str, Any]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(_KEYS.order_by(lot_movements.c.posted_at, lot_movements.c.points))
        return [dict(row._mapping) for row in rows]


def test_a_capture_and_its_refund_write_issuer_redeemer_prices_stamp_and_xid(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    add_partner(hub, "coffee", rates=rates(issue="0.0123", redemption="0.0087"))
    add_partner(hub, "fuel", rates=rates(issue="0.0150", redemption="0.0095"))
    member = enroll(hub).member_id
    earn(hub, member, 10_000)
    clock.advance(timedelta(minutes=5))
    held = authorize(hub, member, 40, partner_id="fuel")
    # The hold's rate stays the one a refund of its capture is valued at.
    new_rate = rates(issue="0.0150", redemption="0.0200")
    hub.operator.set_rate(SetRate("fuel", new_rate, clock.now(), changed_by=OPERATOR))
    capture(hub, held.hold_id, partner_id="fuel")
    clock.advance(timedelta(hours=1))
    refund = RefundRedemption("fuel", uuid.uuid4().hex, held.hold_id, 15)
    hub.partner_api().refund_redemption(refund)

    captured, refunded = _keys(hub)

    for row, points in ((captured, -40), (refunded, 15)):
        assert row["kind"] == "redemption"
        assert row["points"] == points
        assert row["posted_at"] == row["created_at"]
        assert row["xid"] == row["transaction_xid"] is not None
        assert (row["issuer_id"], row["issue_price"]) == ("coffee", Decimal("0.0123"))
        assert (row["redeemer_id"], row["redemption_price"]) == ("fuel", Decimal("0.0095"))


def test_movements_other_than_redemptions_name_no_redeemer_and_a_bonus_lot_no_price(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    add_partner(hub, "coffee", rates=rates(issue="0.0123"))
    hub.operator.put_rule(PutRule("welcome", WelcomeBonus(points=5), changed_by=OPERATOR))
    member = enroll(hub).member_id
    earned = earn(hub, member, 2_000)
    clock.advance(timedelta(minutes=1))
    hub.fraud_api().annul(AnnulPoints(uuid.uuid4().hex, member, points=25, changed_by=ANALYST))
    clock.advance(timedelta(minutes=1))
    euros = Money(1_000, currency("EUR"))
    hub.partner_api().refund_earn(
        RefundEarn("coffee", uuid.uuid4().hex, earned.transaction_id, euros)
    )

    rows = _keys(hub)

    keys = {
        (row["kind"], row["points"], row["issuer_id"], row["issue_price"], row["redeemer_id"])
        for row in rows
    }
    # Annulled newest lot first: the earn's 20 points, then the welcome bonus's 5 (no price).
    assert keys >= {
        ("annulment", -5, "coffee", None, None),
        ("annulment", -20, "coffee", Decimal("0.0123"), None),
    }
    assert all(row["posted_at"] == row["created_at"] for row in rows)
    assert all(row["xid"] == row["transaction_xid"] for row in rows)


def test_the_migration_fills_in_the_keys_of_movements_posted_before_it(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    test_a_capture_and_its_refund_write_issuer_redeemer_prices_stamp_and_xid(hub, clock)
    written = _keys(hub)
    with hub.engine.connect() as connection:
        command.downgrade(_config(connection), "0012")
        connection.commit()

    upgrade(hub.engine)

    assert _keys(hub) == written


@pytest.mark.breaks_ledger
def test_a_movement_whose_keys_differ_from_its_lots_is_reported_by_ledger_verify(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    test_a_capture_and_its_refund_write_issuer_redeemer_prices_stamp_and_xid(hub, clock)
    with hub.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for name in ("lot_movements_no_update", "lot_movements_no_update_but_xid"):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        connection.exec_driver_sql("UPDATE lot_movements SET issuer_id = 'fuel' WHERE points < 0")

    broken = {violation.invariant for violation in hub.operator.verify_ledger().violations}

    assert broken == {"lot movements carry their lot's and transaction's settlement keys"}
