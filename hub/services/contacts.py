"""Members' contact data: kept only sealed (``hub.domain.contacts``), read by operators, and
re-sealed under the current data key in batches. Partners set it through ``hub.services.members``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from hub.domain.contacts import Contact, ContactCipher, ContactCipherError, Sealed
from hub.services.ports.contacts import SealedContact
from hub.services.ports.progress import SILENT, WorkProgress
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import ContactsRekeyed
from hub.services.transactions import run

log = logging.getLogger(__name__)

CONTACT_REKEY_BATCH_MAX = 500
"""Contacts re-sealed per database transaction: short transactions, few locks held at once."""
_BEFORE_ALL_MEMBERS = uuid.UUID(int=0)


def require_cipher(cipher: ContactCipher | None) -> ContactCipher:
    """The data keys; a hub started without ``HUB_DATA_KEY`` keeps no contact data."""
    if cipher is None:
        raise ContactCipherError("HUB_DATA_KEY is not set: this hub cannot keep contact data")
    return cipher


@dataclass(frozen=True, slots=True)
class ContactToSeal:
    """A validated contact, and the keys it will be sealed with."""

    contact: Contact
    cipher: ContactCipher

    @classmethod
    def of(
        cls, contact: Contact | None, cipher: ContactCipher | None, today: date
    ) -> ContactToSeal | None:
        """``None`` for no contact (or an empty one); checked before any database work."""
        if contact is None or contact.empty:
            return None
        contact.require_born_by(today)
        return cls(contact, require_cipher(cipher))

    def sealed(self, member_id: uuid.UUID, now: datetime) -> SealedContact:
        return _stored(self.cipher.seal(member_id, self.contact), now)


def _stored(sealed: Sealed, updated_at: datetime) -> SealedContact:
    return SealedContact(sealed.key_id, sealed.nonce, sealed.ciphertext, updated_at)


def _opened(cipher: ContactCipher, member_id: uuid.UUID, stored: SealedContact) -> Contact:
    return cipher.open(member_id, Sealed(stored.key_id, stored.nonce, stored.ciphertext))


def member_contact(
    member_id: uuid.UUID, *, uow_factory: UnitOfWorkFactory, cipher: ContactCipher | None
) -> Contact | None:
    """The member's contact in clear, for operators; ``None`` when none is kept."""
    with uow_factory(read_only=True) as uow:
        stored = uow.contacts.get(member_id)
    return None if stored is None else _opened(require_cipher(cipher), member_id, stored)


@dataclass(frozen=True, slots=True)
class _Batch:
    last_member_id: uuid.UUID
    size: int
    rekeyed: int


def rekey_contacts(
    *,
    uow_factory: UnitOfWorkFactory,
    cipher: ContactCipher | None,
    batch_size: int = CONTACT_REKEY_BATCH_MAX,
    progress: WorkProgress = SILENT,
) -> ContactsRekeyed:
    """Re-seal every contact under the current data key, one transaction per batch, so a retired
    data key can then be dropped. Safe to run twice, or twice at once. ``progress`` hears of
    each batch, against the contacts under other keys when it began."""
    keys = require_cipher(cipher)
    progress.stage("re-sealing contacts", _stale_count(uow_factory, keys.key_id), "contacts")
    after, rekeyed, unreadable = _BEFORE_ALL_MEMBERS, 0, 0
    while True:
        rekey = partial(_rekey_batch, cipher=keys, after=after, limit=batch_size)
        batch = run(rekey, uow_factory=uow_factory)
        after, rekeyed = batch.last_member_id, rekeyed + batch.rekeyed
        unreadable += batch.size - batch.rekeyed
        if batch.size:
            progress.advance(batch.size, f"{unreadable:,} unreadable" if unreadable else "")
        if batch.size < batch_size:
            return ContactsRekeyed(keys.key_id, rekeyed, unreadable)


def _stale_count(uow_factory: UnitOfWorkFactory, key_id: str) -> int:
    """Contacts sealed under another key than ``key_id``: one count per key, read once."""
    with uow_factory(read_only=True) as uow:
        counts = uow.contacts.key_counts()
    return sum(rows for sealed_by, rows in counts.items() if sealed_by != key_id)


def _rekey_batch(uow: UnitOfWork, *, cipher: ContactCipher, after: uuid.UUID, limit: int) -> _Batch:
    stale = uow.contacts.stale(cipher.key_id, after, limit)
    rekeyed = sum(_rekey_one(uow, cipher, member_id, stored) for member_id, stored in stale)
    return _Batch(stale[-1][0] if stale else after, len(stale), rekeyed)


def _rekey_one(
    uow: UnitOfWork, cipher: ContactCipher, member_id: uuid.UUID, stored: SealedContact
) -> bool:
    try:
        contact = _opened(cipher, member_id, stored)
    except ContactCipherError as error:
        # Left as it is: dropping a key too early must not also destroy what it sealed.
        log.warning("not re-sealed: %s", error)
        return False
    # Re-sealing changes no data: the row keeps its updated_at.
    uow.contacts.put(member_id, _stored(cipher.seal(member_id, contact), stored.updated_at))
    return True
