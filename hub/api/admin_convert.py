"""Admin API messages to commands and results to messages; no logic beyond the mapping."""

from __future__ import annotations

from datetime import datetime

from coalition.hub.v1 import admin_pb2, common_pb2
from hub.api.convert import instant, rates_message, timestamp
from hub.domain.api_keys import ApiKey
from hub.domain.credentials import Credential
from hub.domain.errors import InvalidField
from hub.domain.fields import storable_text
from hub.domain.limits import HOLD_TTL_DEFAULT_S, OFFLINE_WINDOW_DEFAULT_S
from hub.domain.money import EarnRounding, Rounding
from hub.domain.partners import DEFAULT_BURN_RULES, BurnRules, CategoryShare, ExpiryPolicy
from hub.domain.principals import Principal
from hub.domain.rates import Rates, parse_rate
from hub.services import commands
from hub.services.results import PartnerView


def attribution(
    principal: Principal, reason: str, *, field: str = "reason"
) -> commands.Attribution:
    """Who asks and why; the why (``field`` of the request) as the database can store it."""
    return commands.Attribution(principal.uri, storable_text(reason, field=field))


def _effective_from(message: common_pb2.Rates) -> datetime | None:
    if not message.HasField("effective_from"):
        return None
    return instant(message.effective_from, "rates.effective_from")


def _rates(message: common_pb2.Rates) -> Rates:
    return Rates.parse(
        earn_rate=message.earn_rate,
        burn_value=message.burn_value,
        issue_price=message.issue_price,
        redemption_price=message.redemption_price,
    )


def _rounding(text: str) -> Rounding:
    try:
        return Rounding(text or Rounding.FLOOR.value)
    except ValueError:
        raise InvalidField(f"{text!r} is not a rounding mode", field="rounding") from None


def _earn_rounding(text: str) -> EarnRounding:
    try:
        return EarnRounding(text or EarnRounding.DOWN.value)
    except ValueError:
        names = ", ".join(mode.value for mode in EarnRounding)
        raise InvalidField(
            f"earn rounding must be one of {names}; got {text[:40]!r}", field="earn_rounding"
        ) from None


def _burn_rules(message: admin_pb2.BurnRules, present: bool) -> BurnRules:
    if not present:
        return DEFAULT_BURN_RULES
    return BurnRules(
        min_points=message.min_points,
        max_share=parse_rate(message.max_share or "1", field="burn_rules.max_share"),
        min_cash_minor=message.min_cash_minor,
        excluded_categories=frozenset(message.excluded_categories),
        category_shares=tuple(
            CategoryShare(
                share.category,
                parse_rate(share.max_share, field="burn_rules.category_shares.max_share"),
            )
            for share in message.category_shares
        ),
    )


def add_partner(request: admin_pb2.AddPartnerRequest, by: Principal) -> commands.AddPartner:
    return commands.AddPartner(
        partner_id=request.partner_id,
        name=request.name,
        currency=request.currency,
        rates=_rates(request.rates),
        rounding=_rounding(request.rounding),
        pending_period_s=request.pending_period_s,
        expiry=ExpiryPolicy.parse(request.expiry or "never"),
        effective_from=_effective_from(request.rates),
        hold_ttl_s=request.hold_ttl_s or HOLD_TTL_DEFAULT_S,
        burn_rules=_burn_rules(request.burn_rules, request.HasField("burn_rules")),
        earn_rounding=_earn_rounding(request.earn_rounding),
        phone_region=request.phone_region or None,
        offline_window_s=request.offline_window_s
        if request.HasField("offline_window_s")
        else OFFLINE_WINDOW_DEFAULT_S,
        changed_by=attribution(by, request.reason),
    )


def set_rate(request: admin_pb2.SetRateRequest, by: Principal) -> commands.SetRate:
    effective_from = _effective_from(request.rates)
    return commands.SetRate(
        request.partner_id,
        _rates(request.rates),
        effective_from,
        changed_by=attribution(by, request.reason),
    )


def partner_message(view: PartnerView) -> admin_pb2.Partner:
    partner, rules = view.partner, view.partner.burn_rules
    return admin_pb2.Partner(
        partner_id=partner.id,
        name=partner.name,
        currency=partner.currency.code,
        rounding=partner.rounding.value,
        pending_period_s=partner.pending_period_s,
        expiry=str(partner.expiry),
        status=partner.status.value,
        hold_ttl_s=partner.hold_ttl_s,
        burn_rules=admin_pb2.BurnRules(
            min_points=rules.min_points,
            max_share=str(rules.max_share),
            min_cash_minor=rules.min_cash_minor,
            excluded_categories=sorted(rules.excluded_categories),
            category_shares=[
                admin_pb2.CategoryShare(category=share.category, max_share=str(share.max_share))
                for share in rules.category_shares
            ],
        ),
        earn_rounding=partner.earn_rounding.value,
        phone_region=partner.phone_region or "",
        offline_window_s=partner.offline_window_s,
        rate_limit_per_s=partner.rate_limit_per_s or 0,
        current_rates=rates_message(view.current_rate),
        rate_versions=[m for v in view.rate_versions if (m := rates_message(v)) is not None],
        issued_points=view.issued_points,
    )


def credential_message(credential: Credential) -> admin_pb2.Credential:
    return admin_pb2.Credential(
        serial=credential.serial,
        principal=credential.principal.uri,
        fingerprint_sha256=credential.fingerprint_sha256,
        not_before=timestamp(credential.not_before),
        not_after=timestamp(credential.not_after),
        issued_at=timestamp(credential.issued_at),
        issued_by=credential.issued_by,
        renews=credential.renews or "",
        revoked_at=timestamp(credential.revoked_at),
        revoked_by=credential.revoked_by or "",
        revoked_reason=credential.revoked_reason or "",
    )


def api_key_message(key: ApiKey) -> admin_pb2.ApiKey:
    return admin_pb2.ApiKey(
        key_id=key.key_id,
        partner_id=key.partner_id,
        label=key.label,
        created_at=timestamp(key.created_at),
        created_by=key.created_by,
        revoked_at=timestamp(key.revoked_at),
        revoked_by=key.revoked_by or "",
        revoked_reason=key.revoked_reason or "",
    )
