"""The certificates the hub accepts: recorded when the CA issues them, revoked by staff."""

from __future__ import annotations

from hub.domain.clock import Clock
from hub.domain.credentials import Credential
from hub.domain.principals import Principal
from hub.services import audit
from hub.services.commands import RecordCredential, RevokeCredential
from hub.services.ports.unit_of_work import UnitOfWorkFactory


def record_credential(
    cmd: RecordCredential, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> Credential:
    """Accept the certificate ``hub certs`` just issued, from its holder's first call on."""
    now = clock.now()
    credential = Credential(
        serial=cmd.serial,
        principal=Principal.from_uri(cmd.principal_uri),
        fingerprint_sha256=cmd.fingerprint_sha256,
        not_before=cmd.not_before,
        not_after=cmd.not_after,
        issued_at=now,
        issued_by=cmd.changed_by.actor,
        renews=cmd.renews,
    )
    event = cmd.changed_by.event(
        "credential.renew" if cmd.renews else "credential.issue",
        f"credential:{cmd.serial}",
        principal=cmd.principal_uri,
        not_after=cmd.not_after.isoformat(),
        renews=cmd.renews,
    )
    with uow_factory() as uow:
        if credential.principal.is_partner:
            uow.partners.get(credential.principal.name)
        if cmd.renews is not None:
            uow.credentials.get(cmd.renews)
        uow.credentials.add(credential)
        audit.record(uow, event, now)
        uow.commit()
    return credential


def revoke_credential(
    cmd: RevokeCredential, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> Credential:
    """Refuse the certificate from its next call on; revoking again changes nothing."""
    now = clock.now()
    by = cmd.changed_by
    with uow_factory() as uow:
        credential = uow.credentials.get(cmd.serial, for_update=True)
        if credential.revoked:
            return credential
        revoked = credential.revoke(now, by.actor, by.reason)
        uow.credentials.save(revoked)
        event = by.event(
            "credential.revoke", f"credential:{cmd.serial}", principal=credential.principal.uri
        )
        audit.record(uow, event, now)
        uow.commit()
    return revoked


def list_credentials(
    principal_uri: str | None, *, uow_factory: UnitOfWorkFactory
) -> list[Credential]:
    with uow_factory(read_only=True) as uow:
        return list(uow.credentials.list(principal_uri))


def get_credential(serial: str, *, uow_factory: UnitOfWorkFactory) -> Credential:
    with uow_factory(read_only=True) as uow:
        return uow.credentials.get(serial)
