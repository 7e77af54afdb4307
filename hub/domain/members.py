"""Members and the identifiers partners find them by.

A member is enrolled once for the whole coalition. Identifiers (card, phone, app id) are
normalized and stored only as HMAC-SHA256 digests under a key from configuration, so a
database copy alone does not reveal them. The raw value never appears in ``repr``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hub.domain.errors import InvalidIdentifier, MemberNotActive

IDENTIFIER_KEY_BYTES_MIN = 32


class IdentifierKind(StrEnum):
    CARD = "card"
    PHONE = "phone"
    APP_ID = "app_id"


_SEPARATORS = re.compile(r"[\s\-().]")
_CARD = re.compile(r"\d{8,19}")
_PHONE = re.compile(r"\+\d{8,15}")
_APP_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_RULES = {
    IdentifierKind.CARD: (_CARD, "8 to 19 digits"),
    IdentifierKind.PHONE: (_PHONE, "'+' and 8 to 15 digits"),
    IdentifierKind.APP_ID: (_APP_ID, "1 to 64 of A-Z, a-z, 0-9, '.', '_', ':', '-'"),
}


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value: str = field(repr=False)

    @classmethod
    def parse(cls, kind: IdentifierKind, raw: str, *, field_name: str = "identifier") -> Identifier:
        """Normalize and validate ``raw``; the error never echoes the value."""
        value = raw if kind is IdentifierKind.APP_ID else _SEPARATORS.sub("", raw)
        pattern, shape = _RULES[kind]
        if not pattern.fullmatch(value):
            raise InvalidIdentifier(
                f"{field_name}: a {kind.value} must be {shape}", field=field_name
            )
        return cls(kind, value)


class IdentifierHasher:
    """Keyed digests of identifiers; ``key_id`` names the key without revealing it."""

    def __init__(self, key: bytes) -> None:
        if len(key) < IDENTIFIER_KEY_BYTES_MIN:
            raise ValueError(
                f"the identifier key must be at least {IDENTIFIER_KEY_BYTES_MIN} bytes"
            )
        self._key = key
        self.key_id = hashlib.sha256(b"hub-identifier-key-id:" + key).hexdigest()[:16]

    def digest(self, identifier: Identifier) -> bytes:
        message = f"{identifier.kind.value}:{identifier.value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"IdentifierHasher(key_id={self.key_id!r})"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class Member:
    id: uuid.UUID
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...] = ()

    def require_active(self) -> None:
        if self.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(f"member {self.id} is {self.status.value}")
