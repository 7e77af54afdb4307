"""The partner API's conversions for earning rules: breakdowns, tiers, welcome points, events."""

import contextvars
import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api import convert, interceptors
from hub.api.partner_servicer import PartnerServicer
from hub.bootstrap import PartnerUseCases
from hub.domain.breakdown import (
    Breakdown,
    BreakdownLine,
    CapCut,
    ExcludedItem,
    ExclusionReason,
    LineKind,
)
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.errors import InvalidField, MalformedId
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.lots import LotStatus
from hub.domain.members import Identifier, IdentifierKind, MemberStatus
from hub.domain.money import Money
from hub.domain.principals import Principal
from hub.domain.rates import Rates, RateVersion
from hub.domain.rules import EventKind, Funder, TierMetric, TierProgress
from hub.services.ports.ledger import TransactionRecord
from hub.services.results import (
    BalanceView,
    Earned,
    EarnQuoted,
    EventGranted,
    MemberView,
)
from partner_sdk import _convert as sdk_convert

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MEMBER_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000001")
REFERRED_ID = uuid.UUID("0190d5e2-0000-7000-8000-000000000002")
RATE = RateVersion(
    new_id(), "coffee", NOW, Rates(Decimal("0.1"), Decimal("0.01"), Decimal("0.012"), Decimal(1))
)
BREAKDOWN = Breakdown(
    points=220,
    eligible_minor=1050,
    lines=(
        BreakdownLine(LineKind.BASE, 105, Funder.PARTNER),
        BreakdownLine(
            LineKind.TIER,
            52,
            Funder.PARTNER,
            rule_id="tier-benefits:coffee",
            label="Silver tier",
            multiplier=Decimal("1.50"),
            on_points=105,
        ),
        BreakdownLine(
            LineKind.CAMPAIGN,
            58,
            Funder.COALITION,
            rule_id="double-march",
            label="Double points in March",
            multiplier=Decimal(2),
            on_points=105,
            note="budget",
            capped_points=20,
        ),
        BreakdownLine(LineKind.CAMPAIGN, 25, Funder.PARTNER, rule_id="welcome-week"),
    ),
    excluded=(ExcludedItem(1, "cigs-20", "tobacco", 900, ExclusionReason.CATEGORY),),
    caps=(CapCut("daily-cap", "day", 500, 20),),
    coalition_funded_points=38,
    tier="Silver",
    tier_after="Gold",
)


def _earned(breakdown):
    return Earned(
        new_id(), MEMBER_ID, 220, LotStatus.AVAILABLE, NOW, None, RATE, NOW, breakdown=breakdown
    )


def _record(kind, breakdown=None):
    return TransactionRecord(
        new_id(), kind, NOW, 220, MEMBER_ID, "o-1", None, RATE, NOW, None, breakdown=breakdown
    )


# -- responses --------------------------------------------------------------------------------


def test_a_breakdown_becomes_its_message_field_by_field():
    message = convert.breakdown_message(BREAKDOWN)

    assert (message.points, message.eligible_minor) == (220, 1050)
    assert (message.coalition_funded_points, message.tier, message.tier_after) == (
        38,
        "Silver",
        "Gold",
    )
    assert list(message.lines) == [
        partner_pb2.BreakdownLine(kind="base", points=105, funder=common_pb2.FUNDER_PARTNER),
        partner_pb2.BreakdownLine(
            kind="tier",
            points=52,
            funder=common_pb2.FUNDER_PARTNER,
            rule_id="tier-benefits:coffee",
            label="Silver tier",
            multiplier="1.50",
            on_points=105,
        ),
        partner_pb2.BreakdownLine(
            kind="campaign",
            points=58,
            funder=common_pb2.FUNDER_COALITION,
            rule_id="double-march",
            label="Double points in March",
            multiplier="2",
            on_points=105,
            note="budget",
            capped_points=20,
        ),
        partner_pb2.BreakdownLine(
            kind="campaign", points=25, funder=common_pb2.FUNDER_PARTNER, rule_id="welcome-week"
        ),
    ]
    assert list(message.excluded) == [
        partner_pb2.ExcludedItem(
            index=1, sku="cigs-20", category="tobacco", amount_minor=900, reason="category"
        )
    ]
    assert list(message.caps) == [
        partner_pb2.CapCut(rule_id="daily-cap", period="day", limit_points=500, cut_points=20)
    ]


