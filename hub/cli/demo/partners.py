"""The three demo partners, their currencies and rates, and onboarding them onto the hub."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hub import bootstrap
from hub.cli.common import print_table
from hub.domain.money import Rounding
from hub.domain.partners import ExpiryPolicy
from hub.domain.rates import Rates
from hub.services.commands import AddPartner, Attribution


@dataclass(frozen=True)
class DemoPartner:
    partner_id: str
    name: str
    currency: str
    rates: tuple[str, str, str, str]
    """earn_rate, burn_value, issue_price, redemption_price."""
    pending_period_s: int
    expiry: str
    basket_minor: tuple[int, int]
    """Typical purchase range, in minor units."""


PARTNERS = (
    DemoPartner(
        "coffee",
        "Bean There",
        "RUB",
        ("0.1", "0.5", "0.0055", "0.005"),
        0,
        "months:12",
        (15_000, 90_000),
    ),
    DemoPartner(
        "fuel",
        "Fill Up",
        "EUR",
        ("2", "0.01", "0.0052", "0.0048"),
        48 * 3600,
        "never",
        (2_000, 9_000),
    ),
    DemoPartner(
        "airline",
        "Blue Skies",
        "USD",
        ("5", "0.012", "0.0058", "0.0051"),
        0,
        "end-of-month:36",
        (9_000, 60_000),
    ),
)
PARTNERS_BY_ID = {partner.partner_id: partner for partner in PARTNERS}
SETTLEMENT_CURRENCY = "EUR"


def new_order_id(partner: DemoPartner) -> str:
    return f"{partner.partner_id}-{uuid.uuid4().hex[:12]}"


DEMO_OPERATOR = Attribution("spiffe://coalition.hub/staff/admin/demo", "demo onboarding")


def onboard(hub: bootstrap.Hub) -> None:
    print(f"Partners (issue and redemption prices in {SETTLEMENT_CURRENCY} per point)")
    for partner in PARTNERS:
        earn_rate, burn_value, issue_price, redemption_price = partner.rates
        hub.operator.add_partner(
            AddPartner(
                partner_id=partner.partner_id,
                name=partner.name,
                currency=partner.currency,
                rates=Rates.parse(
                    earn_rate=earn_rate,
                    burn_value=burn_value,
                    issue_price=issue_price,
                    redemption_price=redemption_price,
                ),
                rounding=Rounding.HALF_EVEN,
                pending_period_s=partner.pending_period_s,
                expiry=ExpiryPolicy.parse(partner.expiry),
                changed_by=DEMO_OPERATOR,
            )
        )
    headers = ("partner", "currency", "earn rate", "burn value", "issue price")
    print_table(
        (*headers, "redemption price", "pending", "expiry"),
        [
            (p.partner_id, p.currency, *p.rates, f"{p.pending_period_s // 3600} h", p.expiry)
            for p in PARTNERS
        ],
    )
