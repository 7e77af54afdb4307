"""Admitting a caller: its certificate (or a partner's API key) still accepted, its partner
still enabled."""

from __future__ import annotations

from hub.domain.access import Admission, admit
from hub.domain.api_keys import is_key_serial, key_sha256_of_serial
from hub.domain.principals import Principal
from hub.services.admission_cache import Access, AdmissionCache
from hub.services.ports.unit_of_work import UnitOfWorkFactory


def admit_caller(
    principal: Principal, *, uow_factory: UnitOfWorkFactory, cache: AdmissionCache
) -> Admission:
    """Admit ``principal`` or raise why not, on every call: from memory while the cache is
    current, else with one read."""
    serial = principal.credential_serial
    partner_id = principal.name if principal.is_partner else None

    def read() -> Access:
        with uow_factory(single_read=True) as uow:
            if is_key_serial(serial) and partner_id is not None:
                return uow.api_keys.access(key_sha256_of_serial(str(serial)), partner_id)
            return uow.credentials.access(serial, partner_id)

    credential, partner = cache.access(serial, partner_id, read)
    return admit(principal, credential, partner)
