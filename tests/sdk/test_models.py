from __future__ import annotations

import pytest

from partner_sdk import Identifier, IdentifierKind, PointOfSale


def test_identifier_repr_masks_a_card_number() -> None:
    card = Identifier.card("4000123456789010")

    assert repr(card) == "Identifier(kind='card', value='************9010')"
    assert "4000123456789010" not in f"{card} {card!s} {[card]}"


def test_identifier_repr_masks_a_phone_number() -> None:
    phone = Identifier.phone("+4915112345678")

    assert "+4915112345678" not in repr(phone)
    assert repr(phone).endswith("5678')")


def test_a_short_identifier_is_masked_entirely() -> None:
    assert repr(Identifier.app_id("u-42")) == "Identifier(kind='app_id', value='****')"


def test_identifiers_keep_their_value_for_the_wire() -> None:
    card = Identifier.card("4000 1234 5678 9010")

    assert (card.kind, card.value) == (IdentifierKind.CARD, "4000 1234 5678 9010")
    assert card == Identifier(IdentifierKind.CARD, "4000 1234 5678 9010")


def test_a_point_of_sale_refuses_an_unknown_channel() -> None:
    with pytest.raises(ValueError, match="channel"):
        PointOfSale(channel="fax")  # type: ignore[arg-type]
