"""Members, their identifier digests and their balances.

Statements that match several digests (one per identifier key while keys rotate) are built once
per count of keys, so each is still compiled once (see ``hub.adapters.sql``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa

from hub.adapters.repositories.keys import digest_in, digest_params, for_member
from hub.adapters.repositories.lots import RESERVED_BY_EXPIRED_HOLDS
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import accounts, lots, member_identifiers, members, transactions
from hub.adapters.types import UtcDateTime
from hub.domain.accounts import AccountKind, member_accounts
from hub.domain.errors import MemberNotFound
from hub.domain.ledger import Totals, TransactionKind
from hub.domain.lots import LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.domain.rules import FactWindows, MemberFacts
from hub.services.ports.members import MemberBalance
from hub.services.ports.reads import Later, MemberKey

_INSERT_MEMBER = members.insert()
_INSERT_ACCOUNT = accounts.insert()
_INSERT_IDENTIFIER = member_identifiers.insert()
_MEMBER_COLUMNS = (
    members.c.id,
    members.c.status,
    members.c.enrolled_at,
    members.c.erased_at,
    members.c.tier,
)
_GET = sa.select(*_MEMBER_COLUMNS).where(members.c.id == sa.bindparam("member_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_other = member_identifiers.alias("other")
_REKEY_IDENTIFIER = (
    sa.update(member_identifiers)
    .where(
        member_identifiers.c.digest == sa.bindparam("b_old"),
        # Should the current digest exist already (two replicas briefly disagreeing on the
        # current key), the old row stays rather than the caller's write failing.
        ~sa.exists().where(_other.c.digest == sa.bindparam("b_new")),
    )
    .values(digest=sa.bindparam("b_new"), key_id=sa.bindparam("b_key_id"))
)
_DELETE_IDENTIFIERS = sa.delete(member_identifiers).where(
    member_identifiers.c.member_id == sa.bindparam("b_member_id")
)
_ERASE = (
    sa.update(members)
    .where(members.c.id == sa.bindparam("b_member_id"))
    .values(status=MemberStatus.ERASED.value, erased_at=sa.bindparam("b_erased_at"))
)
_IDENTIFIER_KEY_COUNTS = sa.select(
    member_identifiers.c.key_id, sa.func.count().label("identifiers")
).group_by(member_identifiers.c.key_id)
_KINDS = (
    sa.select(member_identifiers.c.kind)
    .where(member_identifiers.c.member_id == sa.bindparam("member_id"))
    .order_by(member_identifiers.c.created_at, member_identifiers.c.kind)
)
# Lots the clock has overtaken are left out: the caller counts them as of now (they are what
# ``SqlLotRepository.overdue`` reads, see ``hub.domain.catch_up``).
_EXPIRING = (
    sa.select(sa.func.coalesce(sa.func.sum(lots.c.remaining_points - lots.c.reserved_points), 0))
    .where(
        lots.c.member_id == accounts.c.member_id,
        lots.c.status == LotStatus.AVAILABLE.value,
        lots.c.expires_at < sa.bindparam("expiring_before"),
        lots.c.expires_at > sa.bindparam("now", type_=UtcDateTime()),
        lots.c.remaining_points > lots.c.reserved_points,
        lots.c.id.not_in(RESERVED_BY_EXPIRED_HOLDS),
    )
    .scalar_subquery()
)
_DEBT_FOR_UPDATE = (
    sa.select(accounts.c.member_id, accounts.c.debits_posted, accounts.c.credits_posted)
    .where(
        accounts.c.member_id == sa.bindparam("member_id"),
        accounts.c.kind == AccountKind.MEMBER_DEBT.value,
    )
    .with_for_update()
)
_BALANCE = sa.select(
    accounts.c.member_id,
    accounts.c.kind,
    accounts.c.debits_posted,
    accounts.c.credits_posted,
    accounts.c.debits_pending,
    accounts.c.credits_pending,
    _EXPIRING.label("expiring_points"),
).where(accounts.c.member_id == sa.bindparam("member_id"))


_t = transactions.c
_EARN_KIND = TransactionKind.EARN.value
_REFUND_KIND = TransactionKind.REFUND_EARN.value
_refunded = transactions.alias("refunded")
_REFUNDS_OWN_EARN = sa.exists().where(
    _refunded.c.id == _t.related_id, _refunded.c.member_id == _t.member_id
)


def _earned_since(since: str, *, at_partner: bool) -> sa.ScalarSelect[int]:
    """Points credited by the member's purchase earns from ``:since`` on (what caps limit)."""
    conditions = [
        _t.member_id == members.c.id,
        _t.kind == _EARN_KIND,
        _t.created_at >= sa.bindparam(since),
    ]
    if at_partner:
        conditions.append(_t.partner_id == sa.bindparam("partner_id"))
    return (
        sa.select(sa.func.coalesce(sa.func.sum(_t.points), 0)).where(*conditions).scalar_subquery()
    )


