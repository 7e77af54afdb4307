"""Idempotency keys and the requests they guard.

The same key and request replay the stored response; the same key with a different request is
refused. The claim, the effect and the stored response share one transaction
(``hub.services.transactions``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hub.domain.errors import IdempotencyKeyReused, InvalidIdempotencyKey
from hub.domain.limits import IDEMPOTENCY_KEY_LENGTH_MAX
from hub.services import codec
from hub.services.ports.idempotency import StoredResponse

R = TypeVar("R")
Fingerprint = Callable[[bytes], bytes]


def _sha256(message: bytes) -> bytes:
    return hashlib.sha256(message).digest()


def check_key(key: str) -> str:
    """A key of 1..128 printable ASCII characters without spaces, or ``InvalidIdempotencyKey``."""
    if (
        not 1 <= len(key) <= IDEMPOTENCY_KEY_LENGTH_MAX
        or not key.isascii()
        or not key.isprintable()
        or " " in key
    ):
        raise InvalidIdempotencyKey(
            f"idempotency_key must be 1..{IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters "
            "without spaces (a UUID is a good choice)",
            field="idempotency_key",
        )
    return key


FIELDS_ADDED_LATER = frozenset({"purchased_at"})
"""Request fields added after keys were first stored: left out of a request's fingerprint
while unset, so that a call sent before the upgrade that added them and retried after it still
matches its key (anywhere in the request; names them as their dataclass fields do)."""


def _without_unset_additions(plain: Any) -> Any:
    if isinstance(plain, dict):
        return {
            name: _without_unset_additions(value)
            for name, value in plain.items()
            if not (value is None and name in FIELDS_ADDED_LATER)
        }
    if isinstance(plain, list):
        return [_without_unset_additions(item) for item in plain]
    return plain


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    operation: str
    partner_id: str
    key: str
    digest: bytes

    @classmethod
    def of(
        cls,
        operation: str,
        command: Any,
        *,
        fingerprint: Fingerprint | None = None,
        scope: str | None = None,
    ) -> IdempotentRequest:
        """Fingerprint ``command`` (a dataclass with ``idempotency_key``, and ``partner_id``
        unless ``scope`` names where the key lives instead, as for staff requests).

        A command holding personal data (identifiers, contacts) takes a keyed ``fingerprint``:
        the stored hash of a plain phone number is reversed by trying every number."""
        plain = _without_unset_additions(codec.to_plain(command))
        plain.pop("idempotency_key")
        message = f"{operation}\n{codec.encode(plain)}".encode()
        digest = (fingerprint or _sha256)(message)
        partner_id = scope if scope is not None else command.partner_id
        return cls(operation, partner_id, check_key(command.idempotency_key), digest)

    def replay(self, stored: StoredResponse, result_type: type[R]) -> R:
        if (stored.operation, stored.request_hash) != (self.operation, self.digest):
            raise IdempotencyKeyReused(
                f"idempotency key {self.key!r} was already used for a different {stored.operation} "
                "request; use a new key for a new operation",
                field="idempotency_key",
            )
        return codec.decode(stored.response, result_type)
