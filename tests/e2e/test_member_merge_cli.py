"""``hub member merge`` and ``unmerge`` as an operator runs them: through the MergeService of
a real mTLS hub, with only their certificate; refusals arrive as one line with their reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from partner_sdk import HubClient, Identifier, MemberNotActive, MemberStatus
from tests.conftest import add_partner
from tests.e2e.staff import ADA, ANA, StaffDesk
from tests.integration.helpers import authorize, balance, card, earn, enroll

CARD_A, CARD_B = "4000000000000001", "4000000000000002"


@pytest.fixture
def desk(hub, tmp_path) -> Iterator[StaffDesk]:
    add_partner(hub, "coffee")
    opened = StaffDesk.open(hub, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def pair(hub, desk):
    """Two members of one person: A with 300 points, B with 200."""
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "coffee", card(CARD_B)).member_id
    earn(hub, card(CARD_A), 30_000)
    earn(hub, card(CARD_B), 20_000)
    return a, b


def test_an_operator_merges_two_members_over_the_hub(hub, desk, pair):
    a, b = pair

    ran = desk.run(ADA, "member", "merge", str(a), str(b), "--reason", "ticket M-7")

    assert ran.code == 0, ran.err
    assert f"member {b} merged into {a}: 200 points" in ran.out
    assert balance(hub, card(CARD_B)).member_id == a
    assert balance(hub, a).available_points == 500
    (record,) = hub.operator.list_audit(limit=5, action="member.merge")
    assert record.event.actor == ADA.uri
    shown = desk.run(ANA, "fraud", "show", str(a))
    assert f"merged members (their history): {b}" in shown.out, shown.err


def test_an_operator_unmerges_and_the_absorbed_member_gets_its_points_back(hub, desk, pair):
    a, b = pair
    assert desk.run(ADA, "member", "merge", str(a), str(b), "--reason", "M-7").code == 0

    ran = desk.run(ADA, "member", "unmerge", str(a), str(b), "--reason", "M-7: two people")

    assert ran.code == 0, ran.err
    assert "200 points and 0 points of debt given back" in ran.out
    assert balance(hub, b).available_points == 200
    assert balance(hub, card(CARD_B)).member_id == b


def test_an_analyst_may_not_merge(hub, desk, pair):
    a, b = pair

    ran = desk.run(ANA, "member", "merge", str(a), str(b), "--reason", "M-7")

    assert ran.code == 2
    assert "ROLE_NOT_ALLOWED" in ran.err
    assert balance(hub, b).available_points == 200


@pytest.mark.parametrize(
    ("survivor", "absorbed", "reason"),
    [
        ("A", "A", "INVALID_FIELD"),
        ("A", "00000000-0000-4000-8000-000000000000", "MEMBER_NOT_FOUND"),
        ("A", "B", "MEMBER_HAS_PENDING_HOLDS"),
    ],
)
def test_a_refused_merge_says_why_in_one_line(hub, desk, pair, survivor, absorbed, reason):
    ids = {"A": str(pair[0]), "B": str(pair[1])}
    authorize(hub, card(CARD_B), 50)

    ran = desk.run(
        ADA,
        "member",
        "merge",
        ids.get(survivor, survivor),
        ids.get(absorbed, absorbed),
        "--reason",
        "M-7",
    )

    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    assert reason in ran.err


def test_a_merge_already_made_is_refused_and_an_unmerge_of_strangers_too(hub, desk, pair):
    a, b = pair
    assert desk.run(ADA, "member", "merge", str(a), str(b), "--reason", "M-7").code == 0

    again = desk.run(ADA, "member", "merge", str(a), str(b), "--reason", "M-7")
    backwards = desk.run(ADA, "member", "unmerge", str(b), str(a), "--reason", "M-7")

    assert "MEMBER_ALREADY_MERGED" in again.err
    assert "MEMBER_NOT_MERGED" in backwards.err


def test_a_till_sees_the_absorbed_member_merged_and_its_card_finds_the_survivor(
    hub, desk, pair, target
):
    a, b = pair
    assert desk.run(ADA, "member", "merge", str(a), str(b), "--reason", "M-7").code == 0

    with HubClient(target, partner_id="coffee") as till:
        absorbed = till.lookup(str(b))
        by_card = till.lookup(Identifier.card(CARD_B))
        with pytest.raises(MemberNotActive):
            till.earn(str(b), amount_minor=1_000, currency="EUR", order_id="after-merge")

    assert absorbed.status is MemberStatus.MERGED
    assert by_card.member_id == str(a)
