"""Page tokens of reconciliation exceptions: opaque, round-tripping, refused when forged."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from hub.domain.errors import InvalidPageToken
from hub.services.exception_pages import cursor_after, decode_token, encode_token
from hub.services.ports.reconciliation import (
    ExceptionCursor,
    ExceptionKind,
    ExceptionStatus,
    ReconciliationExceptionView,
)


def exception(**fields: object) -> ReconciliationExceptionView:
    values: dict[str, object] = {
        "id": uuid.UUID(int=7),
        "business_date": date(2026, 11, 22),
        "partner_id": "coffee",
        "kind": ExceptionKind.MISSING_AT_PARTNER,
        "item_kind": "earn",
        "transaction_id": uuid.UUID(int=9),
        "order_id": None,
        "hub_points": 10,
        "partner_points": None,
        "report_line": None,
        "status": ExceptionStatus.OPEN,
    }
    values.update(fields)
    return ReconciliationExceptionView(**values)  # type: ignore[arg-type]


def test_a_token_reads_back_as_the_cursor_after_the_last_exception_of_a_page() -> None:
    cursor = cursor_after(exception(order_id="Café-1", report_line=None))

    assert cursor == ExceptionCursor(
        "coffee", "missing_at_partner", 0, "earn", "Café-1", uuid.UUID(int=7)
    )
    assert decode_token(encode_token(cursor)) == cursor


def test_an_empty_token_is_the_first_page() -> None:
    assert decode_token("") is None


@pytest.mark.parametrize(
    "token",
    [
        "%%%",
        "bm90IGpzb24",
        "W10",
        "WyJhIiwiYiIsIjEiLCJjIiwiZCIsIjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwNyJd",
    ],
)
def test_a_token_the_hub_did_not_issue_is_refused_naming_the_field(token: str) -> None:
    with pytest.raises(InvalidPageToken) as refused:
        decode_token(token)
    assert refused.value.field == "page_token"
