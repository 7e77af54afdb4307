"""Earning rules in the SDK: breakdowns, tiers, welcome points, events and their errors."""

from __future__ import annotations

import uuid
from decimal import Decimal

import grpc
import pytest

import partner_sdk
from coalition.hub.v1 import common_pb2, partner_pb2
from partner_sdk import (
    AsyncHubClient,
    Breakdown,
    BreakdownLine,
    CampaignsOverlap,
    CapCut,
    EventGrant,
    EventKind,
    EventLimitReached,
    ExcludedItem,
    Funder,
    HubClient,
    HubError,
    Identifier,
    InvalidRequest,
    InvalidRule,
    LineKind,
    NotFound,
    Refused,
    RuleEnded,
    RuleInPast,
    RuleNotFound,
    TierStatus,
    TransactionKind,
)
from partner_sdk import _convert as convert

from .fakes import BREAKDOWN, NOW, RATES, FakeClock, FakePartnerService, plain, rich

UNAVAILABLE = plain(grpc.StatusCode.UNAVAILABLE, "connection reset")
ABORTED = rich(grpc.StatusCode.ABORTED, "CONCURRENCY_CONFLICT")

EXPECTED_BREAKDOWN = Breakdown(
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
            multiplier=Decimal("2"),
            on_points=105,
            note="budget",
            capped_points=20,
        ),
        BreakdownLine(LineKind.CAMPAIGN, 25, Funder.PARTNER, rule_id="welcome-week"),
    ),
    excluded=(ExcludedItem(1, "cigs-20", "tobacco", 900, "category"),),
    caps=(CapCut("daily-cap", "day", 500, 20),),
    coalition_funded_points=38,
    tier="Silver",
    tier_after="Gold",
)


# -- conversion -------------------------------------------------------------------------------


def test_a_breakdown_message_becomes_a_breakdown_with_every_field() -> None:
    assert convert.breakdown(BREAKDOWN) == EXPECTED_BREAKDOWN


def test_a_multiplier_stays_the_exact_decimal_the_hub_sent() -> None:
    tier_line = convert.breakdown(BREAKDOWN).lines[1]

    assert isinstance(tier_line.multiplier, Decimal)
    assert str(tier_line.multiplier) == "1.50"


def test_the_base_and_fixed_bonuses_have_no_multiplier() -> None:
    lines = convert.breakdown(BREAKDOWN).lines

    assert (lines[0].multiplier, lines[3].multiplier) == (None, None)


def test_a_multiplier_that_is_not_a_decimal_is_refused_by_name() -> None:
    message = partner_pb2.BreakdownLine(kind="campaign", multiplier="twice")

    with pytest.raises(ValueError, match="multiplier"):
        convert.breakdown_line(message)


def test_line_kinds_and_funders_from_a_newer_hub_become_unknown() -> None:
    line = convert.breakdown_line(partner_pb2.BreakdownLine(kind="partner-bonus", funder=9))
    unspecified = convert.breakdown_line(partner_pb2.BreakdownLine(kind="base"))

    assert (line.kind, line.funder) == (LineKind.UNKNOWN, Funder.UNKNOWN)
    assert unspecified.funder is Funder.UNKNOWN


def test_a_lines_posted_points_are_its_points_less_what_a_cap_took() -> None:
    assert EXPECTED_BREAKDOWN.lines[2].posted_points == 38


def test_earn_quote_and_earn_transactions_carry_the_breakdown() -> None:
    earned = partner_pb2.EarnResponse(
        transaction_id="t_1", available_at=NOW, rates=RATES, created_at=NOW, breakdown=BREAKDOWN
    )
    quote = partner_pb2.QuoteResponse(
        earn=partner_pb2.EarnQuoteResult(points=220, available_at=NOW, breakdown=BREAKDOWN),
        rates=RATES,
        quoted_at=NOW,
    )
    transaction = partner_pb2.Transaction(
        kind=partner_pb2.TRANSACTION_KIND_EARN, created_at=NOW, breakdown=BREAKDOWN
    )

    assert convert.earned(earned).breakdown == EXPECTED_BREAKDOWN
    assert convert.earn_quote(quote).breakdown == EXPECTED_BREAKDOWN
    assert convert.transaction(transaction).breakdown == EXPECTED_BREAKDOWN


