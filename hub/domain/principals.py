"""Who calls the hub: a partner, or a member of the coalition's staff in one role.

A certificate names its principal in a URI subject alternative name, SPIFFE-style:
``spiffe://coalition.hub/partner/<partner id>``, ``spiffe://coalition.hub/staff/<role>/<name>``,
``spiffe://coalition.hub/console/<name>`` or ``spiffe://coalition.hub/gateway/<name>`` (the REST
gateway, which relays partners as a console relays staff). The same URI names the actor in the
audit log.

A staff member is one *person* whatever the role or channel: ``olga`` with an officer
certificate at the CLI and ``olga`` signed in to the console are the same person, so four eyes
compares persons (``person_of``), never URIs. A console is not a person: it calls the services
on behalf of the staff member signed in to it (``Principal.via``).
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
    OPERATOR = "operator"
    """Manages partners, rates, rules, credentials and member data requests."""
    ADMIN = "operator"  # the role's earlier name; an alias, so ``Role.ADMIN is Role.OPERATOR``
    CONSOLE = "console"
    """The staff console's own certificate: it may only act on behalf of a signed-in person."""
    GATEWAY = "gateway"
    """The REST gateway's own certificate: it may only act on behalf of a partner it relays."""


STAFF_ROLES = (Role.ANALYST, Role.OFFICER, Role.OPERATOR)
_LEGACY_ROLE_NAMES = {"admin": Role.OPERATOR.value}
"""Certificates issued before the operator role was named so keep working."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``name`` is the partner id for partners, else the staff name."""

    role: Role
    name: str
    credential_serial: str | None = None
    """The serial of the certificate it presented; ``None`` on a loopback ``--insecure`` hub."""
    via: Principal | None = None
    """The console that relays this staff member's calls, when it is not their own client."""

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
    def console(cls, name: str, credential_serial: str | None = None) -> Principal:
        if not STAFF_NAME_PATTERN.fullmatch(name):
            raise InvalidField(f"{name!r} is not a console name", field="name")
        return cls(Role.CONSOLE, name, credential_serial)

    @classmethod
    def gateway(cls, name: str, credential_serial: str | None = None) -> Principal:
        if not STAFF_NAME_PATTERN.fullmatch(name):
            raise InvalidField(f"{name!r} is not a gateway name", field="name")
        return cls(Role.GATEWAY, name, credential_serial)

    @classmethod
    def from_uri(cls, uri: str, credential_serial: str | None = None) -> Principal:
        """The principal a certificate's URI names, or ``Unauthenticated``."""
        parts = uri.removeprefix(_URI_PREFIX).split("/") if uri.startswith(_URI_PREFIX) else []
        try:
            match parts:
                case ["partner", partner_id]:
                    return cls.partner(partner_id, credential_serial)
                case ["staff", role_text, name] if (role := staff_role(role_text)) is not None:
                    return cls.staff(role, name, credential_serial)
                case ["console", name]:
                    return cls.console(name, credential_serial)
                case ["gateway", name]:
                    return cls.gateway(name, credential_serial)
        except InvalidField:
            pass
        raise Unauthenticated("the certificate does not name a partner or a staff role")

    @property
    def uri(self) -> str:
        if self.role is Role.PARTNER:
            return f"{_URI_PREFIX}partner/{self.name}"
        if self.role in (Role.CONSOLE, Role.GATEWAY):
            return f"{_URI_PREFIX}{self.role.value}/{self.name}"
        return f"{_URI_PREFIX}staff/{self.role.value}/{self.name}"

    def with_serial(self, credential_serial: str | None) -> Principal:
        return Principal(self.role, self.name, credential_serial, self.via)

    def relayed_by(self, relay: Principal) -> Principal:
        """This staff member calling through a console, or this partner through a gateway."""
        relays_staff = self.role in STAFF_ROLES and relay.role is Role.CONSOLE
        relays_partner = self.role is Role.PARTNER and relay.role is Role.GATEWAY
        if not (relays_staff or relays_partner):
            raise Unauthenticated(
                "only a console relays calls, a staff member's; only a gateway, a partner's"
            )
        return Principal(self.role, self.name, self.credential_serial, relay)

    @property
    def person(self) -> str:
        """Who this is, whatever the role or channel (see ``person_of``)."""
        return person_of(self.uri)

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


def staff_role(text: str) -> Role | None:
    """The staff role ``text`` names (its earlier names too), else ``None``."""
    role = _LEGACY_ROLE_NAMES.get(text, text)
    return Role(role) if role in STAFF_ROLES else None


def person_of(actor: str) -> str:
    """The person an audit actor names: ``staff:<name>`` for any staff URI whatever its role,
    and for ``cli:<name>`` (what the direct-database CLI recorded before staff used
    certificates); any other actor (a partner, ``system:scheduler``) is itself."""
    if actor.startswith("cli:"):
        return f"staff:{actor.removeprefix('cli:')}"
    parts = actor.removeprefix(_URI_PREFIX).split("/") if actor.startswith(_URI_PREFIX) else []
    if len(parts) == 3 and parts[0] == "staff":
        return f"staff:{parts[2]}"
    return actor
