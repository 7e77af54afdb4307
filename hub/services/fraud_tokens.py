"""Opaque page tokens of the analysts' queue and of a member's timeline."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from hub.domain.errors import InvalidPageToken
from hub.services.ports.reviews import FlagCursor, TimelineCursor, TimelineKind


def _encode(values: list[object]) -> str:
    payload = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(token: str) -> list[object]:
    padded = token + "=" * (-len(token) % 4)
    values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(values, list):
        raise ValueError("not a list")
    return values


def _instant(text: object) -> datetime:
    at = datetime.fromisoformat(str(text))
    if at.tzinfo is None:
        raise ValueError("a naive time")
    return at


def _refused() -> InvalidPageToken:
    return InvalidPageToken("page_token is not one this server issued", field="page_token")


_MALFORMED = (binascii.Error, ValueError, TypeError, UnicodeDecodeError)


def encode_flag_token(cursor: FlagCursor) -> str:
    return _encode([cursor.score, cursor.raised_at.isoformat(), str(cursor.flag_id)])


def decode_flag_token(token: str) -> FlagCursor | None:
    """The cursor in ``token`` (``None`` for the first page), or ``InvalidPageToken``."""
    if not token:
        return None
    try:
        score, raised_at, flag_id = _decode(token)
        return FlagCursor(int(str(score)), _instant(raised_at), uuid.UUID(str(flag_id)))
    except _MALFORMED:
        raise _refused() from None


def encode_timeline_token(member_id: uuid.UUID, cursor: TimelineCursor) -> str:
    # The member is in the token so that a token of one member's timeline pages no other's.
    values: list[object] = [str(member_id), cursor.at.isoformat(), cursor.kind.value]
    return _encode([*values, str(cursor.entry_id)])


def decode_timeline_token(token: str, member_id: uuid.UUID) -> TimelineCursor | None:
    """The cursor in ``token`` for ``member_id``'s timeline, or ``InvalidPageToken``."""
    if not token:
        return None
    try:
        member, at, kind, entry_id = _decode(token)
        if uuid.UUID(str(member)) != member_id:
            raise ValueError("another member's token")
        return TimelineCursor(_instant(at), TimelineKind(str(kind)), uuid.UUID(str(entry_id)))
    except _MALFORMED:
        raise _refused() from None
