"""Migration 0018 fills the fraud baselines from the ledger's earns: an upgraded hub judges
its first earn as one that had always kept them."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import sqlalchemy as sa
from alembic import command as alembic

from hub.adapters.migrate import _config, upgrade
from hub.adapters.tables import fraud_member_partners, fraud_till_rates
from hub.domain.purchases import Channel, PointOfSale
from tests.integration.helpers import card, earn_command, enroll


def _baselines(engine: sa.Engine) -> tuple[set, dict]:
    with engine.connect() as connection:
        members = set(connection.execute(sa.select(fraud_member_partners)).all())
        tills: Counter = Counter()
        for row in connection.execute(sa.select(fraud_till_rates)):
            tills[(row.partner_id, row.till_kind, row.till_id, "earns")] += row.earns
            tills[(row.partner_id, row.till_kind, row.till_id, "points")] += row.earned_points
    return members, dict(tills)


def test_the_fraud_baselines_are_filled_from_the_ledgers_earns(hub, coffee):
    enroll(hub)
    for amount_minor, terminal in ((1_000, "T1"), (2_500, "T1"), (700, "T2"), (300, "")):
        earning = earn_command(card(), amount_minor)
        pos = PointOfSale(Channel.POS, "store-1", terminal, "C1", None)
        hub.partner_api().earn(
            replace(earning, purchase=replace(earning.purchase, point_of_sale=pos))
        )
    kept = _baselines(hub.engine)
    assert len(kept[0]) == 1  # one member at one partner
    assert len(kept[1]) == 2 * 3  # earns and points of T1, T2 and C1
    with hub.engine.connect() as connection:
        alembic.downgrade(_config(connection), "0017")
    upgrade(hub.engine)

    assert _baselines(hub.engine) == kept
