"""Whether a caller the TLS layer authenticated may call at all, decided on every call.

Revocation and disabling take effect within a second in every hub replica: the facts come
from a cache each process keeps current (``hub.services.admission_cache``), and the decision
is taken afresh on every call.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.credentials import Credential
from hub.domain.errors import PartnerDisabled, Unauthenticated
from hub.domain.partners import PartnerStatus
from hub.domain.principals import Principal


@dataclass(frozen=True, slots=True)
class PartnerAccess:
    status: PartnerStatus
    rate_limit_per_s: int | None
    """``None`` takes the hub's default."""
    phone_region: str | None = None
    """The partner's default phone region (see ``hub.domain.phones``)."""


@dataclass(frozen=True, slots=True)
class Admission:
    principal: Principal
    rate_limit_per_s: int | None
    """The partner's own limit; ``None`` for staff and for partners on the hub's default."""
    phone_region: str | None = None
    """The partner's default phone region, read with its status at no extra cost, so the
    edge can normalize phone identifiers before any use case hashes them; ``None`` for staff."""


def admit(
    principal: Principal, credential: Credential | None, partner: PartnerAccess | None
) -> Admission:
    """Admit ``principal`` given what the database holds about its certificate and partner."""
    if principal.credential_serial is not None:
        if credential is None:
            raise Unauthenticated(
                f"certificate {principal.credential_serial} is not on this hub's records"
            )
        credential.require_accepted(principal)
    if not principal.is_partner:
        return Admission(principal, None)
    if partner is None:
        raise Unauthenticated(f"partner {principal.name!r} is not known to this hub")
    if partner.status is not PartnerStatus.ACTIVE:
        raise PartnerDisabled(f"partner {principal.name} is disabled")
    return Admission(principal, partner.rate_limit_per_s, partner.phone_region)
