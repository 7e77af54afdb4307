"""What partners asked for at the till, as operators and analysts run it: ``hub partner add``
with an earn rounding mode and category shares, ``hub partner show`` listing burn rules,
exclusions and campaigns, and ``hub fraud annul --operation``: over gRPC, each person with
their own certificate."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hub.domain.money import EarnRounding
from tests.conftest import add_partner, rates
from tests.e2e import operator_desk
from tests.e2e.staff import ANA, StaffDesk
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli
from tests.integration.helpers import authorize, card, earn, enroll

STARTS = "2026-01-01T00:00:00Z"


@pytest.fixture
def desk(hub, tmp_path) -> Iterator[StaffDesk]:
    with operator_desk.open_desk(hub, tmp_path) as opened:
        yield opened


def test_partner_show_lists_the_earn_rounding_burn_rules_exclusions_and_campaigns(desk):
    operator_desk.ok(
        desk,
        "partner",
        "add",
        "shop",
        "--name",
        "Kids Shop",
        *PARTNER_FLAGS,
        "--earn-rounding",
        "half_up",
        "--burn-max-share",
        "0.5",
        "--burn-category-shares",
        "children=0.2,alcohol=0",
        "--burn-excluded-categories",
        "gift-cards",
    )
    operator_desk.ok(
        desk, "rules", "exclusions", "shop", "--earn-category", "tobacco", "--reason", "T-1"
    )
    operator_desk.ok(
        desk,
        "rules",
        "campaign",
        "toys-x2",
        "--label",
        "Toys double",
        "--multiplier",
        "2",
        "--partner",
        "shop",
        "--starts",
        STARTS,
        "--reason",
        "T-2",
    )
    shown = operator_desk.ok(desk, "partner", "show", "shop")
    assert "earn rounding: half_up (settlement rounding floor)" in shown
    assert "at most 0.5 of a receipt" in shown
    assert "points pay nothing of: gift-cards" in shown
    shares = [line.split() for line in shown.splitlines()]
    assert ["alcohol", "0"] in shares
    assert ["children", "0.2"] in shares
    assert "exclusions:" in shown
    assert "no earn on tobacco" in shown
    assert "campaigns:" in shown
    assert "toys-x2" in shown
    assert "Toys double" in shown


def test_partner_show_says_when_there_are_no_exclusions_or_campaigns(desk):
    operator_desk.ok(desk, "partner", "add", "coffee", "--name", "Coffee Co", *PARTNER_FLAGS)
    shown = operator_desk.ok(desk, "partner", "show", "coffee")
    assert "earn rounding: down" in shown
    assert "exclusions: none" in shown
    assert "campaigns: none" in shown


@pytest.mark.parametrize(
    ("flags", "reason", "field"),
    [
        (("--burn-category-shares", "children=1.5"), "INVALID_FIELD", "max_share"),
        (("--burn-category-shares", "children=lots"), "INVALID_RATE", "max_share"),
        (("--burn-category-shares", "children"), "INVALID_FIELD", "category_shares"),
        (("--burn-category-shares", "=0.2"), "INVALID_FIELD", "category"),
    ],
)
def test_a_bad_category_share_is_refused_naming_the_field_and_adds_no_partner(
    desk, flags, reason, field
):
    error = operator_desk.refused(
        desk, "partner", "add", "shop", "--name", "Shop", *PARTNER_FLAGS, *flags
    )
    assert reason in error
    assert field in error
    assert "shop" not in operator_desk.ok(desk, "partner", "list")


def test_an_unknown_earn_rounding_mode_is_refused_by_the_command_line():
    # Refused by the flags' parser, before any hub is called.
    result = hub_cli(
        "partner", "add", "shop", "--name", "Shop", *PARTNER_FLAGS, "--earn-rounding", "nearest"
    )
    assert result.returncode == 2
    assert "--earn-rounding" in result.stderr


@pytest.fixture
def earned(hub) -> tuple[str, str, str]:
    """A member with two earns at coffee (100 and 200 points) and a hold of 250: the member
    and the two earns' transaction ids."""
    add_partner(hub, rates=rates(), earn_rounding=EarnRounding.DOWN)
    member_id = enroll(hub).member_id
    first = earn(hub, card(), 10_000)
    second = earn(hub, card(), 20_000)
    authorize(hub, card(), 250)
    return str(member_id), str(first.transaction_id), str(second.transaction_id)


def test_an_analyst_annuls_one_operation_from_the_command_line(desk, earned):
    member_id, first, second = earned

    def annul(*flags: str) -> str:
        return operator_desk.refused(
            desk, "fraud", "annul", member_id, *flags, "--reason", "F-9", person=ANA
        )

    shown = operator_desk.ok(desk, "fraud", "show", member_id, "--wide", person=ANA)
    assert first in shown  # where the analyst finds the operation's id
    assert second in shown
    # The hold reserved the 100 points of the first earn and 150 of the second's.
    annulled = operator_desk.ok(
        desk, "fraud", "annul", member_id, "--operation", second, "--reason", "F-9", person=ANA
    )
    assert f"annulled 50 points of operation {second} of member {member_id}" in annulled
    assert "NOTHING_TO_ANNUL" in annul("--operation", first)
    assert "TRANSACTION_NOT_FOUND" in annul("--operation", str(uuid.uuid4()))
    assert "MALFORMED_ID" in annul("--operation", "not-an-id")
    assert "INVALID_FIELD" in annul("--operation", second, "--points", "1")
