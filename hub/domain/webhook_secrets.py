"""Partners' webhook secrets, sealed at rest with the hub's data keys (AES-256-GCM).

The stored form is one line, ``sealed:v1:<key id>:<nonce>:<ciphertext>`` (URL-safe base64),
with the partner's id as associated data: a sealed secret copied onto another partner's row
fails to open. The key ids are the data keys' (``hub.domain.contacts``), so ``HUB_DATA_KEY``
seals and ``HUB_DATA_KEYS_RETIRED`` still open. A secret stored before sealing (plain text) is
recognised as such, so it can be used once more and sealed. Secrets never appear in ``repr``
nor in error messages.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.domain.contacts import DATA_KEY_BYTES, NONCE_BYTES
from hub.domain.members import key_id_of

SEALED_PREFIX = "sealed:v1:"
_AAD_PREFIX = b"hub-webhook-secret-v1:"
_KEY_ID_PURPOSE = b"hub-data-key-id:"
_PARTS = 3


class WebhookSecretError(Exception):
    """A webhook secret cannot be sealed or opened: no data key, a key that is not configured,
    or a sealed value that fails authentication."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


class WebhookSecretCipher:
    """Seals with the current data key; opens with any configured one."""

    def __init__(self, current: bytes, *retired: bytes) -> None:
        keys = tuple(dict.fromkeys((current, *retired)))
        if any(len(key) != DATA_KEY_BYTES for key in keys):
            raise ValueError(f"a data key must be exactly {DATA_KEY_BYTES} bytes")
        self._by_id = {key_id_of(key, _KEY_ID_PURPOSE): AESGCM(key) for key in keys}
        self.key_id = next(iter(self._by_id))

    def seal(self, partner_id: str, secret: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._by_id[self.key_id].encrypt(nonce, secret.encode(), _aad(partner_id))
        return f"{SEALED_PREFIX}{self.key_id}:{_b64(nonce)}:{_b64(sealed)}"

    def open(self, partner_id: str, stored: str) -> str:
        """The secret ``stored`` holds (a plaintext one as it is); ``WebhookSecretError``."""
        if not is_sealed(stored):
            return stored
        parts = stored.removeprefix(SEALED_PREFIX).split(":")
        if len(parts) != _PARTS:
            raise WebhookSecretError(f"the webhook secret of {partner_id} is malformed")
        key_id, nonce, ciphertext = parts
        aead = self._by_id.get(key_id)
        if aead is None:
            raise WebhookSecretError(
                f"the webhook secret of {partner_id} is sealed under data key {key_id}, which "
                "is not configured (HUB_DATA_KEY, HUB_DATA_KEYS_RETIRED)"
            )
        try:
            return aead.decrypt(_unb64(nonce), _unb64(ciphertext), _aad(partner_id)).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise WebhookSecretError(
                f"the webhook secret of {partner_id} fails authentication: it was altered or "
                "belongs to another partner"
            ) from None

    def __repr__(self) -> str:
        return f"WebhookSecretCipher(key_ids={tuple(self._by_id)!r})"


def _aad(partner_id: str) -> bytes:
    return _AAD_PREFIX + partner_id.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