def test_without_a_breakdown_from_the_hub_the_breakdown_is_none() -> None:
    earned = partner_pb2.EarnResponse(available_at=NOW, rates=RATES, created_at=NOW)
    capture = partner_pb2.Transaction(kind=partner_pb2.TRANSACTION_KIND_CAPTURE, created_at=NOW)

    assert convert.earned(earned).breakdown is None
    assert convert.transaction(capture).breakdown is None


def test_an_empty_breakdown_the_hub_did_send_is_kept() -> None:
    earned = partner_pb2.EarnResponse(
        available_at=NOW, rates=RATES, created_at=NOW, breakdown=partner_pb2.Breakdown()
    )

    assert convert.earned(earned).breakdown == Breakdown(points=0, eligible_minor=0)


def test_a_balance_has_the_members_tier_status_or_none_without_tiers() -> None:
    tier = partner_pb2.TierStatus(
        tier="Silver",
        next_tier="Gold",
        metric="points",
        qualifying=4_200,
        to_next_tier=800,
    )

    with_tiers = convert.balance(partner_pb2.Balance(member_id="m_1", as_of=NOW, tier=tier))
    without = convert.balance(partner_pb2.Balance(member_id="m_1", as_of=NOW))

    assert with_tiers.tier == TierStatus("Silver", "Gold", "points", 4_200, 800)
    assert without.tier is None


def test_a_member_carries_its_welcome_points_and_zero_without() -> None:
    enrolled = partner_pb2.Member(member_id="m_1", enrolled_at=NOW, welcome_points=50)

    assert convert.member(enrolled).welcome_points == 50
    assert convert.member(partner_pb2.Member(member_id="m_1", enrolled_at=NOW)).welcome_points == 0


def test_a_bonus_transaction_reads_as_bonus() -> None:
    message = partner_pb2.Transaction(kind=partner_pb2.TRANSACTION_KIND_BONUS, created_at=NOW)

    kind = convert.transaction(message).kind

    assert kind is TransactionKind.BONUS
    assert kind.value == "bonus"


def test_a_goodwill_transaction_reads_as_goodwill() -> None:
    message = partner_pb2.Transaction(kind=partner_pb2.TRANSACTION_KIND_GOODWILL, created_at=NOW)

    assert convert.transaction(message).kind is TransactionKind.GOODWILL


def test_a_grant_event_request_names_the_member_the_event_and_the_referred_member() -> None:
    referral = convert.grant_event_request(
        "m_1", EventKind.REFERRAL, Identifier.phone("+4915112345678"), "key-1"
    )
    review = convert.grant_event_request(Identifier.card("4000123456789010"), "review", None, None)

    assert (referral.idempotency_key, referral.event) == ("key-1", "referral")
    assert referral.member == common_pb2.MemberRef(member_id="m_1")
    assert referral.referred_member.identifier.value == "+4915112345678"
    assert review.member.identifier.kind == common_pb2.IDENTIFIER_KIND_CARD
    assert not review.HasField("referred_member")
    assert uuid.UUID(review.idempotency_key).version == 4


def test_event_kinds_are_the_values_the_hub_knows() -> None:
    assert [kind.value for kind in EventKind] == ["review", "referral", "profile-completed"]


def test_a_grant_event_response_becomes_an_event_grant() -> None:
    response = partner_pb2.GrantEventResponse(
        transaction_id="t_e1",
        member_id="m_1",
        points=200,
        rule_id="referrals",
        funder=common_pb2.FUNDER_COALITION,
        created_at=NOW,
        referred_member_id="m_2",
        referee_points=100,
        referee_transaction_id="t_e2",
    )

    assert convert.event_grant(response) == EventGrant(
        "t_e1", "m_1", 200, "referrals", Funder.COALITION, NOW, "m_2", 100, "t_e2"
    )


def test_a_grant_without_a_creation_time_is_refused() -> None:
    with pytest.raises(ValueError, match="created_at"):
        convert.event_grant(partner_pb2.GrantEventResponse(transaction_id="t_e1"))


