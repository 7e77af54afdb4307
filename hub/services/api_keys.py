"""Partners' API keys for the REST gateway: made and revoked by operators, audited.

The key itself leaves this module once, in ``create_api_key``'s answer; only its hash is
stored. A revoked key is refused from its next call on (admission reads keys like
certificates, from the cache every replica refreshes within a second).
"""

from __future__ import annotations

from hub.domain.api_keys import LABEL_LENGTH_MAX, ApiKey, NewApiKey, new_key
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.services import audit
from hub.services.commands import CreateApiKey, RevokeApiKey
from hub.services.ports.unit_of_work import UnitOfWorkFactory


def create_api_key(cmd: CreateApiKey, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> NewApiKey:
    """A new key for the partner, from its first call on."""
    label = _label(cmd.label)
    now = clock.now()
    made = new_key(cmd.partner_id, label, at=now, by=cmd.changed_by.actor)
    event = cmd.changed_by.event(
        "api_key.create", f"api_key:{made.record.key_id}", partner=cmd.partner_id, label=label
    )
    with uow_factory() as uow:
        uow.partners.get(cmd.partner_id)
        uow.api_keys.add(made.record)
        audit.record(uow, event, now)
        uow.commit()
    return made


def revoke_api_key(cmd: RevokeApiKey, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> ApiKey:
    """Refuse the key from its next call on; revoking again changes nothing."""
    now = clock.now()
    by = cmd.changed_by
    with uow_factory() as uow:
        key = uow.api_keys.get(cmd.key_id, for_update=True)
        if key.revoked:
            return key
        revoked = key.revoke(now, by.actor, by.reason)
        uow.api_keys.save(revoked)
        event = by.event("api_key.revoke", f"api_key:{key.key_id}", partner=key.partner_id)
        audit.record(uow, event, now)
        uow.commit()
    return revoked


def list_api_keys(partner_id: str | None, *, uow_factory: UnitOfWorkFactory) -> list[ApiKey]:
    with uow_factory(read_only=True) as uow:
        return list(uow.api_keys.list(partner_id))


def _label(text: str) -> str:
    label = text.strip()
    if not label or len(label) > LABEL_LENGTH_MAX or not label.isprintable():
        raise InvalidField(
            f"a key's label is 1 to {LABEL_LENGTH_MAX} printable characters", field="label"
        )
    return label
