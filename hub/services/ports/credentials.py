"""The port of credentials: the certificates callers are admitted by."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.domain.access import PartnerAccess
from hub.domain.credentials import Credential


class CredentialRepository(Protocol):
    def add(self, credential: Credential) -> None: ...
    def get(self, serial: str, *, for_update: bool = False) -> Credential:
        """The credential with this serial, or ``CredentialNotFound``."""
        ...

    def list(self, principal_uri: str | None = None) -> Sequence[Credential]: ...
    def save(self, credential: Credential) -> None: ...
    def access(
        self, serial: str | None, partner_id: str | None
    ) -> tuple[Credential | None, PartnerAccess | None]:
        """What admitting a caller needs, in one read: its credential and its partner."""
        ...