def test_the_sdk_reads_back_every_number_of_the_breakdown_exactly():
    wire = partner_pb2.Breakdown.FromString(
        convert.breakdown_message(BREAKDOWN).SerializeToString()
    )

    read = sdk_convert.breakdown(wire)

    assert read.points == BREAKDOWN.points
    assert [(line.kind.value, line.points, line.funder.value) for line in read.lines] == [
        (line.kind.value, line.points, line.funder.value) for line in BREAKDOWN.lines
    ]
    assert [line.multiplier for line in read.lines] == [line.multiplier for line in BREAKDOWN.lines]
    assert read.lines[1].multiplier == Decimal("1.50")
    assert [item.reason for item in read.excluded] == ["category"]
    assert [(cap.period, cap.cut_points) for cap in read.caps] == [("day", 20)]
    assert (read.tier, read.tier_after, read.coalition_funded_points) == ("Silver", "Gold", 38)


def test_an_earn_and_its_quote_carry_the_breakdown():
    quoted = EarnQuoted(220, LotStatus.AVAILABLE, NOW, None, RATE, NOW, breakdown=BREAKDOWN)

    assert convert.earn_response(_earned(BREAKDOWN)).breakdown.points == 220
    assert convert.earn_quote_response(quoted).earn.breakdown.tier_after == "Gold"


def test_without_a_breakdown_the_field_stays_unset():
    quoted = EarnQuoted(10, LotStatus.AVAILABLE, NOW, None, RATE, NOW)

    assert not convert.earn_response(_earned(None)).HasField("breakdown")
    assert not convert.earn_quote_response(quoted).earn.HasField("breakdown")


def test_earn_transactions_carry_their_stored_breakdown_and_others_none():
    earn = convert.transaction_message(_record(TransactionKind.EARN, BREAKDOWN))
    capture = convert.transaction_message(_record(TransactionKind.CAPTURE))

    assert earn.breakdown.lines[2].note == "budget"
    assert not capture.HasField("breakdown")


def test_a_bonus_transaction_has_its_own_kind():
    message = convert.transaction_message(_record(TransactionKind.BONUS))

    assert message.kind == partner_pb2.TRANSACTION_KIND_BONUS


def test_a_goodwill_credit_reads_as_goodwill_in_the_funders_listing():
    message = convert.transaction_message(_record(TransactionKind.GOODWILL))

    assert message.kind == partner_pb2.TRANSACTION_KIND_GOODWILL


def test_a_balance_shows_the_tier_and_leaves_it_unset_without_tiers():
    progress = TierProgress("Silver", "Gold", TierMetric.SPEND, 120_000, 30_000, "EUR")
    with_tiers = BalanceView(MEMBER_ID, 120, 0, 0, 0, NOW, NOW, tier=progress)
    without = BalanceView(MEMBER_ID, 120, 0, 0, 0, NOW, NOW)

    assert convert.balance_message(with_tiers).tier == partner_pb2.TierStatus(
        tier="Silver",
        next_tier="Gold",
        metric="spend",
        qualifying=120_000,
        to_next_tier=30_000,
        spend_currency="EUR",
    )
    assert not convert.balance_message(without).HasField("tier")


def test_a_member_shows_its_welcome_points():
    view = MemberView(MEMBER_ID, MemberStatus.ACTIVE, NOW, (IdentifierKind.CARD,), 50)

    assert convert.member_message(view).welcome_points == 50


def test_an_event_grant_becomes_its_response():
    granted = EventGranted(new_id(), MEMBER_ID, 200, "reviews", Funder.PARTNER, NOW)

    response = convert.grant_event_response(granted)

    assert (response.transaction_id, response.member_id) == (
        str(granted.transaction_id),
        str(MEMBER_ID),
    )
    assert (response.points, response.rule_id, response.funder) == (
        200,
        "reviews",
        common_pb2.FUNDER_PARTNER,
    )
    assert response.created_at.ToDatetime(tzinfo=UTC) == NOW
    assert (response.referred_member_id, response.referee_transaction_id) == ("", "")


def test_a_referral_grant_names_the_referred_member_and_their_transaction():
    referee_transaction = new_id()
    granted = EventGranted(
        new_id(),
        MEMBER_ID,
        200,
        "referrals",
        Funder.COALITION,
        NOW,
        referred_member_id=REFERRED_ID,
        referee_points=100,
        referee_transaction_id=referee_transaction,
    )

    response = convert.grant_event_response(granted)

    assert response.funder == common_pb2.FUNDER_COALITION
    assert (response.referred_member_id, response.referee_points) == (str(REFERRED_ID), 100)
    assert response.referee_transaction_id == str(referee_transaction)


