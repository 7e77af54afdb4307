"""A till's retried earn is replayed, not credited twice; bad requests are refused, unwritten."""

from __future__ import annotations

from functools import partial

from partner_sdk import HubClient, HubError, Identifier


def show_retry_and_refusals(coffee: HubClient, card: Identifier) -> None:
    print("\nA till retries an earn whose answer it never saw: same key, same request")
    till_retry = partial(
        coffee.earn,
        card,
        amount_minor=50_000,
        currency="RUB",
        order_id="retry-demo",
        idempotency_key="till-3-0001",
    )
    first, again = till_retry(), till_retry()
    print(
        f"  both answers name transaction {first.transaction_id}: {first == again}; "
        "the points were credited once"
    )
    print("Bad requests are refused with a reason and write nothing:")
    attempts = (
        ("an amount of zero", 0, "RUB", "bad-1"),
        ("euros at a rouble till", 100, "EUR", "bad-2"),
        ("the same receipt twice", 50_000, "RUB", "retry-demo"),
    )
    for label, amount_minor, currency_code, order_id in attempts:
        try:
            coffee.earn(card, amount_minor=amount_minor, currency=currency_code, order_id=order_id)
        except HubError as error:
            print(f"  {label:<24} -> {error.code.name} {error.reason}: {error.message}")
