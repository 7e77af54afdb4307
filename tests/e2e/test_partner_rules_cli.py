"""What partners asked for at the till, as operators and analysts run it: ``hub partner add``
with an earn rounding mode and category shares, ``hub partner show`` listing burn rules,
exclusions and campaigns, and ``hub fraud annul --operation``; real processes on SQLite."""

from __future__ import annotations

import uuid

import pytest

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.domain.money import EarnRounding
from tests.conftest import add_partner, rates, settings_for
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli
from tests.integration.helpers import authorize, card, earn, enroll

pytestmark = pytest.mark.slow
STARTS = "2026-01-01T00:00:00Z"


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/hub.db"
    assert hub_cli("migrate", "--db", url).returncode == 0
    return url


def run(db: str, *args: str) -> str:
    result = hub_cli(*args, "--db", db)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(db: str, *args: str) -> str:
    result = hub_cli(*args, "--db", db)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def test_partner_show_lists_the_earn_rounding_burn_rules_exclusions_and_campaigns(db):
    run(
        db,
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
    run(db, "rules", "exclusions", "shop", "--earn-category", "tobacco", "--reason", "T-1")
    run(
        db,
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
    shown = run(db, "partner", "show", "shop")
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


def test_partner_show_says_when_there_are_no_exclusions_or_campaigns(db):
    run(db, "partner", "add", "coffee", "--name", "Coffee Co", *PARTNER_FLAGS)
    shown = run(db, "partner", "show", "coffee")
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
    db, flags, reason, field
):
    error = refused(db, "partner", "add", "shop", "--name", "Shop", *PARTNER_FLAGS, *flags)
    assert reason in error
    assert field in error
    assert "shop" not in run(db, "partner", "list")


def test_an_unknown_earn_rounding_mode_is_refused_by_the_command_line(db):
    result = hub_cli(
        "partner",
        "add",
        "shop",
        "--name",
        "Shop",
        *PARTNER_FLAGS,
        "--earn-rounding",
        "nearest",
        "--db",
        db,
    )
    assert result.returncode == 2
    assert "--earn-rounding" in result.stderr


@pytest.fixture
def earned(tmp_path) -> tuple[str, str, str, str]:
    """A member with two earns at coffee (100 and 200 points) and a hold of 250: the database,
    the member and the two earns' transaction ids."""
    db = f"sqlite:///{tmp_path}/annul.db"
    hub = bootstrap.build(settings_for(db))
    try:
        upgrade(hub.engine)
        add_partner(hub, rates=rates(), earn_rounding=EarnRounding.DOWN)
        member_id = enroll(hub).member_id
        first = earn(hub, card(), 10_000)
        second = earn(hub, card(), 20_000)
        authorize(hub, card(), 250)
    finally:
        hub.close()
    return db, str(member_id), str(first.transaction_id), str(second.transaction_id)


def test_an_analyst_annuls_one_operation_from_the_command_line(earned):
    db, member_id, first, second = earned
    shown = run(db, "fraud", "show", member_id)
    assert first in shown  # where the analyst finds the operation's id
    assert second in shown
    # The hold reserved the 100 points of the first earn and 150 of the second's.
    annulled = run(db, "fraud", "annul", member_id, "--operation", second, "--reason", "F-9")
    assert f"annulled 50 points of operation {second} of member {member_id}" in annulled
    assert "NOTHING_TO_ANNUL" in refused(
        db, "fraud", "annul", member_id, "--operation", first, "--reason", "F-9"
    )
    assert "TRANSACTION_NOT_FOUND" in refused(
        db, "fraud", "annul", member_id, "--operation", str(uuid.uuid4()), "--reason", "F-9"
    )
    assert "MALFORMED_ID" in refused(
        db, "fraud", "annul", member_id, "--operation", "not-an-id", "--reason", "F-9"
    )
    both = refused(
        db, "fraud", "annul", member_id, "--operation", second, "--points", "1", "--reason", "F-9"
    )
    assert "INVALID_FIELD" in both
