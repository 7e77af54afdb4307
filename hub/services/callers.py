"""The calling partner, as every partner use case first loads and checks it."""

from __future__ import annotations

from datetime import datetime

from hub.domain.errors import PartnerNotFound, Unauthenticated
from hub.domain.partners import Partner
from hub.domain.rates import RateVersion
from hub.services.unit_of_work import UnitOfWork


def _unknown(partner_id: str) -> Unauthenticated:
    return Unauthenticated(f"partner {partner_id!r} is not known to this hub")


def active_partner(uow: UnitOfWork, partner_id: str) -> Partner:
    """The caller's partner record; unknown callers are unauthenticated, disabled ones refused."""
    try:
        partner = uow.partners.get(partner_id)
    except PartnerNotFound:
        raise _unknown(partner_id) from None
    partner.require_active()
    return partner


def active_partner_with_rate(
    uow: UnitOfWork, partner_id: str, at: datetime
) -> tuple[Partner, RateVersion]:
    """``active_partner`` and the rates it has in force ``at``, in one read."""
    try:
        partner, rate = uow.partners.get_with_rate(partner_id, at)
    except PartnerNotFound:
        raise _unknown(partner_id) from None
    partner.require_active()
    return partner, rate
