"""Members' contact data, and its sealing with AES-256-GCM for storage.

A contact is kept only encrypted: a random 96-bit nonce per sealing, the member id as associated
data (a ciphertext copied onto another member's row fails to open), and the id of the data key
stored with the row, so retired keys still open what they sealed until ``hub member rekey``
re-seals it under the current key. Values never appear in ``repr`` nor in error messages.

Random nonces are safe for about 2**32 sealings per key; rotate the data key well before that.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.domain.errors import InvalidField
from hub.domain.fields import ascii_digits
from hub.domain.members import IDENTIFIER_TEXT_LENGTH_MAX, key_id_of
from hub.domain.phones import e164

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
NAME_LENGTH_MAX = 200
EMAIL_LENGTH_MAX = 254
"""RFC 5321's limit on a forward path."""
BIRTH_DATE_MIN = date(1900, 1, 1)
_AAD_PREFIX = b"hub-contact-v1:"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class ContactCipherError(Exception):
    """A contact cannot be sealed or opened: a data key is missing, or the ciphertext fails
    authentication (altered, or moved from another member's row). Never a caller's fault."""


@dataclass(frozen=True, slots=True)
class Contact:
    """What a member told a partner about how to reach them; every part is optional."""

    name: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    """E.164, as a phone identifier is: the shared-phone fraud link compares the two."""
    birth_date: date | None = field(default=None, repr=False)

    @classmethod
    def parse(
        cls,
        *,
        name: str = "",
        email: str = "",
        phone: str = "",
        birth_date: str = "",
        field_prefix: str = "contact",
        phone_region: str | None = None,
    ) -> Contact:
        """Normalize and validate; empty strings mean "not given". Errors never echo values.

        ``phone_region`` reads national phone numbers, as for identifiers (see
        ``hub.domain.phones``); ``None`` accepts only the international form.
        """
        return cls(
            name=_name(name, f"{field_prefix}.name"),
            email=_email(email, f"{field_prefix}.email"),
            phone=_phone(phone, f"{field_prefix}.phone", phone_region),
            birth_date=_birth_date(birth_date, f"{field_prefix}.birth_date"),
        )

    @property
    def empty(self) -> bool:
        return self == Contact()

    def require_born_by(self, today: date, *, field_prefix: str = "contact") -> None:
        """A birth date is not in the future (what today is depends on the caller's clock)."""
        if self.birth_date is not None and self.birth_date > today:
            raise InvalidField(
                "a birth date cannot be in the future", field=f"{field_prefix}.birth_date"
            )

    def canonical(self) -> bytes:
        """The one byte encoding of this contact: what is sealed and what is fingerprinted."""
        plain = {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
        }
        return json.dumps(plain, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_canonical(cls, data: bytes) -> Contact:
        plain = json.loads(data)
        born = plain["birth_date"]
        return cls(
            plain["name"],
            plain["email"],
            plain["phone"],
            date.fromisoformat(born) if born else None,
        )


def _name(raw: str, field_name: str) -> str | None:
    name = " ".join(raw.split())
    if not name:
        return None
    if len(name) > NAME_LENGTH_MAX or not name.isprintable():
        raise InvalidField(
            f"{field_name}: a name is 1 to {NAME_LENGTH_MAX} printable characters",
            field=field_name,
        )
    return name


def _email(raw: str, field_name: str) -> str | None:
    email = raw.strip()
    if not email:
        return None
    if len(email) > EMAIL_LENGTH_MAX or not _EMAIL.fullmatch(email):
        raise InvalidField(
            f"{field_name}: an email address is local@domain, at most {EMAIL_LENGTH_MAX} "
            "characters",
            field=field_name,
        )
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"  # domains are case-insensitive, local parts need not be


def _phone(raw: str, field_name: str, region: str | None) -> str | None:
    text = ascii_digits(raw).strip()
    if not text:
        return None
    phone = e164(text, region) if len(raw) <= IDENTIFIER_TEXT_LENGTH_MAX else None
    if phone is None:
        raise InvalidField(
            f"{field_name}: a phone number must be valid, in international form ('+' and the "
            "country code) or in the national form of the partner's default phone region",
            field=field_name,
        )
    return phone


def _birth_date(raw: str, field_name: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        born = date.fromisoformat(text)
    except ValueError:
        born = None
    if born is None or len(text) != len("YYYY-MM-DD") or born < BIRTH_DATE_MIN:
        raise InvalidField(
            f"{field_name}: a birth date is YYYY-MM-DD, from {BIRTH_DATE_MIN.isoformat()}",
            field=field_name,
        )
    return born


@dataclass(frozen=True, slots=True)
class Sealed:
    """A sealed contact: what is stored, and all that is needed to open it with the key."""

    key_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)


class ContactCipher:
    """AES-256-GCM under a keyring of data keys: the current key seals, every key opens."""

    def __init__(self, current: bytes, *retired: bytes) -> None:
        keys = tuple(dict.fromkeys((current, *retired)))
        if any(len(key) != DATA_KEY_BYTES for key in keys):
            raise ValueError(f"a data key must be exactly {DATA_KEY_BYTES} bytes")
        self._by_id = {key_id_of(key, b"hub-data-key-id:"): AESGCM(key) for key in keys}
        self.key_ids = tuple(self._by_id)
        self.key_id = self.key_ids[0]

    def seal(self, member_id: uuid.UUID, contact: Contact) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._by_id[self.key_id].encrypt(nonce, contact.canonical(), _aad(member_id))
        return Sealed(self.key_id, nonce, ciphertext)

    def open(self, member_id: uuid.UUID, sealed: Sealed) -> Contact:
        """The contact ``sealed`` holds, or ``ContactCipherError``."""
        aead = self._by_id.get(sealed.key_id)
        if aead is None:
            raise ContactCipherError(
                f"the contact of member {member_id} is sealed under data key {sealed.key_id}, "
                "which is not configured (HUB_DATA_KEY, HUB_DATA_KEYS_RETIRED)"
            )
        try:
            plaintext = aead.decrypt(sealed.nonce, sealed.ciphertext, _aad(member_id))
        except InvalidTag:
            raise ContactCipherError(
                f"the contact of member {member_id} fails authentication: it was altered or "
                "belongs to another member"
            ) from None
        return Contact.from_canonical(plaintext)

    def __repr__(self) -> str:
        return f"ContactCipher(key_ids={self.key_ids!r})"


def _aad(member_id: uuid.UUID) -> bytes:
    return _AAD_PREFIX + member_id.bytes
