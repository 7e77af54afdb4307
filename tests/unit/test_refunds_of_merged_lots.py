"""A redemption refund after a merge (or an unmerge): the points go back into the lots they
came from and are their owners' now, each owner's debt paid first."""

import uuid
from dataclasses import replace

import pytest

from hub.domain import holds, refunds
from hub.domain.accounts import member_available, member_debt, partner_redeemed
from hub.domain.holds import Hold
from hub.domain.invariants import InvariantViolation
from hub.domain.ledger import Entry
from hub.domain.lots import Lot
from tests.unit.test_crediting import NOW, _held, lot

SURVIVOR, ABSORBED = uuid.uuid4(), uuid.uuid4()


def owned(member_id: uuid.UUID, expires_in_days: int) -> Lot:
    return replace(lot(100, remaining=0, expires_in_days=expires_in_days), member_id=member_id)


def captured(points: int) -> Hold:
    authorized = _held(points, [lot(points)])
    return holds.capture(
        authorized.hold,
        points,
        authorized.lots,
        authorized.reservations,
        uuid.uuid4(),
        NOW,
        debt_points=0,
    ).hold


def refund(lots: list[Lot], debts: dict[uuid.UUID, int]) -> refunds.RedemptionRefunding:
    return refunds.refund_redemption(
        hold=captured(100),
        points=100,
        refunded_before=0,
        lots=lots,
        consumed={lots[0].id: 60, lots[1].id: 40},
        transaction_id=uuid.uuid4(),
        now=NOW,
        debt_points=debts.get(SURVIVOR, 0),
        holder_id=SURVIVOR,
        debts=debts,
    )


def test_the_survivor_is_credited_for_lots_a_merge_gave_it():
    lots = [owned(SURVIVOR, 30), owned(SURVIVOR, 60)]

    refunding = refund(lots, {SURVIVOR: 0})

    transaction = refunding.update.transaction
    assert transaction.member_id == SURVIVOR
    assert set(transaction.entries) == {
        Entry(partner_redeemed("air"), -100),
        Entry(member_available(SURVIVOR), 100),
    }


def test_each_owner_is_credited_its_own_lots_and_pays_its_own_debt_first():
    lots = [owned(SURVIVOR, 30), owned(ABSORBED, 60)]

    refunding = refund(lots, {SURVIVOR: 10, ABSORBED: 25})

    assert (refunding.points_returned, refunding.debt_paid_points) == (100, 35)
    assert set(refunding.update.transaction.entries) == {
        Entry(partner_redeemed("air"), -100),
        Entry(member_available(SURVIVOR), 50),
        Entry(member_debt(SURVIVOR), 10),
        Entry(member_available(ABSORBED), 15),
        Entry(member_debt(ABSORBED), 25),
    }
    remaining = {each.member_id: each.remaining_points for each in refunding.update.lots}
    assert remaining == {SURVIVOR: 50, ABSORBED: 15}


def test_an_owner_whose_debt_was_not_read_is_never_credited():
    lots = [owned(SURVIVOR, 30), owned(ABSORBED, 60)]

    with pytest.raises(InvariantViolation):
        refund(lots, {SURVIVOR: 0})
