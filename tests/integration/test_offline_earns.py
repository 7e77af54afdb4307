"""Earns sent after the sale (tills' store-and-forward), on SQLite and on PostgreSQL: accepted
within the partner's offline window with both times recorded, refused outside it or from the
future with nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.adapters.tables import audit_log, transactions
from hub.domain.errors import InvalidField, OfflineWindowExceeded
from hub.domain.limits import OFFLINE_WINDOW_DEFAULT_S, PURCHASE_CLOCK_SKEW_S
from hub.services.commands import Earn, ListTransactions, SetOfflineWindow
from tests.conftest import OPERATOR, add_partner
from tests.integration.helpers import card, earn_command, enroll, row_counts

HOUR = timedelta(hours=1)


def sold_at(hub, command: Earn, delta: timedelta) -> Earn:
    """``command`` as a till sends it ``delta`` after the sale."""
    return replace(
        command, purchase=replace(command.purchase, purchased_at=hub.clock.now() - delta)
    )


def test_an_earn_sold_a_day_ago_posts_now_and_records_both_times(hub, coffee):
    enroll(hub)
    command = sold_at(hub, earn_command(card(), 1000), 24 * HOUR)
    earned = hub.partner_api().earn(command)
    assert earned.points == 10
    assert earned.created_at == hub.clock.now()
    (record,) = hub.partner_api().transactions(ListTransactions("coffee", None, 10)).transactions
    assert record.purchased_at == command.purchase.purchased_at
    assert record.created_at == hub.clock.now()
    with hub.engine.connect() as connection:
        row = connection.execute(sa.select(transactions.c.purchased_at, transactions.c.created_at))
        assert tuple(row.one()) == (command.purchase.purchased_at, hub.clock.now())


def test_an_earn_sent_at_once_records_no_purchase_time(hub, coffee):
    enroll(hub)
    hub.partner_api().earn(earn_command(card(), 1000))
    (record,) = hub.partner_api().transactions(ListTransactions("coffee", None, 10)).transactions
    assert record.purchased_at is None


def test_partners_accept_three_days_of_offline_sales_unless_they_say_otherwise(hub, coffee):
    assert hub.operator.get_partner(coffee).partner.offline_window_s == OFFLINE_WINDOW_DEFAULT_S
    enroll(hub)
    inside = OFFLINE_WINDOW_DEFAULT_S - 60
    hub.partner_api().earn(sold_at(hub, earn_command(card()), timedelta(seconds=inside)))


def test_an_earn_sold_before_the_window_is_refused_naming_it_and_nothing_is_written(hub, coffee):
    hub.operator.set_offline_window(SetOfflineWindow(coffee, 3600, changed_by=OPERATOR))
    enroll(hub)
    counts = row_counts(hub)
    too_old = HOUR + timedelta(seconds=PURCHASE_CLOCK_SKEW_S + 1)
    with pytest.raises(OfflineWindowExceeded) as refused:
        hub.partner_api().earn(sold_at(hub, earn_command(card()), too_old))
    assert refused.value.metadata["offline_window_s"] == "3600"
    assert "1 h" in refused.value.message
    assert row_counts(hub) == counts


def test_a_window_of_zero_still_takes_an_earn_sent_with_the_time_of_its_sale(hub):
    add_partner(hub, "coffee", offline_window_s=0)
    enroll(hub)
    hub.partner_api().earn(sold_at(hub, earn_command(card()), timedelta(seconds=5)))
    with pytest.raises(OfflineWindowExceeded):
        hub.partner_api().earn(sold_at(hub, earn_command(card()), HOUR))


def test_a_sale_in_the_future_is_bad_input_and_nothing_is_written(hub, coffee):
    enroll(hub)
    counts = row_counts(hub)
    ahead = -timedelta(seconds=PURCHASE_CLOCK_SKEW_S + 60)
    with pytest.raises(InvalidField) as refused:
        hub.partner_api().earn(sold_at(hub, earn_command(card()), ahead))
    assert refused.value.field == "purchased_at"
    assert row_counts(hub) == counts


def test_a_replay_of_an_accepted_earn_answers_the_same_after_its_window_passed(hub, coffee):
    hub.operator.set_offline_window(SetOfflineWindow(coffee, 3600, changed_by=OPERATOR))
    enroll(hub)
    command = sold_at(hub, earn_command(card()), timedelta(minutes=30))
    first = hub.partner_api().earn(command)
    hub.clock.advance(2 * HOUR)
    assert hub.partner_api().earn(command) == first


def test_an_operator_sets_the_offline_window_and_the_change_is_audited(hub, coffee):
    view = hub.operator.set_offline_window(SetOfflineWindow(coffee, 600, changed_by=OPERATOR))
    assert view.partner.offline_window_s == 600
    assert hub.operator.get_partner(coffee).partner.offline_window_s == 600
    with hub.engine.connect() as connection:
        actions = connection.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action == "partner.set_offline_window")
        ).scalars()
        assert len(list(actions)) == 1


@pytest.mark.parametrize("window_s", [-1, 30 * 24 * 3600 + 1])
def test_an_offline_window_out_of_bounds_is_refused_and_nothing_is_written(hub, coffee, window_s):
    counts = row_counts(hub)
    with pytest.raises(InvalidField) as refused:
        hub.operator.set_offline_window(SetOfflineWindow(coffee, window_s, changed_by=OPERATOR))
    assert refused.value.field == "offline_window_s"
    with pytest.raises(InvalidField):
        add_partner(hub, "fuel", offline_window_s=window_s)
    assert row_counts(hub) == counts