def _qualifying(
    column: sa.ColumnElement[int], *, spend: bool, bounded: bool
) -> sa.ScalarSelect[int]:
    """Earns minus their refunds (which carry positive amounts) over the qualifying window,
    which ends now, or at ``:qualifying_until`` for a review.

    A refund counts only against the member whose earn it reverses: after a merge the refund
    of the absorbed member's earn is the survivor's, but the earn never counted towards the
    survivor's tier, so neither does its refund. (The test sits in the CASE, after the earn
    branch: it runs for refund rows only.)"""
    signed = sa.case((_t.kind == _EARN_KIND, column), (_REFUNDS_OWN_EARN, -column), else_=0)
    conditions = [
        _t.member_id == members.c.id,
        # Not IN (...): a literal list is an expanding parameter, rendered per execution.
        sa.or_(_t.kind == _EARN_KIND, _t.kind == _REFUND_KIND),
        _t.created_at >= sa.bindparam("qualifying_since"),
    ]
    if spend:
        conditions.append(_t.purchase_currency == sa.bindparam("spend_currency"))
    if bounded:
        conditions.append(_t.created_at < sa.bindparam("qualifying_until"))
    return sa.select(sa.func.coalesce(sa.func.sum(signed), 0)).where(*conditions).scalar_subquery()


_EARNS_AT_PARTNER = (
    sa.select(sa.func.count())
    .where(
        _t.member_id == members.c.id,
        _t.kind == _EARN_KIND,
        _t.partner_id == sa.bindparam("partner_id"),
    )
    .scalar_subquery()
)
# One read, through the member's (member_id, created_at) index: what rules need to know.
_FACTS = sa.select(
    members.c.tier,
    _qualifying(_t.points, spend=False, bounded=False).label("qualifying_points"),
    _qualifying(_t.purchase_amount_minor, spend=True, bounded=False).label(
        "qualifying_spend_minor"
    ),
    _earned_since("day_start", at_partner=False).label("earned_today_points"),
    _earned_since("month_start", at_partner=False).label("earned_month_points"),
    _earned_since("day_start", at_partner=True).label("earned_today_at_partner_points"),
    _earned_since("month_start", at_partner=True).label("earned_month_at_partner_points"),
    _EARNS_AT_PARTNER.label("earns_at_partner"),
).where(members.c.id == sa.bindparam("member_id"))
# Its own statement, ahead of the facts: a statement's snapshot is taken before its locks are
# granted, so totals read by the locking statement itself would miss the earns that held the
# lock meanwhile. NO KEY UPDATE: it serialises the member's writers (and ``get(for_update)``)
# without blocking inserts whose foreign key names the member.
_LOCK = (
    sa.select(members.c.id)
    .where(members.c.id == sa.bindparam("member_id"))
    .with_for_update(key_share=True)
)
_SET_TIER = (
    sa.update(members)
    .where(members.c.id == sa.bindparam("b_member_id"))
    .values(tier=sa.bindparam("b_tier"), tier_since=sa.bindparam("b_since"))
)
_SET_STATUS = (
    sa.update(members)
    .where(members.c.id == sa.bindparam("b_member_id"))
    .values(status=sa.bindparam("b_status"))
)
_EVENT_COUNT = sa.select(sa.func.count().label("events")).where(
    _t.member_id == sa.bindparam("member_id"),
    _t.partner_id == sa.bindparam("partner_id"),
    _t.kind == TransactionKind.BONUS.value,
    _t.event == sa.bindparam("event"),
)