def test_the_new_models_and_errors_are_exported() -> None:
    names = {
        "Breakdown",
        "BreakdownLine",
        "CapCut",
        "EventGrant",
        "EventKind",
        "ExcludedItem",
        "Funder",
        "LineKind",
        "TierStatus",
        "InvalidRule",
        "RuleInPast",
        "RuleNotFound",
        "CampaignsOverlap",
        "EventLimitReached",
        "RuleEnded",
    }

    assert names <= set(partner_sdk.__all__)


# -- receipt ----------------------------------------------------------------------------------


def test_receipt_lines_explain_every_point_of_the_earn() -> None:
    assert EXPECTED_BREAKDOWN.receipt_lines() == [
        "Base points                          105",
        "Silver tier x1.5                     +52",
        "Double points in March x2            +58",
        "  reduced: campaign budget reached",
        "welcome-week                         +25",
        "No points: cigs-20, category tobacco",
        "Cap of 500 pts per day               -20",
        "Total points                         220",
        "New tier: Gold (was Silver), from your",
        "  next purchase",
    ]


def test_the_rows_of_a_receipt_add_up_to_its_total() -> None:
    rows = EXPECTED_BREAKDOWN.receipt_lines()
    amounts = [int(row.rsplit(" ", 1)[1]) for row in rows if row[-1].isdigit()]

    assert sum(amounts[:-1]) == amounts[-1] == EXPECTED_BREAKDOWN.points


@pytest.mark.parametrize("width", [24, 32, 42, 48])
def test_no_receipt_line_is_wider_than_the_printer(width: int) -> None:
    rows = EXPECTED_BREAKDOWN.receipt_lines(width=width)

    assert all(len(row) <= width for row in rows)
    assert [row.split() for row in rows if row.startswith("Total")] == [["Total", "points", "220"]]


def test_a_printer_too_narrow_for_a_row_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        EXPECTED_BREAKDOWN.receipt_lines(width=10)


def test_a_stacking_cut_a_discounted_item_and_a_purchase_cap_have_their_words() -> None:
    breakdown = Breakdown(
        points=130,
        eligible_minor=1000,
        lines=(
            BreakdownLine(LineKind.BASE, 100, Funder.PARTNER),
            BreakdownLine(
                LineKind.CAMPAIGN,
                50,
                Funder.PARTNER,
                rule_id="spring",
                multiplier=Decimal("1.50"),
                note="stacking",
                capped_points=20,
            ),
            BreakdownLine(LineKind.TIER, 0, Funder.PARTNER, multiplier=Decimal("1E+0")),
        ),
        excluded=(ExcludedItem(2, "", "bakery", 300, "discounted"),),
        caps=(CapCut("per-receipt", "transaction", 130, 20),),
    )

    assert breakdown.receipt_lines() == [
        "Base points                          100",
        "spring x1.5                          +50",
        "  reduced: stacking limit reached",
        "Tier bonus x1                         +0",
        "No points: item 3, discounted item",
        "Cap of 130 pts per purchase          -20",
        "Total points                         130",
    ]


def test_words_a_newer_hub_sends_are_printed_as_sent() -> None:
    breakdown = Breakdown(
        points=10,
        eligible_minor=100,
        lines=(BreakdownLine(LineKind.UNKNOWN, 10, Funder.UNKNOWN, label="Lucky", note="lottery"),),
        excluded=(ExcludedItem(0, "gift-card", "gifts", 500, "gift-card"),),
        caps=(CapCut("weekly", "week", 100, 0),),
    )

    assert breakdown.receipt_lines() == [
        "Lucky                                +10",
        "  lottery",
        "No points: gift-card, gift-card",
        "Cap of 100 pts per week               -0",
        "Total points                          10",
    ]


# -- over the wire ----------------------------------------------------------------------------


