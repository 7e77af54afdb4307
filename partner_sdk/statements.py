"""Checking that a settlement statement is the hub's, unaltered.

The hub signs each partner's daily statement (canonical JSON and CSV, the same figures twice)
with its Ed25519 key. Check both before booking anything from them; the signatures cover the
exact bytes, so keep the bytes you received (do not re-encode the JSON)::

    from partner_sdk import Statement, StatementSignatureInvalid

    statement = Statement(
        partner_id="coffee",
        business_date=date(2026, 11, 22),
        json=json_bytes,
        json_signature=json_signature,
        csv=csv_bytes,
        csv_signature=csv_signature,
        signing_key_id="3f2a9c0d1b7e6a54",
    )
    try:
        statement.verify(hub_public_key_pem)  # the hub's SigningKey.public_key_pem
    except StatementSignatureInvalid as error:
        print("do not book it:", error)

Or check one document at a time with :func:`verify_statement`. Fetch the hub's public key once
from a channel you trust and pin it; ``signing_key_id`` says which key signed a statement, so
after a key rotation you know which of the keys you hold to use.

Verifying needs ``cryptography``, the ``statements`` extra
(``pip install 'coalition-partner-sdk[statements]'``); without it, ``verify``,
``verify_statement`` and ``key_id`` raise ``MissingExtra`` saying so. It needs nothing else: it
works offline, on statements saved long ago.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from partner_sdk._extras import STATEMENTS, extra_required

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_FEATURE: Final = "verifying a statement's signature"

KEY_ID_HEX_DIGITS = 16
"""A key id is this many leading hex digits of the SHA-256 of the raw public key."""


class StatementSignatureInvalid(Exception):
    """The statement is not the hub's as signed: altered bytes, an altered signature, another
    key's signature, or a public key that is not an Ed25519 PEM.

    Not a ``HubError``: no call to the hub failed (verifying is local, often offline), so there
    is no status code, reason or request id to carry, and ``except HubError`` around RPCs must
    not swallow a forged statement.
    """


@dataclass(frozen=True)
class SigningKey:
    """The hub's statement-signing public key and the id statements name it by."""

    key_id: str
    public_key_pem: bytes
    """SubjectPublicKeyInfo PEM of the Ed25519 public key."""


@dataclass(frozen=True)
class Statement:
    """A partner's signed settlement statement for one business day."""

    partner_id: str
    business_date: date
    json: bytes
    json_signature: bytes
    csv: bytes
    csv_signature: bytes
    signing_key_id: str

    def verify(self, public_key_pem: bytes) -> None:
        """Return if both documents carry the hub's signature under ``public_key_pem``, else
        raise ``StatementSignatureInvalid`` (a key other than ``signing_key_id`` included)."""
        given_key_id = key_id(public_key_pem)
        if given_key_id != self.signing_key_id:
            raise StatementSignatureInvalid(
                f"the statement was signed with key {self.signing_key_id}, not with the key "
                f"given ({given_key_id})"
            )
        verify_statement(self.json, self.json_signature, public_key_pem)
        verify_statement(self.csv, self.csv_signature, public_key_pem)


def verify_statement(data: bytes, signature: bytes, public_key_pem: bytes) -> None:
    """Return if ``signature`` is the hub's Ed25519 signature over exactly ``data``, else raise
    ``StatementSignatureInvalid``."""
    key = _public_key(public_key_pem)  # MissingExtra without cryptography
    from cryptography.exceptions import InvalidSignature  # there: _public_key imported it

    try:
        key.verify(signature, data)
    except InvalidSignature:
        raise StatementSignatureInvalid(
            "the signature does not match: the statement or its signature was altered, or "
            "another key signed it"
        ) from None


def key_id(public_key_pem: bytes) -> str:
    """The id the hub names ``public_key_pem`` by in statements."""
    key = _public_key(public_key_pem)  # MissingExtra without cryptography
    from cryptography.hazmat.primitives import serialization  # there: _public_key imported it

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_HEX_DIGITS]


def _public_key(public_key_pem: bytes) -> Ed25519PublicKey:
    # Imported here, not above: the SDK's base install has no cryptography (see _extras).
    with extra_required(feature=_FEATURE, extra=STATEMENTS):
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, UnsupportedAlgorithm):
        raise StatementSignatureInvalid("the public key is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise StatementSignatureInvalid("the public key is not an Ed25519 key")
    return key
