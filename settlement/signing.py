"""Ed25519 signatures over statements, so partners can check what the hub sent them.

A signature covers the exact bytes of a statement (or of a run's summary). The key id is the
first 16 hex digits of the SHA-256 of the raw public key: statements name it, so a partner
holding several of the hub's public keys (across a rotation) knows which one to check with.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SignatureInvalid(Exception):
    """The signature does not match the data under the given public key."""


class StatementSigner:
    """Signs with the hub's private key; the key never leaves this object."""

    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key_pem = public_key_pem(self._key.public_key())
        self.key_id = key_id(self.public_key_pem)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(public_pem: bytes) -> str:
    """The id statements name their signing key by."""
    raw = _public_key(public_pem).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(data: bytes, signature: bytes, public_pem: bytes) -> None:
    """Return if ``signature`` is the hub's over ``data``, else raise ``SignatureInvalid``."""
    try:
        _public_key(public_pem).verify(signature, data)
    except InvalidSignature:
        raise SignatureInvalid(
            "the signature does not match: the data or signature was altered, "
            "or another key signed it"
        ) from None


def _public_key(public_pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureInvalid("the public key is not an Ed25519 key")
    return key
