"""Who calls the hub: a partner, or a member of the coalition's staff in one role.

A certificate names its principal in a URI subject alternative name, SPIFFE-style:
``spiffe://coalition.hub/partner/<partner id>`` or ``spiffe://coalition.hub/staff/<role>/<name>``.
The same URI names the actor in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import InvalidField, RoleNotAllowed, Unauthenticated
from hub.domain.partners import PARTNER_ID_PATTERN

TRUST_DOMAIN = "coalition.hub"
_URI_PREFIX = f"spiffe://{TRUST_DOMAIN}/"
STAFF_NAME_PATTERN = re.compile(r"[a-z][a-z0-9._-]{0,63}")


class Role(StrEnum):
    PARTNER = "partner"
    ANALYST = "analyst"
    """Works the fraud review queue."""
    OFFICER = "officer"
    """Runs and approves settlement."""
    ADMIN = "admin"
    """Manages partners, rates, rules, credentials and member data requests."""


STAFF_ROLES = (Role.ANALYST, Role.OFFICER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``name`` is the partner id for partners, else the staff name."""

    role: Role
    name: str
    credential_serial: str | None = None
    """The serial of the certificate it presented; ``None`` on a loopback ``--insecure`` hub."""

    @classmethod
    def partner(cls, partner_id: str, credential_serial: str | None = None) -> Principal:
        if not PARTNER_ID_PATTERN.fullmatch(partner_id):
            raise InvalidField(f"{partner_id!r} is not a partner id", field="partner_id")
        return cls(Role.PARTNER, partner_id, credential_serial)

    @classmethod
    def staff(cls, role: Role, name: str, credential_serial: str | None = None) -> Principal:
        if role not in STAFF_ROLES:
            raise InvalidField(f"{role.value!r} is not a staff role", field="role")
        if not STAFF_NAME_PATTERN.fullmatch(name):
            raise InvalidField(
                "a staff name is 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter",
                field="name",
            )
        return cls(role, name, credential_serial)

    @classmethod
    def from_uri(cls, uri: str, credential_serial: str | None = None) -> Principal:
        """The principal a certificate's URI names, or ``Unauthenticated``."""
        parts = uri.removeprefix(_URI_PREFIX).split("/") if uri.startswith(_URI_PREFIX) else []
        try:
            match parts:
                case ["partner", partner_id]:
                    return cls.partner(partner_id, credential_serial)
                case ["staff", role, name] if role in STAFF_ROLES:
                    return cls.staff(Role(role), name, credential_serial)
        except InvalidField:
            pass
        raise Unauthenticated("the certificate does not name a partner or a staff role")

    @property
    def uri(self) -> str:
        if self.role is Role.PARTNER:
            return f"{_URI_PREFIX}partner/{self.name}"
        return f"{_URI_PREFIX}staff/{self.role.value}/{self.name}"

    def with_serial(self, credential_serial: str | None) -> Principal:
        return Principal(self.role, self.name, credential_serial)

    @property
    def is_partner(self) -> bool:
        return self.role is Role.PARTNER

    @property
    def partner_id(self) -> str:
        """The partner this principal is; staff are not partners."""
        if self.role is not Role.PARTNER:
            raise RoleNotAllowed(f"{self} is not a partner")
        return self.name

    def __str__(self) -> str:
        return f"{self.role.value}:{self.name}"
