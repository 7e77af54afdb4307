"""Idempotent execution of mutating use cases.

The key is claimed, the effect applied and the response stored in one database transaction.
The same key and request replay the stored response; the same key with a different request is
refused. Failures store nothing (the transaction rolls back), so a retry runs again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from hub.domain.clock import Clock
from hub.domain.errors import IdempotencyKeyReused, InvalidIdempotencyKey
from hub.domain.limits import IDEMPOTENCY_KEY_LENGTH_MAX
from hub.services import codec
from hub.services.retry import retrying
from hub.services.unit_of_work import StoredResponse, UnitOfWork, UnitOfWorkFactory

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
        plain = codec.to_plain(command)
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


def execute(
    request: IdempotentRequest,
    result_type: type[R],
    effect: Callable[[UnitOfWork, datetime], R],
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> R:
    """Apply ``effect(uow, now)`` once per idempotency key, in one unit of work per attempt,
    retrying attempts that lost a race in the database."""

    def attempt() -> R:
        now = clock.now()
        with uow_factory() as uow:
            return run_once(uow, request, now, result_type, lambda: effect(uow, now))

    return retrying(attempt)


def run_once(
    uow: UnitOfWork,
    request: IdempotentRequest,
    now: datetime,
    result_type: type[R],
    effect: Callable[[], R],
) -> R:
    """Apply ``effect`` and commit, unless ``request`` was already applied; then replay it."""
    if (
        stored := uow.idempotency.claim(
            request.partner_id, request.key, request.operation, request.digest, now
        )
    ) is not None:
        return request.replay(stored, result_type)
    result = effect()
    uow.idempotency.save(request.partner_id, request.key, codec.encode(result))
    uow.commit()
    return result
