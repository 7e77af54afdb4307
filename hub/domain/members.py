"""Members and the identifiers partners find them by.

A member is enrolled once for the whole coalition. Identifiers (card, phone, app id) are
normalized and stored only as HMAC-SHA256 digests under a key from configuration, so a
database copy alone does not reveal them. The raw value never appears in ``repr``.

Normalization comes before validation and hashing, so one card or phone is one digest however
it was typed: NFKC with every script's digits as ASCII ("４０００…", "٤٠٠٠…" and "4000…" are one
card), separators dropped, and phones in E.164 under the partner's default region (see
``hub.domain.phones``).

Identifier keys rotate: the hasher holds the current key and the retired ones. A digest under
a retired key still finds its member, and is replaced by the current key's digest the next time
the partner presents the identifier in a call that writes (see ``hub.services.callers``): an
HMAC cannot be re-keyed without the raw value, which only the partner has.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from hub.domain.errors import (
    InvalidIdentifier,
    MemberAlreadyFrozen,
    MemberNotActive,
    MemberNotFrozen,
)
from hub.domain.fields import ascii_digits
from hub.domain.phones import e164

IDENTIFIER_KEY_BYTES_MIN = 32
KEY_ID_LENGTH = 16
"""Hex characters of a key id, as the ``key_id`` columns store them."""


class IdentifierKind(StrEnum):
    CARD = "card"
    PHONE = "phone"
    APP_ID = "app_id"


IDENTIFIER_TEXT_LENGTH_MAX = 64
"""Longest identifier text accepted as typed, separators included."""

_SEPARATORS = re.compile(r"[\s\-().\u2010-\u2015\u2212]")  # the Unicode dashes NFKC keeps
# [0-9], not \d: \d matches every script's digits, which are folded to ASCII first.
_CARD = re.compile(r"[0-9]{8,19}")
_APP_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_SHAPES = {
    IdentifierKind.CARD: "8 to 19 digits",
    IdentifierKind.PHONE: (
        "a valid phone number: in international form ('+' and the country code), or in the "
        "national form of the partner's default phone region"
    ),
    IdentifierKind.APP_ID: "1 to 64 of A-Z, a-z, 0-9, '.', '_', ':', '-'",
}


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value: str = field(repr=False)

    @classmethod
    def parse(
        cls,
        kind: IdentifierKind,
        raw: str,
        *,
        field_name: str = "identifier",
        phone_region: str | None = None,
    ) -> Identifier:
        """Normalize, then validate ``raw``; the error never echoes the value.

        ``phone_region`` is the calling partner's default region (e.g. RU), which national
        phone numbers are read in; ``None`` accepts only the international form.
        """
        value = _normalized(kind, raw, phone_region)
        if value is None:
            raise InvalidIdentifier(
                f"{field_name}: a {kind.value} must be {_SHAPES[kind]}", field=field_name
            )
        return cls(kind, value)


def _normalized(kind: IdentifierKind, raw: str, phone_region: str | None) -> str | None:
    """The one text of the identifier ``raw`` names, or ``None`` if it names none."""
    if len(raw) > IDENTIFIER_TEXT_LENGTH_MAX:
        return None
    text = ascii_digits(raw)
    if kind is IdentifierKind.PHONE:
        return e164(text, phone_region)
    if kind is IdentifierKind.CARD:
        text = _SEPARATORS.sub("", text)
        return text if _CARD.fullmatch(text) else None
    return text if _APP_ID.fullmatch(text) else None


def key_id_of(key: bytes, purpose: bytes) -> str:
    """A name for ``key`` that can be stored and printed: it does not reveal the key."""
    return hashlib.sha256(purpose + key).hexdigest()[:KEY_ID_LENGTH]


class IdentifierHasher:
    """Keyed digests of identifiers under a keyring: the current key first, then retired ones.

    ``key_id`` names the current key without revealing it; ``key_ids`` names them all.
    """

    def __init__(self, current: bytes, *retired: bytes) -> None:
        keys = tuple(dict.fromkeys((current, *retired)))  # a key listed twice is matched once
        if any(len(key) < IDENTIFIER_KEY_BYTES_MIN for key in keys):
            raise ValueError(
                f"the identifier key must be at least {IDENTIFIER_KEY_BYTES_MIN} bytes"
            )
        self._keys = keys
        self.key_ids = tuple(key_id_of(key, b"hub-identifier-key-id:") for key in keys)
        self.key_id = self.key_ids[0]

    @property
    def rotating(self) -> bool:
        """Whether retired keys are still matched (lookups then try every key)."""
        return len(self._keys) > 1

    def digest(self, identifier: Identifier) -> bytes:
        """The digest under the current key: what is stored for new identifiers."""
        return _hmac(self._keys[0], identifier)

    def digests(self, identifier: Identifier) -> tuple[bytes, ...]:
        """The digest under every key, the current key's first."""
        return tuple(_hmac(key, identifier) for key in self._keys)

    def link_digest(self, kind: IdentifierKind | str, value: str) -> bytes:
        """The current key's digest of a contact's phone or e-mail (normalized by the caller):
        members sharing one are linked. A phone's equals its digest as an identifier."""
        return hmac.new(self._keys[0], f"{kind}:{value}".encode(), hashlib.sha256).digest()

    def fingerprint(self, message: bytes) -> bytes:
        """A keyed hash of a request that holds personal data, for idempotency checks: a plain
        hash of a phone number is reversed by trying every number."""
        return hmac.new(self._keys[0], b"hub-request:" + message, hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"IdentifierHasher(key_ids={self.key_ids!r})"


def _hmac(key: bytes, identifier: Identifier) -> bytes:
    message = f"{identifier.kind.value}:{identifier.value}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()


class MemberStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    ERASED = "erased"
    """Personal data deleted on request; the id stays, so the ledger still adds up."""
    MERGED = "merged"
    """Absorbed into another member by a merge: neither earns nor burns; its identifiers, points
    and debt are the survivor's (``hub.domain.merge``)."""


@dataclass(frozen=True, slots=True)
class Member:
    id: uuid.UUID
    status: MemberStatus
    enrolled_at: datetime
    identifier_kinds: tuple[IdentifierKind, ...] = ()
    erased_at: datetime | None = None
    tier: str | None = None
    """The member's tier in the coalition's scheme; ``None`` is the scheme's base tier."""

    def require_active(self) -> None:
        if self.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(f"member {self.id} is {self.status.value}")

    def frozen(self) -> Member:
        """The member frozen by a fraud analyst: neither earns nor burns until unfrozen."""
        self.require_not_erased()
        if self.status is MemberStatus.FROZEN:
            raise MemberAlreadyFrozen(f"member {self.id} is already frozen")
        return replace(self, status=MemberStatus.FROZEN)

    def unfrozen(self) -> Member:
        self.require_not_erased()
        if self.status is not MemberStatus.FROZEN:
            raise MemberNotFrozen(f"member {self.id} is {self.status.value}, not frozen")
        return replace(self, status=MemberStatus.ACTIVE)

    def require_not_erased(self) -> None:
        """Frozen members keep their data; erased ones have none left to change."""
        if self.status is MemberStatus.ERASED:
            raise MemberNotActive(f"member {self.id} is {self.status.value}")
