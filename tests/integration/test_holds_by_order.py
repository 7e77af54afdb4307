"""One open hold per partner and order, and finding a hold by its order (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.errors import DuplicateOrder, HoldNotFound, InvalidField
from hub.domain.holds import HoldStatus
from hub.services.commands import GetHold
from tests.conftest import add_partner
from tests.integration.helpers import (
    authorize,
    authorize_command,
    balance,
    capture,
    card,
    earn,
    enroll,
    row_counts,
    void,
)


@pytest.fixture
def member(hub, coffee):
    enroll(hub)
    earn(hub, card(), 50_000)  # 500 points
    return card()


def by_order(hub, order_id, partner_id="coffee"):
    return hub.partner_api().get_hold(GetHold(partner_id, None, order_id))


def test_a_second_authorization_of_an_open_order_is_refused_naming_its_hold(hub, member):
    first = authorize(hub, member, 100, order_id="till-7")
    counts = row_counts(hub)
    with pytest.raises(DuplicateOrder) as refused:
        authorize(hub, member, 100, order_id="till-7")
    assert refused.value.metadata["hold_id"] == str(first.hold_id)
    assert str(first.hold_id) in refused.value.message
    assert row_counts(hub) == counts
    assert (balance(hub, member).available_points, balance(hub, member).held_points) == (400, 100)


def test_a_retry_with_the_same_key_replays_the_hold(hub, member):
    command = authorize_command(member, 100, order_id="till-7", key="authorize-till-7")
    first = hub.partner_api().authorize(command)
    assert hub.partner_api().authorize(command) == first
    assert balance(hub, member).held_points == 100


def test_another_member_cannot_open_a_second_hold_for_the_order(hub, member):
    first = authorize(hub, member, 100, order_id="till-7")
    other = card("4000999988887777")
    enroll(hub, "coffee", other)
    earn(hub, other, 10_000)
    with pytest.raises(DuplicateOrder) as refused:
        authorize(hub, other, 10, order_id="till-7")
    assert refused.value.metadata["hold_id"] == str(first.hold_id)


def test_another_partner_may_use_the_same_order_id(hub, member):
    add_partner(hub, "air")
    authorize(hub, member, 100, order_id="till-7")
    assert authorize(hub, member, 100, order_id="till-7", partner_id="air").points == 100


@pytest.mark.parametrize("resolve", ["capture", "void"])
def test_an_order_whose_hold_was_resolved_may_be_held_again(hub, member, resolve):
    first = authorize(hub, member, 100, order_id="till-7")
    (capture if resolve == "capture" else void)(hub, first.hold_id)
    second = authorize(hub, member, 50, order_id="till-7")
    assert (second.status, by_order(hub, "till-7").hold_id) == (HoldStatus.PENDING, second.hold_id)


def test_an_expired_unswept_hold_does_not_block_its_order(hub, member, clock):
    first = authorize(hub, member, 500, order_id="till-7", ttl_s=60)
    clock.advance(timedelta(seconds=60))
    second = authorize(hub, member, 500, order_id="till-7")
    assert second.status is HoldStatus.PENDING
    assert hub.partner_api().get_hold(GetHold("coffee", first.hold_id)).status is (
        HoldStatus.EXPIRED
    )
    assert hub.operator.sweep().holds_expired == 0  # released by the authorization itself
    assert (balance(hub, member).available_points, balance(hub, member).held_points) == (0, 500)


def test_an_expired_unswept_hold_of_another_member_does_not_block_the_order(hub, member, clock):
    other = card("4000999988887777")
    enroll(hub, "coffee", other)
    earn(hub, other, 10_000)
    authorize(hub, other, 100, order_id="till-7", ttl_s=60)
    clock.advance(timedelta(seconds=60))
    assert authorize(hub, member, 100, order_id="till-7").points == 100
    assert balance(hub, other).available_points == 100


def test_get_hold_by_order_finds_the_open_hold_else_the_latest(hub, member, clock):
    first = authorize(hub, member, 100, order_id="till-7")
    assert by_order(hub, "till-7").hold_id == first.hold_id
    void(hub, first.hold_id)
    clock.advance(timedelta(seconds=1))
    second = authorize(hub, member, 50, order_id="till-7", ttl_s=60)
    clock.advance(timedelta(seconds=1))
    assert by_order(hub, "till-7").hold_id == second.hold_id
    clock.advance(timedelta(seconds=60))
    found = by_order(hub, "till-7")
    assert (found.hold_id, found.status) == (second.hold_id, HoldStatus.EXPIRED)


def test_get_hold_by_an_unknown_order_is_not_found(hub, member):
    authorize(hub, member, 100, order_id="till-7")
    with pytest.raises(HoldNotFound):
        by_order(hub, "till-8")
    add_partner(hub, "air")
    with pytest.raises(HoldNotFound):  # another partner's order is not even confirmed
        by_order(hub, "till-7", partner_id="air")


def test_get_hold_needs_a_hold_id_or_an_order_id(hub, member):
    with pytest.raises(InvalidField):
        hub.partner_api().get_hold(GetHold("coffee", None, None))
