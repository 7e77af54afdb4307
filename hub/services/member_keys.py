"""Which keys still protect stored member data, so operators know when one can be dropped."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.contacts import ContactCipher
from hub.domain.members import IdentifierHasher
from hub.services.ports.unit_of_work import UnitOfWorkFactory
from hub.services.results import KeyUsage


@dataclass(frozen=True, slots=True)
class _Keyring:
    purpose: str
    key_ids: tuple[str, ...]
    """Configured keys, the current one first."""

    def usage(self, counts: dict[str, int]) -> list[KeyUsage]:
        """Every configured key and every key found in use, with its row count."""
        key_ids = dict.fromkeys((*self.key_ids, *sorted(counts)))
        return [KeyUsage(self.purpose, k, self._state(k), counts.get(k, 0)) for k in key_ids]

    def _state(self, key_id: str) -> str:
        if key_id not in self.key_ids:
            return "unknown"
        return "current" if key_id == self.key_ids[0] else "retired"


def key_usage(
    *, uow_factory: UnitOfWorkFactory, hasher: IdentifierHasher, cipher: ContactCipher | None
) -> list[KeyUsage]:
    """Rows protected by each identifier and data key: a retired key with no rows left can be
    dropped from the configuration."""
    with uow_factory(read_only=True) as uow:
        identifiers = uow.members.identifier_key_counts()
        contacts = uow.contacts.key_counts()
    data_key_ids = cipher.key_ids if cipher is not None else ()
    return [
        *_Keyring("identifier", hasher.key_ids).usage(identifiers),
        *_Keyring("contact", data_key_ids).usage(contacts),
    ]