def _to_review(metric: sa.ScalarSelect[int]) -> sa.Select[tuple[object, ...]]:
    return (
        sa.select(members.c.id, members.c.tier, metric.label("qualifying"))
        .where(
            members.c.tier.is_not(None),
            sa.or_(
                members.c.tier_since.is_(None), members.c.tier_since < sa.bindparam("period_start")
            ),
        )
        .order_by(members.c.id)
        .limit(sa.bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


_REVIEW_BY_POINTS = _to_review(_qualifying(_t.points, spend=False, bounded=True))
_REVIEW_BY_SPEND = _to_review(_qualifying(_t.purchase_amount_minor, spend=True, bounded=True))


@lru_cache(maxsize=8)
def _taken(count: int) -> sa.Select[tuple[object, ...]]:
    return sa.select(member_identifiers.c.kind).where(digest_in(count)).limit(1)


def _member(row: Row | None, missing: str) -> Member:
    if row is None:
        raise MemberNotFound(missing)
    return Member(
        id=row["id"],
        status=MemberStatus(row["status"]),
        enrolled_at=row["enrolled_at"],
        erased_at=row["erased_at"],
        tier=row["tier"],
    )


def _facts(rows: Sequence[Row]) -> MemberFacts | None:
    if not rows:
        return None
    row = rows[0]
    return MemberFacts(
        tier=row["tier"],
        qualifying_points=int(row["qualifying_points"]),
        qualifying_spend_minor=int(row["qualifying_spend_minor"]),
        earned_today_points=int(row["earned_today_points"]),
        earned_month_points=int(row["earned_month_points"]),
        earned_today_at_partner_points=int(row["earned_today_at_partner_points"]),
        earned_month_at_partner_points=int(row["earned_month_at_partner_points"]),
        earns_at_partner=int(row["earns_at_partner"]),
    )


def _balance(rows: Sequence[Row]) -> MemberBalance | None:
    by_kind = {AccountKind(row["kind"]): row for row in rows}
    if not rows or len(by_kind) != len(member_accounts(rows[0]["member_id"])):
        return None
    return MemberBalance(
        member_id=rows[0]["member_id"],
        available=_totals(by_kind[AccountKind.MEMBER_AVAILABLE]),
        pending=_totals(by_kind[AccountKind.MEMBER_PENDING]),
        expiring_points=int(rows[0]["expiring_points"]),
        debt=_totals(by_kind[AccountKind.MEMBER_DEBT]),
    )


def _totals(row: Row) -> Totals:
    return Totals(
        row["debits_posted"], row["credits_posted"], row["debits_pending"], row["credits_pending"]
    )


class SqlMemberRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(
        self, member: Member, enrolled_by: str, digests: Sequence[tuple[str, bytes]], key_id: str
    ) -> None:
        self._sql.defer(
            _INSERT_MEMBER,
            [
                {
                    "id": member.id,
                    "status": member.status.value,
                    "enrolled_at": member.enrolled_at,
                    "enrolled_by": enrolled_by,
                }
            ],
        )
        self._sql.defer(
            _INSERT_ACCOUNT,
            [
                {"id": a.id, "code": a.code, "kind": a.kind.value, "member_id": member.id}
                for a in member_accounts(member.id)
            ],
        )
        for kind, digest in digests:
            self.add_identifier(member.id, kind, digest, key_id, member.enrolled_at)

    def add_identifier(
        self, member_id: uuid.UUID, kind: str, digest: bytes, key_id: str, now: datetime
    ) -> None:
        row = {
            "digest": digest,
            "key_id": key_id,
            "kind": kind,
            "member_id": member_id,
            "created_at": now,
        }
        self._sql.defer(_INSERT_IDENTIFIER, [row])

    def get(self, member_id: uuid.UUID, *, for_update: bool = False) -> Member:
        statement = _GET_FOR_UPDATE if for_update else _GET
        return _member(
            self._sql.first(statement, {"member_id": member_id}), f"no member {member_id}"
        )

    def get_later(self, member: MemberKey) -> Later[Member | None]:
        found = self._sql.later(*for_member(_GET, member, {}))

        def answer() -> Member | None:
            rows = found()
            return _member(rows[0], "") if rows else None

        return answer

    def any_taken(self, digests: Sequence[bytes]) -> bool:
        return self.any_taken_later(digests)()

    def any_taken_later(self, digests: Sequence[bytes]) -> Later[bool]:
        found = self._sql.later(_taken(len(digests)), digest_params(digests))
        return lambda: bool(found())

    def rekey_identifier(self, old_digest: bytes, new_digest: bytes, key_id: str) -> None:
        self._sql.defer(
            _REKEY_IDENTIFIER, [{"b_old": old_digest, "b_new": new_digest, "b_key_id": key_id}]
        )

    def erase(self, member_id: uuid.UUID, now: datetime) -> None:
        self._sql.defer(_DELETE_IDENTIFIERS, [{"b_member_id": member_id}])
        self._sql.defer(_ERASE, [{"b_member_id": member_id, "b_erased_at": now}])

    def identifier_key_counts(self) -> dict[str, int]:
        return {
            row["key_id"]: int(row["identifiers"]) for row in self._sql.rows(_IDENTIFIER_KEY_COUNTS)
        }

    def with_identifier_kinds(self, member: Member) -> Member:
        return replace(member, identifier_kinds=self.identifier_kinds_later(member.id)())

    def identifier_kinds_later(self, member: MemberKey) -> Later[tuple[IdentifierKind, ...]]:
        found = self._sql.later(*for_member(_KINDS, member, {}))
        return lambda: tuple(IdentifierKind(row["kind"]) for row in found())

    def balance(
        self, member_id: uuid.UUID, now: datetime, expiring_before: datetime
    ) -> MemberBalance:
        """The member's stored totals; points expiring by ``expiring_before`` leave out the
        lots the clock has overtaken at ``now``."""
        if (found := self.balance_later(member_id, now, expiring_before)()) is None:
            raise MemberNotFound(f"no member {member_id}")
        return found

    def balance_later(
        self, member: MemberKey, now: datetime, expiring_before: datetime
    ) -> Later[MemberBalance | None]:
        params = {"now": now, "expiring_before": expiring_before}
        found = self._sql.later(*for_member(_BALANCE, member, params))
        return lambda: _balance(found())

    def debt_for_update(self, member_id: uuid.UUID) -> int:
        """Points the member owes, with their debt account locked until commit."""
        if (debt := self.debt_later(member_id)()) is None:
            raise MemberNotFound(f"no member {member_id}")
        return debt

    def debt_later(self, member: MemberKey) -> Later[int]:
        held = self.held_debt_later(member)

        def debt() -> int:
            found = held()
            return found[1] if found else 0

        return debt

    def held_debt_later(self, member: MemberKey) -> Later[tuple[uuid.UUID, int] | None]:
        """The member ``member`` names (for an original's key, the member holding its points
        now: a merge's survivor) and its debt, its debt account locked until commit."""
        found = self._sql.later(*for_member(_DEBT_FOR_UPDATE, member, {}))

        def held() -> tuple[uuid.UUID, int] | None:
            if not (rows := found()):
                return None
            return rows[0]["member_id"], int(rows[0]["debits_posted"] - rows[0]["credits_posted"])

        return held

    def lock(self, member: MemberKey) -> None:
        """Lock the member's row until commit; what is read after it includes every write of
        the lock's previous holders. No round trip of its own (see ``Sql.lock``)."""
        self._sql.lock(*for_member(_LOCK, member, {}))

    def facts(
        self, member_id: uuid.UUID, partner_id: str, windows: FactWindows, *, lock: bool
    ) -> MemberFacts:
        if lock:
            self.lock(member_id)
        if (facts := self.facts_later(member_id, partner_id, windows)()) is None:
            raise MemberNotFound(f"no member {member_id}")
        return facts

    def facts_later(
        self, member: MemberKey, partner_id: str, windows: FactWindows
    ) -> Later[MemberFacts | None]:
        params = {
            "partner_id": partner_id,
            "qualifying_since": windows.qualifying_since,
            "spend_currency": windows.spend_currency,
            "day_start": windows.day_start,
            "month_start": windows.month_start,
        }
        found = self._sql.later(*for_member(_FACTS, member, params))
        return lambda: _facts(found())

    def set_status(self, member_id: uuid.UUID, status: MemberStatus) -> None:
        self._sql.defer(_SET_STATUS, [{"b_member_id": member_id, "b_status": status.value}])

    def set_tier(self, member_id: uuid.UUID, tier: str | None, since: datetime) -> None:
        self._sql.defer(_SET_TIER, [{"b_member_id": member_id, "b_tier": tier, "b_since": since}])

    def event_count_later(self, member: MemberKey, partner_id: str, event: str) -> Later[int]:
        params = {"partner_id": partner_id, "event": event}
        found = self._sql.later(*for_member(_EVENT_COUNT, member, params))
        return lambda: int(found()[0]["events"])

    def tiers_to_review(
        self, period_start: datetime, windows: FactWindows, limit: int
    ) -> Sequence[tuple[uuid.UUID, str, int]]:
        statement = _REVIEW_BY_SPEND if windows.spend_currency else _REVIEW_BY_POINTS
        rows = self._sql.rows(
            statement,
            {
                "period_start": period_start,
                "qualifying_since": windows.qualifying_since,
                "qualifying_until": period_start,
                "spend_currency": windows.spend_currency,
                "limit": limit,
            },
        )
        return [(row["id"], row["tier"], int(row["qualifying"])) for row in rows]
