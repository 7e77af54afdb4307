"""Partners and their rate versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import accounts, entries, partner_rates, partners
from hub.domain.accounts import partner_accounts, partner_issued
from hub.domain.currencies import currency
from hub.domain.errors import NoRateInForce, PartnerNotFound
from hub.domain.money import Rounding
from hub.domain.partners import ExpiryPolicy, Partner, PartnerStatus
from hub.domain.rates import Rates, RateVersion, canonical

_RATE_COLUMNS = (
    partner_rates.c.id.label("rate_id"),
    partner_rates.c.effective_from,
    partner_rates.c.earn_rate,
    partner_rates.c.burn_value,
    partner_rates.c.issue_price,
    partner_rates.c.redemption_price,
)
_later = partner_rates.alias("later")
_LATEST_EFFECTIVE = (
    sa.select(sa.func.max(_later.c.effective_from))
    .where(_later.c.partner_id == partners.c.id, _later.c.effective_from <= sa.bindparam("at"))
    .scalar_subquery()
)
_GET = sa.select(partners).where(partners.c.id == sa.bindparam("partner_id"))
_GET_WITH_RATE = (
    sa.select(partners, *_RATE_COLUMNS)
    .select_from(
        partners.outerjoin(
            partner_rates,
            sa.and_(
                partner_rates.c.partner_id == partners.c.id,
                partner_rates.c.effective_from == _LATEST_EFFECTIVE,
            ),
        )
    )
    .where(partners.c.id == sa.bindparam("partner_id"))
)
_LIST = sa.select(partners).order_by(partners.c.id)
_RATES = (
    sa.select(partner_rates.c.partner_id, *_RATE_COLUMNS)
    .where(partner_rates.c.partner_id == sa.bindparam("partner_id"))
    .order_by(partner_rates.c.effective_from)
)
_SET_STATUS = (
    sa.update(partners)
    .where(partners.c.id == sa.bindparam("b_id"))
    .values(status=sa.bindparam("b_status"))
)
_ISSUED = sa.select(
    sa.func.coalesce(sa.func.sum(entries.c.amount_points), 0).label("balance")
).where(entries.c.account_id == sa.bindparam("account_id"))


def partner_from_row(row: Row) -> Partner:
    return Partner(
        id=row["id"],
        name=row["name"],
        currency=currency(row["currency"]),
        rounding=Rounding(row["rounding"]),
        pending_period_s=row["pending_period_s"],
        expiry=ExpiryPolicy.parse(row["expiry"]),
        status=PartnerStatus(row["status"]),
    )


def rate_from_row(row: Row, partner_id: str) -> RateVersion:
    return RateVersion(
        id=row["rate_id"],
        partner_id=partner_id,
        effective_from=row["effective_from"],
        rates=Rates(
            earn_rate=canonical(row["earn_rate"]),
            burn_value=canonical(row["burn_value"]),
            issue_price=canonical(row["issue_price"]),
            redemption_price=canonical(row["redemption_price"]),
        ),
    )


def _rate_row(version: RateVersion, now: datetime) -> dict[str, object]:
    rates = version.rates
    return {
        "id": version.id,
        "partner_id": version.partner_id,
        "effective_from": version.effective_from,
        "earn_rate": rates.earn_rate,
        "burn_value": rates.burn_value,
        "issue_price": rates.issue_price,
        "redemption_price": rates.redemption_price,
        "created_at": now,
    }


class SqlPartnerRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, partner: Partner, first_rate: RateVersion, now: datetime) -> None:
        self._sql.defer(partners.insert(), [_partner_row(partner, now)])
        self._sql.defer(
            accounts.insert(),
            [
                {"id": a.id, "code": a.code, "kind": a.kind.value, "partner_id": partner.id}
                for a in partner_accounts(partner.id)
            ],
        )
        self._sql.defer(partner_rates.insert(), [_rate_row(first_rate, now)])

    def get(self, partner_id: str) -> Partner:
        row = self._sql.first(_GET, {"partner_id": partner_id})
        if row is None:
            raise PartnerNotFound(f"no partner {partner_id!r}")
        return partner_from_row(row)

    def get_with_rate(self, partner_id: str, at: datetime) -> tuple[Partner, RateVersion]:
        row = self._sql.first(_GET_WITH_RATE, {"partner_id": partner_id, "at": at})
        if row is None:
            raise PartnerNotFound(f"no partner {partner_id!r}")
        if row["rate_id"] is None:
            raise NoRateInForce(f"partner {partner_id} has no rate in force at {at.isoformat()}")
        return partner_from_row(row), rate_from_row(row, partner_id)

    def list(self) -> Sequence[Partner]:
        return [partner_from_row(row) for row in self._sql.rows(_LIST)]

    def rate_versions(self, partner_id: str) -> Sequence[RateVersion]:
        return [
            rate_from_row(row, partner_id)
            for row in self._sql.rows(_RATES, {"partner_id": partner_id})
        ]

    def add_rate(self, version: RateVersion, now: datetime) -> None:
        self._sql.defer(partner_rates.insert(), [_rate_row(version, now)])

    def set_status(self, partner: Partner) -> None:
        self._sql.execute(_SET_STATUS, {"b_id": partner.id, "b_status": partner.status.value})

    def issued_points(self, partner_id: str) -> int:
        """Points the partner has issued, net: minus its account's balance, summed from entries."""
        row = self._sql.first(_ISSUED, {"account_id": partner_issued(partner_id).id})
        return -int(row["balance"]) if row else 0


def _partner_row(partner: Partner, now: datetime) -> dict[str, object]:
    return {
        "id": partner.id,
        "name": partner.name,
        "currency": partner.currency.code,
        "rounding": partner.rounding.value,
        "pending_period_s": partner.pending_period_s,
        "expiry": str(partner.expiry),
        "status": partner.status.value,
        "created_at": now,
    }
