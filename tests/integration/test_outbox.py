"""The event outbox: every posting writes its event in its own transaction, and nothing else
does (issue 20, item 2); SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.adapters.tables import outbox_events
from hub.domain.errors import MemberNotFound, PartnerNotFound, WebhookSettingRefused
from hub.domain.partners import ExpiryPolicy
from hub.domain.rules import Funder, ReviewPeriod, Tier, TierScheme
from hub.services import event_settings
from hub.services.commands import Attribution, RefundEarn, RequestGoodwillCredit, RunSettlement
from tests.conftest import OPERATOR, START, add_partner
from tests.integration.helpers import authorize, capture, card, earn, enroll
from tests.integration.test_refunds_by_line import put


def events(hub):
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(outbox_events).order_by(outbox_events.c.id))
        return [
            (row.kind, row.partner_id, row.ordering_key, json.loads(row.payload)) for row in rows
        ]


def test_an_earn_writes_one_earned_event_keyed_by_its_member_without_the_card(hub, coffee):
    member = enroll(hub)
    earned = earn(hub, card(), 1999)
    [(kind, partner, key, payload)] = events(hub)
    assert (kind, partner, key) == ("earned", "coffee", str(member.member_id))
    assert payload["points"] == 19
    assert payload["transaction_id"] == str(earned.transaction_id)
    assert payload["member_id"] == str(member.member_id)
    assert "4000123412341234" not in json.dumps(payload)


def test_a_goodwill_credit_is_an_earned_event_for_its_funder(hub, coffee):
    member = enroll(hub).member_id
    command = RequestGoodwillCredit(
        uuid.uuid4().hex, member, 40, Funder.PARTNER, "coffee", changed_by=OPERATOR
    )

    credit = hub.goodwill_api().request(command)

    [(kind, partner, key, payload)] = events(hub)
    assert (kind, partner, key) == ("earned", "coffee", str(member))
    assert (payload["transaction_kind"], payload["points"]) == ("goodwill", 40)
    assert payload["transaction_id"] == str(credit.transaction_id)


def test_event_ids_increase_in_the_order_the_postings_committed(hub, coffee):
    enroll(hub)
    for amount in (100, 200, 300):
        earn(hub, card(), amount)
    points = [payload["points"] for *_, payload in events(hub)]
    assert points == [1, 2, 3]


def test_a_refused_earn_writes_no_event(hub, coffee):
    with pytest.raises(MemberNotFound):
        earn(hub, card(), 1000)
    assert events(hub) == []


def test_a_hold_writes_no_event_and_its_capture_writes_a_redeemed_event(hub, coffee):
    enroll(hub)
    earn(hub, card(), 5000)
    hold = authorize(hub, card(), points=20)
    assert [kind for kind, *_ in events(hub)] == ["earned"]
    capture(hub, hold.hold_id)
    kind, partner, _, payload = events(hub)[-1]
    assert (kind, partner, payload["points"]) == ("redeemed", "coffee", 20)


def test_points_are_announced_as_expiring_once_per_lot_the_partners_days_before(hub, clock):
    add_partner(hub, "air", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "air")
    earn(hub, card(), 1000, partner_id="air")
    event_settings.set_expiry_notice_days(
        "air", 7, OPERATOR, uow_factory=hub.uow_factory, clock=clock
    )
    hub.operator.sweep()
    assert [kind for kind, *_ in events(hub)] == ["earned"]  # a month ahead: not yet
    clock.advance(timedelta(days=25))
    hub.operator.sweep()
    clock.advance(timedelta(hours=2))  # past the pause between passes: the lot is seen again
    hub.operator.sweep()
    kinds = [kind for kind, *_ in events(hub)]
    assert kinds == ["earned", "points_expiring"]
    *_, payload = events(hub)[-1]
    assert (payload["points"], payload["days_before"]) == (10, 7)


def test_expired_points_write_an_expired_event(hub, clock):
    add_partner(hub, "air", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "air")
    earn(hub, card(), 1000, partner_id="air")
    clock.advance(timedelta(days=40))
    hub.operator.sweep()
    kinds = [kind for kind, *_ in events(hub)]
    assert kinds[-1] == "expired"
    assert events(hub)[-1][3]["points"] == 10


def test_a_webhook_url_that_is_not_https_is_refused_and_nothing_is_written(hub, coffee, clock):
    with pytest.raises(WebhookSettingRefused) as refused:
        hub.operator.set_webhook("coffee", "http://shop.example/hooks", OPERATOR)
    assert refused.value.field == "url"
    shown = event_settings.show_webhook("coffee", uow_factory=hub.uow_factory)
    assert (shown.url, shown.has_secret) == (None, False)


def test_expiry_notice_days_out_of_range_are_refused(hub, coffee, clock):
    with pytest.raises(WebhookSettingRefused):
        event_settings.set_expiry_notice_days(
            "coffee", 0, OPERATOR, uow_factory=hub.uow_factory, clock=clock
        )


def test_a_webhook_gets_a_secret_shown_once_and_rotation_makes_a_new_one(hub, coffee, clock):
    operator = hub.operator
    made = operator.set_webhook("coffee", "https://shop.example/hooks", OPERATOR)
    assert made.secret is not None
    assert made.secret.startswith("whsec_")
    again = operator.set_webhook("coffee", "https://shop.example/v2", OPERATOR)
    assert (again.url, again.secret, again.has_secret) == ("https://shop.example/v2", None, True)
    rotated = operator.rotate_webhook_secret("coffee", OPERATOR)
    assert rotated.secret not in (None, made.secret)
    with pytest.raises(PartnerNotFound):
        operator.set_webhook("nobody", "https://x.example/", OPERATOR)


def test_an_earn_lifting_a_tier_and_a_refund_dropping_it_write_tier_changed_events(hub, coffee):
    put(hub, TierScheme((Tier("base", 0), Tier("gold", 100)), review=ReviewPeriod.YEAR))
    enroll(hub)
    earn(hub, card(), 10_000, order_id="big")
    command = RefundEarn("coffee", uuid.uuid4().hex, None, whole_receipt=True, order_id="big")
    hub.partner_api().refund_earn(command)
    changes = [
        (partner, payload["tier_before"], payload["tier_after"])
        for kind, partner, _, payload in events(hub)
        if kind == "tier_changed"
    ]
    assert changes == [("coalition", "base", "gold"), ("coalition", "gold", "base")]
    assert [kind for kind, *_ in events(hub)] == [
        "earned",
        "tier_changed",
        "refunded",
        "tier_changed",
    ]


def test_a_settlement_run_tells_each_partner_its_statement_is_ready(hub, coffee, clock):
    enroll(hub)
    earn(hub, card(), 1000)
    clock.advance(timedelta(days=2))
    officer = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
    day = START.date()
    hub.settlement_api().run(RunSettlement(day, officer))
    ready = [
        (partner, payload["business_date"])
        for kind, partner, _, payload in events(hub)
        if kind == "settlement_ready"
    ]
    assert ("coffee", day.isoformat()) in ready
