"""Refunds by line raced on real PostgreSQL connections: a line never comes back twice, and
refunds racing the member's earns (which lock the member first too) neither deadlock nor leak.

After each test the hub fixture runs ``ledger verify``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hub import bootstrap
from hub.domain.purchases import LineItem
from hub.domain.receipt_lines import ReturnedLine
from hub.domain.rules import Tier, TierScheme
from hub.services.commands import PutRule, RefundEarn
from tests.conftest import OPERATOR, add_partner, rates, settings_for
from tests.integration.helpers import balance, card, earn, earn_command, enroll
from tests.integration.test_concurrency import outcome_kinds, race

pytestmark = pytest.mark.postgres
RACERS = 20
EGGS = LineItem("eggs-10", "dairy", 30_000, quantity=10)
MILK = LineItem("milk-1", "dairy", 10_000)


@pytest.fixture
def hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), threads=RACERS + 2), clock=clock)
    add_partner(wired, "grocer", rates=rates("0.1"))
    # A tier scheme makes every refund read the member's qualifying points under its lock.
    scheme = TierScheme((Tier("base", 0), Tier("gold", 1_000_000)))
    wired.operator.put_rule(PutRule("", scheme, changed_by=OPERATOR))
    enroll(wired, "grocer")
    yield wired
    assert wired.operator.verify_ledger().violations == ()
    wired.close()


def _return_one_egg(hub: bootstrap.Hub) -> object:
    line = ReturnedLine(0, sku="eggs-10", quantity=1)
    command = RefundEarn("grocer", uuid.uuid4().hex, None, lines=(line,), order_id="basket")
    return hub.partner_api().refund_earn(command)


def test_racing_returns_of_one_line_never_give_back_more_than_was_bought(hub):
    earned = earn(hub, card(), 40_000, partner_id="grocer", order_id="basket",
                  line_items=(EGGS, MILK))  # fmt: skip
    assert earned.points == 40  # 30 on the eggs, 10 on the milk
    results = race([lambda: _return_one_egg(hub)] * RACERS)
    assert outcome_kinds(results) == {"EarnRefunded": 10, "RefundExceedsOriginal": RACERS - 10}
    reversed_points = sum(getattr(result, "points_reversed", 0) for result in results)
    assert reversed_points == 30  # the eggs' points, whatever order the refunds ran in
    assert balance(hub, card()).available_points == 10  # the milk's


def test_refunds_racing_the_members_earns_all_complete(hub):
    earn(hub, card(), 40_000, partner_id="grocer", order_id="basket", line_items=(EGGS, MILK))
    earns = [
        lambda i=i: hub.partner_api().earn(
            earn_command(card(), 10_000, partner_id="grocer", order_id=f"later-{i}")
        )
        for i in range(RACERS // 2)
    ]
    refunds = [lambda: _return_one_egg(hub)] * (RACERS // 2)
    results = race([call for pair in zip(earns, refunds, strict=True) for call in pair])
    assert outcome_kinds(results) == {"Earned": RACERS // 2, "EarnRefunded": RACERS // 2}
    assert balance(hub, card()).available_points == 10 + 10 * (RACERS // 2)
