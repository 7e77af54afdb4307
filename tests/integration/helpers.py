"""Small builders for integration tests: commands with sensible defaults."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import metadata
from hub.domain.currencies import currency
from hub.domain.members import Identifier, IdentifierKind
from hub.domain.money import Money
from hub.domain.purchases import LineItem, Purchase
from hub.services.commands import Earn, EnrollMember, MemberRef
from hub.services.results import Earned, MemberView


def card(number: str = "4000123412341234") -> Identifier:
    return Identifier.parse(IdentifierKind.CARD, number)


def enroll(
    hub: bootstrap.Hub, partner_id: str = "coffee", *identifiers: Identifier, key: str | None = None
) -> MemberView:
    command = EnrollMember(partner_id, key or uuid.uuid4().hex, identifiers or (card(),))
    return hub.partner_api().enroll(command)


def earn_command(
    member: MemberRef,
    amount_minor: int = 1000,
    *,
    partner_id: str = "coffee",
    currency_code: str = "EUR",
    order_id: str | None = None,
    key: str | None = None,
    line_items: tuple[LineItem, ...] = (),
) -> Earn:
    purchase = Purchase(
        Money(amount_minor, currency(currency_code)), order_id or uuid.uuid4().hex, line_items
    )
    return Earn(partner_id, key or uuid.uuid4().hex, member, purchase)


def earn(
    hub: bootstrap.Hub, member: MemberRef, amount_minor: int = 1000, **options: object
) -> Earned:
    return hub.partner_api().earn(earn_command(member, amount_minor, **options))  # type: ignore[arg-type]


def row_counts(hub: bootstrap.Hub) -> dict[str, int]:
    """How many rows each table holds: 'nothing was written' means these did not change."""
    with hub.engine.connect() as connection:
        return {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in metadata.sorted_tables
        }
