"""API keys: how a partner's web shop calls the REST gateway without a client certificate.

A key reads ``hk_<partner id>_<key id>_<secret>``: it names its partner (so the hub knows who
claims to call before any lookup) and its key id (what operators list and revoke), and carries
256 random bits. The hub keeps only the key's SHA-256, shown nowhere; a key is found by that
hash, so a key whose partner or id was altered matches no record. Enough entropy makes a fast
hash safe here: there is nothing to guess a password from.

On every call the key stands where a certificate serial stands (``credential_serial``): the
admission cache and ``hub.domain.access.admit`` refuse it when revoked, as for a certificate.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hub.domain.credentials import Credential
from hub.domain.errors import Unauthenticated
from hub.domain.partners import PARTNER_ID_PATTERN
from hub.domain.principals import Principal

KEY_PREFIX = "hk"
KEY_ID_BYTES = 6
SECRET_BYTES = 32
KEY_LENGTH_MAX = 160
SERIAL_PREFIX = "apikey:"
"""Marks an API key's hash where a certificate serial (hex, no colon) would stand."""
LABEL_LENGTH_MAX = 200
_NEVER = datetime.max.replace(tzinfo=UTC)
"""Keys do not expire; they are revoked."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as the hub keeps it: never the key itself."""

    key_id: str
    partner_id: str
    key_sha256: str
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, at: datetime, by: str, reason: str) -> ApiKey:
        """This key revoked; revoking again keeps the first revocation."""
        if self.revoked:
            return self
        return replace(self, revoked_at=at, revoked_by=by, revoked_reason=reason)

    def as_credential(self) -> Credential:
        """The key as admission reads credentials: revoked or not, and whose."""
        return Credential(
            serial=SERIAL_PREFIX + self.key_sha256,
            principal=Principal.partner(self.partner_id),
            fingerprint_sha256=self.key_sha256,
            not_before=self.created_at,
            not_after=_NEVER,
            issued_at=self.created_at,
            issued_by=self.created_by,
            revoked_at=self.revoked_at,
            revoked_by=self.revoked_by,
            revoked_reason=self.revoked_reason,
        )


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A key just made: ``key`` is shown to the operator once and kept nowhere."""

    key: str
    record: ApiKey


def new_key(partner_id: str, label: str, *, at: datetime, by: str) -> NewApiKey:
    """A fresh key for ``partner_id``."""
    key_id = secrets.token_hex(KEY_ID_BYTES)
    key = f"{KEY_PREFIX}_{partner_id}_{key_id}_{secrets.token_hex(SECRET_BYTES)}"
    return NewApiKey(key, ApiKey(key_id, partner_id, sha256_of(key), label, at, by))


def sha256_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def principal_of_key(key: str) -> Principal:
    """The partner ``key`` claims to be, with the key's hash as its credential serial; whether
    the hub holds such a key, unrevoked, admission decides."""
    parts = key.split("_") if len(key) <= KEY_LENGTH_MAX else []
    if len(parts) != 4 or parts[0] != KEY_PREFIX or not PARTNER_ID_PATTERN.fullmatch(parts[1]):
        raise Unauthenticated("the API key is not one the hub issues")
    return Principal.partner(parts[1], SERIAL_PREFIX + sha256_of(key))


def is_key_serial(serial: str | None) -> bool:
    return serial is not None and serial.startswith(SERIAL_PREFIX)


def key_sha256_of_serial(serial: str) -> str:
    return serial.removeprefix(SERIAL_PREFIX)
