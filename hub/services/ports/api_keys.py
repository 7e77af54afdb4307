"""The port of API keys: partners' keys for the REST gateway, kept as hashes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.domain.access import PartnerAccess
from hub.domain.api_keys import ApiKey
from hub.domain.credentials import Credential


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def get(self, key_id: str, *, for_update: bool = False) -> ApiKey:
        """The key with this id, or ``ApiKeyNotFound``."""
        ...

    def list(self, partner_id: str | None = None) -> Sequence[ApiKey]: ...
    def save(self, key: ApiKey) -> None:
        """Store ``key``'s revocation."""
        ...

    def access(
        self, key_sha256: str, partner_id: str
    ) -> tuple[Credential | None, PartnerAccess | None]:
        """What admitting a caller by key needs, in one read: the key and its partner."""
        ...
