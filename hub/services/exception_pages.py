"""Pages of reconciliation exceptions: their size limits and opaque page tokens."""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from hub.domain.errors import InvalidPageToken
from hub.services.ports.reconciliation import ExceptionCursor, ReconciliationExceptionView

EXCEPTIONS_PAGE_SIZE_DEFAULT = 100
EXCEPTIONS_PAGE_SIZE_MAX = 1000
"""Exceptions one page holds at most: a day's can be hundreds of thousands (a bad report);
their counts come whole with every page, and they can be accepted in bulk."""


def cursor_after(exception: ReconciliationExceptionView) -> ExceptionCursor:
    """The cursor of the page that starts after ``exception``."""
    return ExceptionCursor(
        partner_id=exception.partner_id,
        kind=exception.kind.value,
        report_line=exception.report_line or 0,
        item_kind=exception.item_kind,
        order_id=exception.order_id or "",
        exception_id=exception.id,
    )


def encode_token(cursor: ExceptionCursor) -> str:
    fields = [
        cursor.partner_id,
        cursor.kind,
        cursor.report_line,
        cursor.item_kind,
        cursor.order_id,
        str(cursor.exception_id),
    ]
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str) -> ExceptionCursor | None:
    """The cursor in ``token`` (``None`` for the first page), or ``InvalidPageToken``."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        partner_id, kind, line, item_kind, order_id, exception_id = json.loads(
            base64.urlsafe_b64decode(padded.encode())
        )
        if not all(isinstance(text, str) for text in (partner_id, kind, item_kind, order_id)):
            raise TypeError
        if type(line) is not int:
            raise TypeError
        return ExceptionCursor(partner_id, kind, line, item_kind, order_id, uuid.UUID(exception_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, AttributeError):
        raise InvalidPageToken(
            "page_token is not one this server issued", field="page_token"
        ) from None