def test_earn_quote_history_and_balance_bring_the_rules_results(client: HubClient) -> None:
    earned = client.earn("m_1", amount_minor=1050, currency="EUR", order_id="o-1")
    quote = client.quote_earn(amount_minor=1050, currency="EUR", member="m_1")
    first = client.history(page_size=2).transactions[0]
    balance = client.balance("m_1")

    assert earned.breakdown == quote.breakdown == first.breakdown == EXPECTED_BREAKDOWN
    assert balance.tier == TierStatus("Silver", "Gold", "spend", 120_000, 30_000, "EUR")


def test_enroll_says_the_welcome_points_and_lookup_does_not(client: HubClient) -> None:
    enrolled = client.enroll(Identifier.card("4000123456789010"))
    looked_up = client.lookup("m_1")

    assert (enrolled.welcome_points, looked_up.welcome_points) == (50, 0)


def test_grant_event_sends_the_event_and_returns_the_grant(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    grant = client.grant_event(Identifier.app_id("u-42"), EventKind.REVIEW)

    request = fake_hub.received[0].request
    assert fake_hub.methods() == ["GrantEvent"]
    assert (request.member.identifier.value, request.event) == ("u-42", "review")
    assert not request.HasField("referred_member")
    assert grant == EventGrant("t_e1", "m_1", 200, "referrals", Funder.COALITION, NOW)


def test_a_referral_names_the_referred_member_and_both_sides_earn(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    grant = client.grant_event("m_1", "referral", referred_member="m_2")

    assert fake_hub.received[0].request.referred_member.member_id == "m_2"
    assert (grant.referred_member_id, grant.referee_points, grant.referee_transaction_id) == (
        "m_2",
        100,
        "t_e2",
    )


def test_grant_event_retries_reuse_the_key_made_before_the_first_attempt(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE, ABORTED)

    client.grant_event("m_1", "review")
    client.grant_event("m_1", "review")

    keys = [r.idempotency_key for r in fake_hub.received]
    request_ids = [r.request_id for r in fake_hub.received]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert request_ids[0] == request_ids[1] == request_ids[2] != request_ids[3]
    assert uuid.UUID(keys[0]).version == 4


def test_a_callers_grant_event_key_is_sent_on_every_attempt(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE)

    client.grant_event("m_1", "profile-completed", idempotency_key="profile-m_1")

    assert [r.idempotency_key for r in fake_hub.received] == ["profile-m_1", "profile-m_1"]


@pytest.mark.asyncio
async def test_async_grant_event_retries_with_one_key(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(UNAVAILABLE, ABORTED)

    async with AsyncHubClient(fake_hub.target, partner_id="coffee", retry=clock.policy()) as client:
        grant = await client.grant_event("m_1", EventKind.REFERRAL, referred_member="m_2")

    assert grant.referee_points == 100
    assert len(fake_hub.received) == 3
    assert len({r.idempotency_key for r in fake_hub.received}) == 1
    assert fake_hub.received[0].request.referred_member.member_id == "m_2"


RULE_REASONS = [
    ("INVALID_RULE", InvalidRule, InvalidRequest),
    ("RULE_IN_PAST", RuleInPast, InvalidRequest),
    ("RULE_NOT_FOUND", RuleNotFound, NotFound),
    ("CAMPAIGNS_OVERLAP", CampaignsOverlap, Refused),
    ("EVENT_LIMIT_REACHED", EventLimitReached, Refused),
    ("RULE_ENDED", RuleEnded, Refused),
]


@pytest.mark.parametrize(("reason", "error_class", "family"), RULE_REASONS)
def test_each_rule_reason_raises_its_class_under_the_class_of_its_code(
    fake_hub: FakePartnerService,
    client: HubClient,
    reason: str,
    error_class: type[HubError],
    family: type[HubError],
) -> None:
    fake_hub.fail_next(rich(family.codes[0], reason, metadata={"rule_id": "referrals"}))

    with pytest.raises(family) as raised:
        client.grant_event("m_1", "referral", referred_member="m_2")

    assert type(raised.value) is error_class
    assert (raised.value.code, raised.value.reason) == (family.codes[0], reason)
    assert raised.value.details == {"rule_id": "referrals"}
    assert raised.value.request_id == fake_hub.received[0].request_id
    assert len(fake_hub.received) == 1
