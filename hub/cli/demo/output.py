"""Small formatting helpers and the demo's one error, shared by the tour's chapters."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hub.domain.currencies import currency
from partner_sdk import HubError, Identifier


class DemoError(RuntimeError):
    """The hub did not behave as the tour shows it; the demo stops."""


def card_label(card: Identifier) -> str:
    return f"card ...{card.value[-4:]}"


def money(amount_minor: int, currency_code: str) -> str:
    exponent = currency(currency_code).exponent
    return f"{Decimal(amount_minor).scaleb(-exponent):,.{exponent}f} {currency_code}"


def expect(error_type: type[HubError], label: str, call: Callable[[], object]) -> None:
    try:
        call()
    except error_type as error:
        print(f"  {label:<34} -> {type(error).__name__} ({error.code.name} {error.reason})")
        print(f"  {'':<34}    {error.message}")
        return
    raise DemoError(f"{label}: expected {error_type.__name__}, but the hub accepted it")
