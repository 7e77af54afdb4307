"""LocalHub with a partner's own rules: burn rules (per-category shares), the earn rounding
mode, campaigns and exclusions set for a partner's tests, and used through the SDK."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from partner_sdk import (
    ExceedsCategoryShare,
    ExceedsPayableAmount,
    Identifier,
    LineItem,
    Money,
)
from partner_sdk.testing import BurnRules, LocalHub, LocalHubError

pytestmark = pytest.mark.slow
CARD = Identifier.card("4000123456789010")
TOYS_AND_MILK = (LineItem("toy-1", "children", 5000), LineItem("milk-1", "grocery", 5000))


@pytest.fixture(scope="module")
def local_hub() -> Iterator[LocalHub]:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "--help"], capture_output=True, timeout=60, check=False
    )
    if done.returncode != 0:
        pytest.skip("`python -m hub --help` fails: the hub is not importable by this interpreter")
    with LocalHub(fraud_checks=False) as hub:
        hub.add_partner(
            "shop",
            earn_rate="0.1",
            burn_value="1",
            earn_rounding="half_up",
            burn_rules=BurnRules(max_share="0.5", category_shares={"children": "0.2"}),
        )
        yield hub


def test_a_partner_tests_its_burn_rules_rounding_campaigns_and_exclusions(
    local_hub: LocalHub,
) -> None:
    with local_hub.client("shop") as client:
        member = client.enroll(CARD)
        rounded = client.earn(member.member_id, amount_minor=1500, currency="EUR", order_id="r-1")
        local_hub.set_campaign("double", label="Double", partner_id="shop", multiplier="2")
        doubled = client.earn(
            member.member_id, amount_minor=100_000, currency="EUR", order_id="r-2"
        )
        local_hub.end_rule("double")
        local_hub.set_exclusions("shop", earn_categories=("tobacco",))
        excluded = client.earn(
            member.member_id,
            amount_minor=2000,
            currency="EUR",
            order_id="r-3",
            line_items=(LineItem("cig-1", "tobacco", 1000), LineItem("milk-1", "grocery", 1000)),
        )
        # Toys at 20 % and milk at the receipt's 50 %: 35 EUR of 100 EUR payable with points.
        receipt = Money(10_000, "EUR")
        quoted = client.quote_burn(points=35, receipt=receipt, line_items=TOYS_AND_MILK)
        with pytest.raises(ExceedsCategoryShare) as by_category:
            client.authorize(
                CARD,
                amount_minor=10_000,
                currency="EUR",
                order_id="b-1",
                points=36,
                line_items=TOYS_AND_MILK,
            )
        with pytest.raises(ExceedsCategoryShare):
            client.quote_burn(points=36, receipt=receipt, line_items=TOYS_AND_MILK)
        with pytest.raises(ExceedsPayableAmount) as by_receipt:
            client.authorize(
                CARD,
                amount_minor=10_000,
                currency="EUR",
                order_id="b-2",
                points=51,
                line_items=TOYS_AND_MILK,
            )
        hold = client.authorize(
            CARD,
            amount_minor=10_000,
            currency="EUR",
            order_id="b-3",
            points=35,
            line_items=TOYS_AND_MILK,
        )

    assert rounded.points == 2  # 1.5 points, rounded half up as the partner chose
    assert rounded.breakdown is not None
    assert rounded.breakdown.earn_rounding == "half_up"
    assert doubled.points == 200
    assert excluded.points == 1  # only the milk earns
    assert quoted.points == 35
    assert by_category.value.details["categories"] == "children"
    assert by_category.value.details["payable_minor"] == "3500"
    assert type(by_receipt.value) is ExceedsPayableAmount
    assert hold.points == 35


def test_a_bad_rule_for_the_local_hub_raises_with_the_hubs_reason(local_hub: LocalHub) -> None:
    with pytest.raises(LocalHubError, match="INVALID_FIELD"):
        local_hub.add_partner("kids", burn_rules=BurnRules(category_shares={"children": "2"}))
    with pytest.raises(ValueError, match="either"):
        local_hub.set_campaign("nothing", label="Nothing")
