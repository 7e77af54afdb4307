"""Purchases: what a member paid at a partner, with its receipt lines and point of sale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from fraud.facts import Location
from hub.domain.currencies import Currency
from hub.domain.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidField,
    LineItemsMismatch,
    TooManyLineItems,
)
from hub.domain.fields import bounded_text
from hub.domain.limits import LINE_ITEM_QUANTITY_MAX, LINE_ITEMS_MAX
from hub.domain.money import Money


class Channel(StrEnum):
    UNSPECIFIED = "unspecified"
    POS = "pos"
    ONLINE = "online"
    APP = "app"


LATITUDE_MAX = Decimal(90)
LONGITUDE_MAX = Decimal(180)
_COORDINATE_PLACES = Decimal("0.000001")
"""Six decimal places: about 10 cm, more than any till needs."""


def _coordinate(raw: str, limit: Decimal, field: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) > limit:
        raise InvalidField(
            f"{field} must be a decimal number of degrees within ±{limit}", field=field
        )
    return value.quantize(_COORDINATE_PLACES)


def parse_location(latitude: str, longitude: str) -> Location | None:
    """A store location from decimal strings; both empty is none, one alone an error."""
    if not latitude and not longitude:
        return None
    if not latitude or not longitude:
        field = "point_of_sale.latitude" if not latitude else "point_of_sale.longitude"
        raise InvalidField("give both latitude and longitude, or neither", field=field)
    return Location(
        _coordinate(latitude, LATITUDE_MAX, "point_of_sale.latitude"),
        _coordinate(longitude, LONGITUDE_MAX, "point_of_sale.longitude"),
    )


@dataclass(frozen=True, slots=True)
class PointOfSale:
    channel: Channel = Channel.UNSPECIFIED
    store_id: str = ""
    terminal_id: str = ""
    cashier_id: str = ""
    location: Location | None = None
    """Where the store is, when the partner says: fraud checks compare it with the last till."""

    def __post_init__(self) -> None:
        for name in ("store_id", "terminal_id", "cashier_id"):
            bounded_text(getattr(self, name), field=f"point_of_sale.{name}")


NO_POINT_OF_SALE = PointOfSale()


@dataclass(frozen=True, slots=True)
class LineItem:
    sku: str
    category: str
    amount_minor: int
    quantity: int = 1
    discounted: bool = False


def line_item(item: LineItem, index: int) -> LineItem:
    """``item`` if its fields are valid; errors name the item by its index."""
    prefix = f"line_items[{index}]"
    bounded_text(item.sku, field=f"{prefix}.sku", required=True)
    bounded_text(item.category, field=f"{prefix}.category")
    if item.amount_minor <= 0:
        raise InvalidAmount(
            f"{prefix}.amount_minor must be positive", field=f"{prefix}.amount_minor"
        )
    if not 1 <= item.quantity <= LINE_ITEM_QUANTITY_MAX:
        raise InvalidField(
            f"{prefix}.quantity must be 1..{LINE_ITEM_QUANTITY_MAX}", field=f"{prefix}.quantity"
        )
    return item


def line_items(items: Sequence[LineItem], total: Money) -> tuple[LineItem, ...]:
    """Validated receipt lines, which must add up to the purchase ``total`` when present."""
    if len(items) > LINE_ITEMS_MAX:
        raise TooManyLineItems(
            f"at most {LINE_ITEMS_MAX} line items per receipt; got {len(items)}", field="line_items"
        )
    checked = tuple(line_item(item, index) for index, item in enumerate(items))
    lines_minor = sum(item.amount_minor for item in checked)
    if checked and lines_minor != total.amount_minor:
        raise LineItemsMismatch(
            f"line items add up to {lines_minor} minor units "
            f"but the purchase is {total.amount_minor}",
            field="line_items",
        )
    return checked


@dataclass(frozen=True, slots=True)
class Purchase:
    """A paid receipt at a partner, as the partner reports it."""

    amount: Money
    order_id: str
    line_items: tuple[LineItem, ...] = ()
    point_of_sale: PointOfSale = NO_POINT_OF_SALE
    purchased_at: datetime | None = None
    """When the till made the sale, when it sends the earn later (store-and-forward, see
    ``hub.domain.offline``); ``None``: now."""


def require_currency(amount: Money, expected: Currency, *, field: str) -> None:
    if amount.currency != expected:
        raise CurrencyMismatch(
            f"{field} is in {amount.currency.code} but this partner takes {expected.code}",
            field=field,
        )


def check_purchase(purchase: Purchase) -> None:
    """Validate the parts of a purchase that its types do not: order id and receipt lines."""
    bounded_text(purchase.order_id, field="order_id", required=True)
    line_items(purchase.line_items, purchase.amount)
