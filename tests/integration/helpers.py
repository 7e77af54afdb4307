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
from hub.services.commands import (
    AuthorizeRedemption,
    CaptureRedemption,
    Earn,
    EnrollMember,
    MemberRef,
    VoidRedemption,
)
from hub.services.results import BalanceView, Captured, Earned, HoldView, MemberView


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


def authorize_command(
    member: MemberRef,
    points: int | None = 100,
    *,
    partner_id: str = "coffee",
    amount_minor: int = 10_000,
    currency_code: str = "EUR",
    pay_amount_minor: int | None = None,
    ttl_s: int | None = None,
    key: str | None = None,
    line_items: tuple[LineItem, ...] = (),
    order_id: str | None = None,
) -> AuthorizeRedemption:
    purchase = Purchase(
        Money(amount_minor, currency(currency_code)), order_id or uuid.uuid4().hex, line_items
    )
    pay_amount = (
        Money(pay_amount_minor, currency(currency_code)) if pay_amount_minor is not None else None
    )
    return AuthorizeRedemption(
        partner_id, key or uuid.uuid4().hex, member, purchase, points, pay_amount, ttl_s
    )


def authorize(
    hub: bootstrap.Hub, member: MemberRef, points: int | None = 100, **options: object
) -> HoldView:
    return hub.partner_api().authorize(authorize_command(member, points, **options))  # type: ignore[arg-type]


def capture(
    hub: bootstrap.Hub, hold_id: uuid.UUID, points: int | None = None, *, partner_id: str = "coffee"
) -> Captured:
    return hub.partner_api().capture(
        CaptureRedemption(partner_id, uuid.uuid4().hex, hold_id, points)
    )


def void(hub: bootstrap.Hub, hold_id: uuid.UUID, *, partner_id: str = "coffee") -> HoldView:
    return hub.partner_api().void(VoidRedemption(partner_id, uuid.uuid4().hex, hold_id))


def balance(hub: bootstrap.Hub, member: MemberRef) -> BalanceView:
    return hub.inspect_member(member).balance