# -- requests ---------------------------------------------------------------------------------


def _request(**fields):
    fields.setdefault("member", common_pb2.MemberRef(member_id=str(MEMBER_ID)))
    return partner_pb2.GrantEventRequest(idempotency_key="key-1", **fields)


def test_a_grant_event_request_becomes_its_command():
    command = convert.grant_event(_request(event="review"), "coffee")

    assert (command.partner_id, command.idempotency_key) == ("coffee", "key-1")
    assert (command.member, command.event, command.referred_member) == (
        MEMBER_ID,
        EventKind.REVIEW,
        None,
    )


def test_a_referral_names_the_referred_member_by_id_or_identifier():
    by_id = _request(
        event="referral", referred_member=common_pb2.MemberRef(member_id=str(REFERRED_ID))
    )
    card = common_pb2.Identifier(kind=common_pb2.IDENTIFIER_KIND_CARD, value="4000 1234 5678 9010")
    by_card = _request(event="referral", referred_member=common_pb2.MemberRef(identifier=card))

    assert convert.grant_event(by_id, "coffee").referred_member == REFERRED_ID
    assert convert.grant_event(by_card, "coffee").referred_member == Identifier(
        IdentifierKind.CARD, "4000123456789010"
    )


@pytest.mark.parametrize("event", ["", "Review", "birthday", "profile_completed"])
def test_an_event_the_hub_does_not_know_is_refused_naming_the_field(event):
    with pytest.raises(InvalidField) as caught:
        convert.grant_event(_request(event=event), "coffee")

    assert caught.value.field == "event"
    assert "profile-completed" in str(caught.value)


def test_every_event_kind_is_accepted_by_its_value():
    assert [convert.event_kind(kind.value) for kind in EventKind] == list(EventKind)


def test_a_malformed_referred_member_id_names_its_field():
    request = _request(event="referral", referred_member=common_pb2.MemberRef(member_id="nope"))

    with pytest.raises(MalformedId) as caught:
        convert.grant_event(request, "coffee")

    assert caught.value.field == "referred_member.member_id"


def test_a_grant_event_needs_a_member():
    request = partner_pb2.GrantEventRequest(idempotency_key="key-1", event="review")

    with pytest.raises(InvalidField) as caught:
        convert.grant_event(request, "coffee")

    assert caught.value.field == "member"


def test_the_idempotency_key_is_passed_on_for_the_use_case_to_check():
    # Like every mutating call: the use case's idempotency record validates the key.
    request = partner_pb2.GrantEventRequest(
        member=common_pb2.MemberRef(member_id=str(MEMBER_ID)), event="review"
    )

    assert convert.grant_event(request, "coffee").idempotency_key == ""


def test_a_purchase_transaction_keeps_its_money_alongside_the_breakdown():
    record = TransactionRecord(
        new_id(),
        TransactionKind.EARN,
        NOW,
        220,
        MEMBER_ID,
        "o-1",
        Money(1050, currency("EUR")),
        RATE,
        NOW,
        None,
        breakdown=BREAKDOWN,
    )

    message = convert.transaction_message(record)

    assert message.purchase == common_pb2.Money(amount_minor=1050, currency="EUR")
    assert message.breakdown.eligible_minor == 1050


# -- servicer ---------------------------------------------------------------------------------


def test_the_servicer_grants_the_event_as_the_calling_partner():
    seen = []

    def grant_event(command):
        seen.append(command)
        return EventGranted(new_id(), MEMBER_ID, 200, "reviews", Funder.PARTNER, NOW)

    def unused(command):
        raise AssertionError("only GrantEvent is called")

    use_cases = PartnerUseCases(
        **{f.name: unused for f in dataclasses.fields(PartnerUseCases)}
        | {"grant_event": grant_event}
    )
    servicer = PartnerServicer(use_cases, ManualClock(NOW))

    def call():
        interceptors._principal.set(Principal.partner("coffee"))
        return servicer.GrantEvent(_request(event="review"), None)

    response = contextvars.copy_context().run(call)

    assert [(c.partner_id, c.event) for c in seen] == [("coffee", EventKind.REVIEW)]
    assert (response.points, response.rule_id) == (200, "reviews")
