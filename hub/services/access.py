"""Admitting a caller: its certificate still accepted, its partner still enabled."""

from __future__ import annotations

from hub.domain.access import Admission, admit
from hub.domain.principals import Principal
from hub.services.unit_of_work import UnitOfWorkFactory


def admit_caller(principal: Principal, *, uow_factory: UnitOfWorkFactory) -> Admission:
    """Admit ``principal`` or raise why not; one read, on every call."""
    partner_id = principal.name if principal.is_partner else None
    with uow_factory(single_read=True) as uow:
        credential, partner = uow.credentials.access(principal.credential_serial, partner_id)
    return admit(principal, credential, partner)
