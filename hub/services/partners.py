"""Onboarding partners and managing their rates (operators' use cases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.domain.audit import AuditValue
from hub.domain.clock import Clock
from hub.domain.currencies import currency
from hub.domain.errors import InvalidField, NoRateInForce
from hub.domain.ids import new_id
from hub.domain.offline import check_offline_window
from hub.domain.partners import (
    Partner,
    PartnerStatus,
    check_burn_rules,
    check_hold_ttl,
    check_partner_id,
    check_partner_settings,
)
from hub.domain.phones import check_phone_region
from hub.domain.rates import RateVersion, check_schedulable, in_force
from hub.services import audit
from hub.services.commands import (
    AddPartner,
    Attribution,
    SetOfflineWindow,
    SetPartnerStatus,
    SetPhoneRegion,
    SetRate,
    SetRateLimit,
)
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import PartnerView
from hub.services.transactions import run

RATE_LIMIT_PER_S_MAX = 100_000


def _audit(
    uow: UnitOfWork,
    by: Attribution,
    action: str,
    partner_id: str,
    now: datetime,
    **details: AuditValue,
) -> None:
    audit.record(uow, by.event(action, f"partner:{partner_id}", **details), now)


def add_partner(cmd: AddPartner, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> PartnerView:
    """Create a partner with its accounts and first rates; ``PARTNER_EXISTS`` if the id is taken."""
    check_partner_id(cmd.partner_id)
    check_partner_settings(cmd.name, cmd.rounding, cmd.pending_period_s)
    partner = Partner(
        hold_ttl_s=check_hold_ttl(cmd.hold_ttl_s, field="hold_ttl_s"),
        burn_rules=check_burn_rules(cmd.burn_rules),
        id=cmd.partner_id,
        name=cmd.name,
        currency=currency(cmd.currency),
        rounding=cmd.rounding,
        pending_period_s=cmd.pending_period_s,
        expiry=cmd.expiry,
        status=PartnerStatus.ACTIVE,
        earn_rounding=cmd.earn_rounding,
        phone_region=check_phone_region(cmd.phone_region),
        offline_window_s=check_offline_window(cmd.offline_window_s),
    )

    def add(uow: UnitOfWork) -> PartnerView:
        now = clock.now()
        effective_from = cmd.effective_from or now
        check_schedulable(effective_from, now)
        version = RateVersion(new_id(), partner.id, effective_from, cmd.rates)
        uow.partners.add(partner, version, now)
        details = {
            **_rate_details(version),
            "earn_rounding": partner.earn_rounding.value,
            "phone_region": partner.phone_region,
            "offline_window_s": partner.offline_window_s,
        }
        _audit(uow, cmd.changed_by, "partner.add", partner.id, now, **details)
        return _view(uow, partner.id, clock)

    return run(add, uow_factory=uow_factory)


def set_rate(cmd: SetRate, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> RateVersion:
    """Schedule new rates from ``effective_from`` (now by default); the past is never changed."""
    now = clock.now()
    effective_from = cmd.effective_from or now
    check_schedulable(effective_from, now)
    version = RateVersion(new_id(), check_partner_id(cmd.partner_id), effective_from, cmd.rates)
    with uow_factory() as uow:
        uow.partners.get(cmd.partner_id)
        uow.partners.add_rate(version, now)
        _audit(
            uow,
            cmd.changed_by,
            "partner.set_rate",
            version.partner_id,
            now,
            **_rate_details(version),
        )
        uow.commit()
    return version


def _rate_details(version: RateVersion) -> dict[str, AuditValue]:
    rates = version.rates
    return {
        "effective_from": version.effective_from.isoformat(),
        "earn_rate": str(rates.earn_rate),
        "burn_value": str(rates.burn_value),
        "issue_price": str(rates.issue_price),
        "redemption_price": str(rates.redemption_price),
    }


def set_partner_status(
    cmd: SetPartnerStatus, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> PartnerView:
    """Enable or disable a partner; a disabled partner's calls are refused from the next one on."""
    status = PartnerStatus.ACTIVE if cmd.active else PartnerStatus.DISABLED
    now = clock.now()
    with uow_factory() as uow:
        uow.partners.save(replace(uow.partners.get(cmd.partner_id), status=status))
        action = "partner.enable" if cmd.active else "partner.disable"
        _audit(uow, cmd.changed_by, action, cmd.partner_id, now)
        uow.commit()
        return _view(uow, cmd.partner_id, clock)


def set_rate_limit(
    cmd: SetRateLimit, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> PartnerView:
    """Set the partner's requests per second (``None``: the hub's default), from its next call."""
    limit = cmd.rate_limit_per_s
    if limit is not None and not 1 <= limit <= RATE_LIMIT_PER_S_MAX:
        raise InvalidField(
            f"rate_limit_per_s must be 1..{RATE_LIMIT_PER_S_MAX}", field="rate_limit_per_s"
        )
    now = clock.now()
    with uow_factory() as uow:
        uow.partners.save(replace(uow.partners.get(cmd.partner_id), rate_limit_per_s=limit))
        _audit(uow, cmd.changed_by, "partner.set_rate_limit", cmd.partner_id, now, per_s=limit)
        uow.commit()
        return _view(uow, cmd.partner_id, clock)


def set_phone_region(
    cmd: SetPhoneRegion, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> PartnerView:
    """Set the region the partner's national phone numbers are read in, from its next call.

    Members already enrolled by phone are unaffected: their numbers were stored in E.164.
    """
    region = check_phone_region(cmd.phone_region)
    now = clock.now()
    with uow_factory() as uow:
        uow.partners.save(replace(uow.partners.get(cmd.partner_id), phone_region=region))
        _audit(uow, cmd.changed_by, "partner.set_phone_region", cmd.partner_id, now, region=region)
        uow.commit()
        return _view(uow, cmd.partner_id, clock)


def set_offline_window(
    cmd: SetOfflineWindow, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> PartnerView:
    """Set how long after a sale the partner's tills may still send its earn, from its next
    call; earns already queued on tills are judged by the window when they arrive."""
    window_s = check_offline_window(cmd.offline_window_s)
    now = clock.now()
    with uow_factory() as uow:
        partner = replace(uow.partners.get(cmd.partner_id), offline_window_s=window_s)
        uow.partners.save(partner)
        _audit(uow, cmd.changed_by, "partner.set_offline_window", cmd.partner_id, now, s=window_s)
        uow.commit()
        return _view(uow, cmd.partner_id, clock)


def get_partner(partner_id: str, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> PartnerView:
    with uow_factory(read_only=True) as uow:
        return _view(uow, partner_id, clock)


def list_partners(*, uow_factory: UnitOfWorkFactory, clock: Clock) -> list[PartnerView]:
    with uow_factory(read_only=True) as uow:
        return [_view(uow, partner.id, clock) for partner in uow.partners.list()]


def _view(uow: UnitOfWork, partner_id: str, clock: Clock) -> PartnerView:
    partner = uow.partners.get(partner_id)
    versions = tuple(uow.partners.rate_versions(partner_id))
    try:
        current: RateVersion | None = in_force(versions, clock.now())
    except NoRateInForce:
        current = None
    return PartnerView(partner, versions, current, uow.partners.issued_points(partner_id))
