"""The analysts' queue through a real mTLS hub: pages up to 500, ids by unique prefix,
groups by member and rule, bulk resolution, held redemptions' time left, masked identifiers,
and a member's timeline."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, timedelta

import grpc
import pytest

from coalition.hub.v1 import fraud_pb2, fraud_pb2_grpc
from fraud.verdicts import RuleCode
from hub.domain.flags import FlagStatus
from hub.domain.limits import HOLD_TTL_DEFAULT_S
from hub.domain.purchases import Channel, PointOfSale
from hub.domain.short_ids import short_form
from tests.conftest import START
from tests.e2e.mtls import ANALYST, Pki
from tests.e2e.test_fraud_review_api import put_in_review, raise_flag, refusal
from tests.e2e.test_mtls import reason_of
from tests.e2e.test_rules_api import field_of
from tests.integration.helpers import authorize, card, earn, earn_command, enroll, row_counts

CARD_NUMBER = "4000123412341234"


@pytest.fixture
def fraud(hub, pki: Pki, mtls_target: str) -> fraud_pb2_grpc.FraudReviewServiceStub:
    channel = pki.channel(mtls_target, pki.enrol(hub, ANALYST))
    return fraud_pb2_grpc.FraudReviewServiceStub(channel)


@pytest.fixture
def member_id(hub, mtls_target) -> uuid.UUID:
    """A coffee member with 1000 points from coffee and 500 from fuel, an hour ago."""
    member = enroll(hub, "coffee", card(CARD_NUMBER)).member_id
    earn(hub, member, 100_000, partner_id="coffee")
    hub.clock.advance(timedelta(minutes=1))
    earn(hub, member, 50_000, partner_id="fuel")
    hub.clock.advance(timedelta(hours=1))
    return member


def listed(fraud, **fields) -> fraud_pb2.ListFlagsResponse:
    return fraud.ListFlags(fraud_pb2.ListFlagsRequest(**fields), timeout=5)


def refused_with(call, request) -> tuple[grpc.StatusCode, str, str]:
    error = refusal(call, request)
    return error.code(), reason_of(error), field_of(error)


# -- paging -----------------------------------------------------------------------------------


def test_a_page_holds_up_to_500_flags_as_the_help_says(hub, fraud, member_id):
    for minute in range(260):
        raise_flag(hub, member_id, minutes=minute)
    page = listed(fraud, page_size=500)
    assert (len(page.flags), page.next_page_token) == (260, "")
    first = listed(fraud, page_size=250)
    rest = listed(fraud, page_size=250, page_token=first.next_page_token)
    assert (len(first.flags), len(rest.flags), rest.next_page_token) == (250, 10, "")
    assert {f.flag_id for f in first.flags} | {f.flag_id for f in rest.flags} == {
        f.flag_id for f in page.flags
    }


# -- short ids --------------------------------------------------------------------------------


def test_a_unique_prefix_names_a_flag_member_or_hold(hub, fraud, member_id):
    flag = raise_flag(hub, member_id, flag_id=uuid.UUID("0190d5e2-bb00-7000-8000-000000000001"))
    got = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id="0190d5e2bb"), timeout=5)
    assert got.flag_id == str(flag.id)
    member_prefix = str(member_id)[:19]  # 16 digits: the id's time and counter
    account = fraud.GetAccount(fraud_pb2.GetAccountRequest(member_id=member_prefix), timeout=5)
    assert account.member_id == str(member_id)
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    released = fraud.ReleaseHold(
        fraud_pb2.ReviewHoldRequest(
            hold_id=str(hold.hold_id)[:19], reason="verified", flag_id="0190D5E2-BB00"
        ),
        timeout=5,
    )
    assert released.hold_id == str(hold.hold_id)


def test_a_prefix_several_ids_share_is_ambiguous_and_changes_nothing(hub, fraud, member_id):
    for last in (1, 2):
        raise_flag(hub, member_id, flag_id=uuid.UUID(f"0190d5e2-aa00-7000-8000-00000000000{last}"))
    other = enroll(hub, "coffee", card("4000123412349999")).member_id
    shared = str(member_id)[:8]
    assert str(other)[:8] == shared  # UUIDv7: ids made within weeks share their first digits
    before = row_counts(hub)
    resolve = fraud_pb2.ResolveFlagRequest(flag_id="0190d5e2aa", resolution="confirmed", note="n")
    freeze = fraud_pb2.FreezeMemberRequest(member_id=shared, reason="T-9")
    ambiguous = (grpc.StatusCode.INVALID_ARGUMENT, "AMBIGUOUS_ID")
    assert refused_with(fraud.ResolveFlag, resolve) == (*ambiguous, "flag_id")
    assert refused_with(fraud.FreezeMember, freeze) == (*ambiguous, "member_id")
    assert row_counts(hub) == before


def test_the_short_form_tables_show_names_one_of_a_bursts_ids(hub, fraud, member_id):
    burst = [uuid.UUID(f"0190d5e2-cc00-7000-8000-00000000{n:04x}") for n in (0x1A2B, 0x3C4D)]
    for flag_id in burst:
        raise_flag(hub, member_id, flag_id=flag_id)

    got = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id=short_form(burst[1])), timeout=5)

    assert got.flag_id == str(burst[1])
    missing = fraud_pb2.GetFlagRequest(flag_id="0190d5e2..ffff")
    assert refused_with(fraud.GetFlag, missing)[:2] == (grpc.StatusCode.NOT_FOUND, "FLAG_NOT_FOUND")


def test_a_prefix_no_id_has_is_not_found(hub, fraud, member_id):
    flag = fraud_pb2.GetFlagRequest(flag_id="ffffffff0")
    member = fraud_pb2.GetAccountRequest(member_id="ffffffff0")
    hold = fraud_pb2.ReviewHoldRequest(hold_id="ffffffff0", reason="ok")
    not_found = grpc.StatusCode.NOT_FOUND
    assert refused_with(fraud.GetFlag, flag)[:2] == (not_found, "FLAG_NOT_FOUND")
    assert refused_with(fraud.GetAccount, member)[:2] == (not_found, "MEMBER_NOT_FOUND")
    assert refused_with(fraud.DeclineHold, hold)[:2] == (not_found, "HOLD_NOT_FOUND")


# -- held redemptions -------------------------------------------------------------------------


def test_a_flag_on_a_held_redemption_shows_its_expiry_and_the_time_left(hub, fraud, member_id):
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    raise_flag(hub, member_id, hold_id=hold.hold_id)
    hub.clock.advance(timedelta(seconds=100))
    [row] = listed(fraud).flags
    assert (row.hold_status, row.hold_expires_at.ToDatetime(tzinfo=UTC)) == (
        "in_review",
        hold.expires_at,
    )
    assert row.hold_expires_in_s == HOLD_TTL_DEFAULT_S - 100
    got = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id=row.flag_id), timeout=5)
    assert got.hold_expires_in_s == HOLD_TTL_DEFAULT_S - 100


def test_the_queue_lists_flags_whose_hold_expires_within_the_window_on_any_page(
    hub, fraud, member_id
):
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    held = raise_flag(hub, member_id, score=10, hold_id=hold.hold_id)
    raise_flag(hub, member_id, score=90)
    window_s = 5 * 60
    assert listed(fraud, page_size=1, expiring_within_s=window_s).expiring == []
    hub.clock.advance(timedelta(seconds=HOLD_TTL_DEFAULT_S - 60))
    page = listed(fraud, page_size=1, expiring_within_s=window_s)
    assert [f.flag_id for f in page.flags] != [str(held.id)]
    assert [(f.flag_id, f.hold_expires_in_s) for f in page.expiring] == [(str(held.id), 60)]
    assert page.as_of.ToDatetime(tzinfo=UTC) == hub.clock.now()


def test_a_resolved_or_captured_hold_shows_its_state_but_no_time_left(hub, fraud, member_id):
    hold = authorize(hub, member_id, 100)
    raise_flag(hub, member_id, hold_id=hold.hold_id)
    fraud.DeclineHold(
        fraud_pb2.ReviewHoldRequest(hold_id=str(hold.hold_id), reason="stolen"), timeout=5
    )
    [row] = listed(fraud).flags
    assert (row.hold_status, row.HasField("hold_expires_at"), row.hold_expires_in_s) == (
        "declined",
        False,
        0,
    )


# -- groups -----------------------------------------------------------------------------------


def test_open_flags_group_by_member_with_counts_scores_partners_and_masked_cards(
    hub, fraud, member_id
):
    other = enroll(hub, "coffee", card("4000123412349999")).member_id
    hold = authorize(hub, member_id, 100)
    put_in_review(hub, hold.hold_id)
    raise_flag(hub, member_id, score=40, minutes=1, hold_id=hold.hold_id)
    raise_flag(hub, member_id, score=70, minutes=2, partner_id="fuel")
    raise_flag(hub, member_id, score=99, minutes=3, status=FlagStatus.CONFIRMED)
    raise_flag(hub, other, score=80, minutes=4)
    response = fraud.ListFlagGroups(fraud_pb2.ListFlagGroupsRequest(by="member"), timeout=5)
    assert [(g.member_id, g.open_flags, g.score_max) for g in response.groups] == [
        (str(other), 1, 80),
        (str(member_id), 2, 70),
    ]
    mine = response.groups[1]
    assert list(mine.partner_ids) == ["coffee", "fuel"]
    assert mine.newest_raised_at.ToDatetime(tzinfo=UTC) == START + timedelta(minutes=2)
    assert mine.oldest_raised_at.ToDatetime(tzinfo=UTC) == START + timedelta(minutes=1)
    assert mine.hold_expires_at.ToDatetime(tzinfo=UTC) == hold.expires_at
    assert mine.points == 200
    [masked] = mine.member_identifiers
    assert masked.kind == "card"
    assert masked.masked.startswith("card ••••")
    assert CARD_NUMBER not in str(response)
    assert not response.truncated


def test_open_flags_group_by_rule_and_a_flag_of_two_rules_counts_in_both(hub, fraud, member_id):
    raise_flag(hub, member_id, score=30, rule=RuleCode.CASHIER_ONE_CARD)
    raise_flag(hub, member_id, score=60, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    raise_flag(hub, member_id, score=50, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    response = fraud.ListFlagGroups(
        fraud_pb2.ListFlagGroupsRequest(by="rule", page_size=1), timeout=5
    )
    assert [(g.rule, g.open_flags, g.score_max) for g in response.groups] == [
        ("member_velocity_count", 2, 60)
    ]
    assert (response.truncated, response.groups[0].member_id) == (True, "")


# -- bulk resolution --------------------------------------------------------------------------


def test_an_analyst_resolves_every_open_flag_of_a_member_up_to_a_time_in_one_call(
    hub, fraud, member_id
):
    other = enroll(hub, "coffee", card("4000123412349999")).member_id
    burst = [raise_flag(hub, member_id, minutes=m) for m in (1, 2, 3)]
    later = raise_flag(hub, member_id, minutes=30)
    theirs = raise_flag(hub, other, minutes=2)
    request = fraud_pb2.ResolveFlagsRequest(
        member_id=str(member_id)[:19], resolution="false_positive", note="one burst: a party"
    )
    request.raised_until.FromDatetime(START + timedelta(minutes=10))
    resolved = fraud.ResolveFlags(request, timeout=5)
    assert (resolved.resolved, list(resolved.flag_ids), resolved.more) == (
        3,
        [str(f.id) for f in burst],
        False,
    )
    still_open = {f.flag_id for f in listed(fraud).flags}
    assert still_open == {str(later.id), str(theirs.id)}
    account = fraud.GetAccount(fraud_pb2.GetAccountRequest(member_id=str(member_id)), timeout=5)
    assert sorted((a.action, a.flag_id, a.actor) for a in account.actions) == sorted(
        ("resolve", str(f.id), ANALYST.uri) for f in burst
    )
    flag = fraud.GetFlag(fraud_pb2.GetFlagRequest(flag_id=str(burst[0].id)), timeout=5)
    assert (flag.status, flag.resolved_by, flag.note) == (
        "false_positive",
        ANALYST.uri,
        "one burst: a party",
    )
    [record] = hub.operator.list_audit(limit=10, actor=ANALYST.uri)
    assert (record.event.action, record.event.target, record.event.reason) == (
        "flags.resolve",
        f"member:{member_id}",
        "one burst: a party",
    )
    assert (record.event.details["flags"], record.event.details["resolution"]) == (
        3,
        "false_positive",
    )


def test_an_analyst_resolves_every_open_flag_of_a_rule(hub, fraud, member_id):
    velocity = [
        raise_flag(hub, member_id, minutes=m, rule=RuleCode.MEMBER_VELOCITY_COUNT) for m in (1, 2)
    ]
    cashier = raise_flag(hub, member_id, minutes=3)
    resolved = fraud.ResolveFlags(
        fraud_pb2.ResolveFlagsRequest(
            rule="member_velocity_count", resolution="confirmed", note="T-12"
        ),
        timeout=5,
    )
    assert list(resolved.flag_ids) == [str(f.id) for f in velocity]
    assert [f.flag_id for f in listed(fraud).flags] == [str(cashier.id)]
    again = fraud.ResolveFlags(
        fraud_pb2.ResolveFlagsRequest(
            rule="member_velocity_count", resolution="confirmed", note="T-12"
        ),
        timeout=5,
    )
    assert (again.resolved, list(again.flag_ids)) == (0, [])


# -- the member timeline ----------------------------------------------------------------------


def test_a_member_timeline_pages_through_everything_newest_first(hub, fraud):
    till = PointOfSale(Channel.POS, "S-1", "T-2", "C-13", None)
    member = enroll(hub, "coffee", card(CARD_NUMBER)).member_id
    command = earn_command(member, 100_000)
    hub.partner_api().earn(replace(command, purchase=replace(command.purchase, point_of_sale=till)))
    hub.clock.advance(timedelta(minutes=1))
    earn(hub, member, 50_000, partner_id="fuel")
    hub.clock.advance(timedelta(hours=1))
    hold = authorize(hub, member, 100)
    hub.clock.advance(timedelta(minutes=1))
    flag = raise_flag(hub, member, minutes=62, hold_id=hold.hold_id)
    assert flag.raised_at == hub.clock.now()  # the action below ties with it, and comes first
    fraud.FreezeMember(
        fraud_pb2.FreezeMemberRequest(member_id=str(member), reason="T-9", flag_id=str(flag.id)),
        timeout=5,
    )
    entries, token, pages = [], "", 0
    while True:
        page = fraud.GetMemberTimeline(
            fraud_pb2.GetMemberTimelineRequest(
                member_id=str(member), page_size=3, page_token=token
            ),
            timeout=5,
        )
        entries += list(page.entries)
        pages, token = pages + 1, page.next_page_token
        if not token:
            break
    kinds = [e.WhichOneof("entry") for e in entries]
    assert sorted(kinds) == sorted(["transaction"] * 3 + ["lot"] * 2 + ["hold", "flag", "action"])
    assert pages == 3
    times = [e.at.ToDatetime(tzinfo=UTC) for e in entries]
    assert times == sorted(times, reverse=True)
    assert kinds[0] == "action"
    [coffee_earn] = [
        e.transaction
        for e in entries
        if e.WhichOneof("entry") == "transaction"
        and e.transaction.partner_id == "coffee"
        and e.transaction.kind == "earn"
    ]
    assert (coffee_earn.point_of_sale.terminal_id, coffee_earn.point_of_sale.cashier_id) == (
        "T-2",
        "C-13",
    )
    assert page.identifiers[0].masked.startswith("card ••••")
    assert CARD_NUMBER not in str(page)


def test_a_timeline_token_pages_only_its_own_member(hub, fraud, member_id):
    other = enroll(hub, "coffee", card("4000123412349999")).member_id
    first = fraud.GetMemberTimeline(
        fraud_pb2.GetMemberTimelineRequest(member_id=str(member_id), page_size=1), timeout=5
    )
    elsewhere = fraud_pb2.GetMemberTimelineRequest(
        member_id=str(other), page_token=first.next_page_token
    )
    assert refused_with(fraud.GetMemberTimeline, elsewhere) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
        "page_token",
    )
    unknown = fraud_pb2.GetMemberTimelineRequest(member_id="0190d5e2-0000-7000-8000-0000000000ff")
    assert refused_with(fraud.GetMemberTimeline, unknown)[:2] == (
        grpc.StatusCode.NOT_FOUND,
        "MEMBER_NOT_FOUND",
    )
