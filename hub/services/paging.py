"""Opaque page tokens for listing transactions, newest first."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from hub.domain.errors import InvalidField, InvalidPageToken
from hub.domain.limits import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from hub.services.ports.ledger import PageCursor


def page_size(
    requested: int, *, default: int = PAGE_SIZE_DEFAULT, maximum: int = PAGE_SIZE_MAX
) -> int:
    """``requested`` if in 1..``maximum``, ``default`` for 0, else ``InvalidField``."""
    if requested == 0:
        return default
    if not 1 <= requested <= maximum:
        raise InvalidField(f"page_size must be 0..{maximum}; got {requested}", field="page_size")
    return requested


def encode_token(cursor: PageCursor) -> str:
    payload = json.dumps(
        [cursor.created_at.isoformat(), str(cursor.transaction_id)], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str) -> PageCursor | None:
    """The cursor in ``token`` (``None`` for the first page), or ``InvalidPageToken``."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        created_at, transaction_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = PageCursor(datetime.fromisoformat(created_at), uuid.UUID(transaction_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidPageToken(
            "page_token is not one this server issued", field="page_token"
        ) from None
    if cursor.created_at.tzinfo is None:
        raise InvalidPageToken("page_token is not one this server issued", field="page_token")
    return cursor
