"""Partners and their rate versions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa

from hub.adapters.repositories.keys import digest_in, digest_params
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    accounts,
    entries,
    member_identifiers,
    members,
    partner_rates,
    partners,
    rules_head,
)
from hub.domain.accounts import AccountKind, partner_accounts, partner_issued
from hub.domain.currencies import currency
from hub.domain.errors import PartnerNotFound
from hub.domain.members import Member, MemberStatus
from hub.domain.money import EarnRounding, Rounding
from hub.domain.partners import BurnRules, CategoryShare, ExpiryPolicy, Partner, PartnerStatus
from hub.domain.rates import Rates, RateVersion, canonical
from hub.services.ports.partners import CallContext
from hub.services.ports.reads import Later

_INSERT_PARTNER = partners.insert()
_INSERT_ACCOUNT = accounts.insert()
_INSERT_RATE = partner_rates.insert()
RATE_COLUMNS = (
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
_rate_join = partners.outerjoin(
    partner_rates,
    sa.and_(
        partner_rates.c.partner_id == partners.c.id,
        partner_rates.c.effective_from == _LATEST_EFFECTIVE,
    ),
)
_debt = accounts.alias("debt")
_MEMBER_COLUMNS = (
    members.c.id.label("member_id"),
    members.c.status.label("member_status"),
    members.c.enrolled_at.label("member_enrolled_at"),
    members.c.tier.label("member_tier"),
    (_debt.c.debits_posted - _debt.c.credits_posted).label("member_debt_points"),
)
_by_digest = (
    sa.select(member_identifiers.c.member_id)
    .where(member_identifiers.c.digest == sa.bindparam("digest"))
    .scalar_subquery()
)


# Rides along with the partner's row: callers learn whether their cached rules are current.
_RULES_GENERATION = (
    sa.select(rules_head.c.generation).where(rules_head.c.id == 1).scalar_subquery()
).label("rules_generation")


def _for_call(member_match: sa.ColumnElement[bool] | None) -> sa.Select[tuple[object, ...]]:
    """The partner, its rate in force and (optionally) a member, in one statement."""
    if member_match is None:
        return (
            sa.select(partners, *RATE_COLUMNS, _RULES_GENERATION)
            .select_from(_rate_join)
            .where(partners.c.id == sa.bindparam("partner_id"))
        )
    debt_join = sa.and_(
        _debt.c.member_id == members.c.id, _debt.c.kind == AccountKind.MEMBER_DEBT.value
    )
    return (
        sa.select(partners, *RATE_COLUMNS, *_MEMBER_COLUMNS, _RULES_GENERATION)
        .select_from(_rate_join.outerjoin(members, member_match).outerjoin(_debt, debt_join))
        .where(partners.c.id == sa.bindparam("partner_id"))
    )


# Built once each: the PostgreSQL path compiles each statement object once.
_FOR_CALL = _for_call(None)
_FOR_CALL_BY_MEMBER_ID = _for_call(members.c.id == sa.bindparam("member_id"))
_FOR_CALL_BY_DIGEST = _for_call(members.c.id == _by_digest)


@lru_cache(maxsize=8)
def _for_call_by_digests(count: int) -> sa.Select[tuple[object, ...]]:
    """Like ``_FOR_CALL_BY_DIGEST`` while identifier keys rotate: any of ``count`` digests
    matches, and the row says which one did, so that a retired one can be re-keyed."""
    matched = sa.select(member_identifiers.c.member_id, member_identifiers.c.digest).where(
        digest_in(count)
    )
    # Should both a retired and the current digest exist, the current one wins: no re-key.
    current_first = (member_identifiers.c.digest == sa.bindparam("digest_0")).desc()
    found = matched.order_by(current_first).limit(1).subquery("found")
    debt_join = sa.and_(
        _debt.c.member_id == members.c.id, _debt.c.kind == AccountKind.MEMBER_DEBT.value
    )
    joined = (
        _rate_join.outerjoin(found, sa.true())
        .outerjoin(members, members.c.id == found.c.member_id)
        .outerjoin(_debt, debt_join)
    )
    return (
        sa.select(
            partners,
            *RATE_COLUMNS,
            *_MEMBER_COLUMNS,
            found.c.digest.label("member_digest"),
            _RULES_GENERATION,
        )
        .select_from(joined)
        .where(partners.c.id == sa.bindparam("partner_id"))
    )


_LIST = sa.select(partners).order_by(partners.c.id)
_RATES = (
    sa.select(partner_rates.c.partner_id, *RATE_COLUMNS)
    .where(partner_rates.c.partner_id == sa.bindparam("partner_id"))
    .order_by(partner_rates.c.effective_from)
)
_SAVE = (
    sa.update(partners)
    .where(partners.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        rate_limit_per_s=sa.bindparam("b_rate_limit_per_s"),
        phone_region=sa.bindparam("b_phone_region"),
        offline_window_s=sa.bindparam("b_offline_window_s"),
    )
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
        rate_limit_per_s=row["rate_limit_per_s"],
        hold_ttl_s=row["hold_ttl_s"],
        burn_rules=BurnRules(
            min_points=row["burn_min_points"],
            max_share=canonical(Decimal(row["burn_max_share"])),
            min_cash_minor=row["burn_min_cash_minor"],
            excluded_categories=frozenset(json.loads(row["burn_excluded_categories"])),
            category_shares=_category_shares(row["burn_category_shares"]),
        ),
        earn_rounding=EarnRounding(row["earn_rounding"]),
        phone_region=row["phone_region"],
        offline_window_s=row["offline_window_s"],
    )


def _category_shares(text: str) -> tuple[CategoryShare, ...]:
    shares = json.loads(text)
    return tuple(
        CategoryShare(category, canonical(Decimal(share)))
        for category, share in sorted(shares.items())
    )


def member_from_row(row: Row) -> Member:
    status = MemberStatus(row["member_status"])
    return Member(
        id=row["member_id"],
        status=status,
        enrolled_at=row["member_enrolled_at"],
        tier=row["member_tier"],
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
        self._sql.defer(_INSERT_PARTNER, [_partner_row(partner, now)])
        self._sql.defer(
            _INSERT_ACCOUNT,
            [
                {"id": a.id, "code": a.code, "kind": a.kind.value, "partner_id": partner.id}
                for a in partner_accounts(partner.id)
            ],
        )
        self._sql.defer(_INSERT_RATE, [_rate_row(first_rate, now)])
        self._sql.mark_cache_stale()

    def get(self, partner_id: str) -> Partner:
        return self.get_later(partner_id)()

    def get_later(self, partner_id: str) -> Later[Partner]:
        found = self._sql.later(_GET, {"partner_id": partner_id})

        def answer() -> Partner:
            if not (rows := found()):
                raise PartnerNotFound(f"no partner {partner_id!r}")
            return partner_from_row(rows[0])

        return answer

    def for_call(
        self,
        partner_id: str,
        at: datetime,
        member: uuid.UUID | bytes | tuple[bytes, ...] | None = None,
    ) -> CallContext:
        """The partner, its rates in force ``at`` and the member (by id or identifier digest,
        or any of several digests, one per identifier key)."""
        return self.for_call_later(partner_id, at, member)()

    def for_call_later(
        self,
        partner_id: str,
        at: datetime,
        member: uuid.UUID | bytes | tuple[bytes, ...] | None = None,
    ) -> Later[CallContext]:
        params: dict[str, object] = {"partner_id": partner_id, "at": at}
        if member is None:
            statement = _FOR_CALL
        elif isinstance(member, uuid.UUID):
            statement, params["member_id"] = _FOR_CALL_BY_MEMBER_ID, member
        elif isinstance(member, bytes):
            statement, params["digest"] = _FOR_CALL_BY_DIGEST, member
        else:
            statement = _for_call_by_digests(len(member))
            params.update(digest_params(member))
        found = self._sql.later(statement, params)
        return lambda: _call_context(found(), partner_id)

    def list(self) -> Sequence[Partner]:
        return [partner_from_row(row) for row in self._sql.rows(_LIST)]

    def rate_versions(self, partner_id: str) -> Sequence[RateVersion]:
        return [
            rate_from_row(row, partner_id)
            for row in self._sql.rows(_RATES, {"partner_id": partner_id})
        ]

    def add_rate(self, version: RateVersion, now: datetime) -> None:
        self._sql.defer(_INSERT_RATE, [_rate_row(version, now)])
        self._sql.mark_cache_stale()

    def save(self, partner: Partner) -> None:
        """Write what can change after onboarding: the status, the rate limit, the phone
        region and the offline window."""
        self._sql.mark_cache_stale()
        self._sql.execute(
            _SAVE,
            {
                "b_id": partner.id,
                "b_status": partner.status.value,
                "b_rate_limit_per_s": partner.rate_limit_per_s,
                "b_phone_region": partner.phone_region,
                "b_offline_window_s": partner.offline_window_s,
            },
        )

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
        "rate_limit_per_s": partner.rate_limit_per_s,
        "created_at": now,
        "hold_ttl_s": partner.hold_ttl_s,
        "burn_min_points": partner.burn_rules.min_points,
        "burn_max_share": partner.burn_rules.max_share,
        "burn_min_cash_minor": partner.burn_rules.min_cash_minor,
        "burn_excluded_categories": json.dumps(sorted(partner.burn_rules.excluded_categories)),
        "burn_category_shares": json.dumps(
            {rule.category: str(rule.max_share) for rule in partner.burn_rules.category_shares},
            sort_keys=True,
        ),
        "earn_rounding": partner.earn_rounding.value,
        "phone_region": partner.phone_region,
        "offline_window_s": partner.offline_window_s,
    }


def _call_context(rows: Sequence[Row], partner_id: str) -> CallContext:
    if not rows:
        raise PartnerNotFound(f"no partner {partner_id!r}")
    row = rows[0]
    rate = rate_from_row(row, partner_id) if row["rate_id"] is not None else None
    generation = int(row["rules_generation"] or 0)
    if row.get("member_id") is None:
        return CallContext(partner_from_row(row), rate, None, rules_generation=generation)
    debt = int(row["member_debt_points"] or 0)
    digest = bytes(row["member_digest"]) if row.get("member_digest") is not None else None
    return CallContext(partner_from_row(row), rate, member_from_row(row), debt, digest, generation)
