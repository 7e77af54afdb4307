"""Members, their identifier digests and their balances."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import accounts, lots, member_identifiers, members
from hub.domain.accounts import AccountKind, member_accounts, member_debt
from hub.domain.errors import MemberNotFound
from hub.domain.ledger import Totals
from hub.domain.lots import LotStatus
from hub.domain.members import IdentifierKind, Member, MemberStatus
from hub.services.unit_of_work import MemberBalance

_INSERT_MEMBER = members.insert()
_INSERT_ACCOUNT = accounts.insert()
_INSERT_IDENTIFIER = member_identifiers.insert()
_MEMBER_COLUMNS = (members.c.id, members.c.status, members.c.enrolled_at)
_GET = sa.select(*_MEMBER_COLUMNS).where(members.c.id == sa.bindparam("member_id"))
_BY_DIGEST = (
    sa.select(*_MEMBER_COLUMNS)
    .join(member_identifiers, member_identifiers.c.member_id == members.c.id)
    .where(member_identifiers.c.digest == sa.bindparam("digest"))
)
_KINDS = (
    sa.select(member_identifiers.c.kind)
    .where(member_identifiers.c.member_id == sa.bindparam("member_id"))
    .order_by(member_identifiers.c.created_at, member_identifiers.c.kind)
)
_EXPIRING = (
    sa.select(sa.func.coalesce(sa.func.sum(lots.c.remaining_points - lots.c.reserved_points), 0))
    .where(
        lots.c.member_id == accounts.c.member_id,
        lots.c.status == LotStatus.AVAILABLE.value,
        lots.c.expires_at < sa.bindparam("expiring_before"),
        lots.c.remaining_points > lots.c.reserved_points,
    )
    .scalar_subquery()
)
_DEBT_FOR_UPDATE = (
    sa.select(accounts.c.debits_posted, accounts.c.credits_posted)
    .where(accounts.c.id == sa.bindparam("account_id"))
    .with_for_update()
)
_BALANCE = sa.select(
    accounts.c.kind,
    accounts.c.debits_posted,
    accounts.c.credits_posted,
    accounts.c.debits_pending,
    accounts.c.credits_pending,
    _EXPIRING.label("expiring_points"),
).where(accounts.c.member_id == sa.bindparam("member_id"))


def _member(row: Row | None, missing: str) -> Member:
    if row is None:
        raise MemberNotFound(missing)
    return Member(id=row["id"], status=MemberStatus(row["status"]), enrolled_at=row["enrolled_at"])


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

    def get(self, member_id: uuid.UUID) -> Member:
        return _member(self._sql.first(_GET, {"member_id": member_id}), f"no member {member_id}")

    def find_by_digest(self, digest: bytes) -> Member:
        return _member(
            self._sql.first(_BY_DIGEST, {"digest": digest}), "no member has this identifier"
        )

    def with_identifier_kinds(self, member: Member) -> Member:
        rows = self._sql.rows(_KINDS, {"member_id": member.id})
        kinds = tuple(IdentifierKind(row["kind"]) for row in rows)
        return Member(member.id, member.status, member.enrolled_at, kinds)

    def balance(self, member_id: uuid.UUID, expiring_before: datetime) -> MemberBalance:
        rows = self._sql.rows(
            _BALANCE, {"member_id": member_id, "expiring_before": expiring_before}
        )
        by_kind = {AccountKind(row["kind"]): row for row in rows}
        if len(by_kind) != len(member_accounts(member_id)):
            raise MemberNotFound(f"no member {member_id}")
        return MemberBalance(
            member_id=member_id,
            available=_totals(by_kind[AccountKind.MEMBER_AVAILABLE]),
            pending=_totals(by_kind[AccountKind.MEMBER_PENDING]),
            expiring_points=int(rows[0]["expiring_points"]),
            debt=_totals(by_kind[AccountKind.MEMBER_DEBT]),
        )

    def debt_for_update(self, member_id: uuid.UUID) -> int:
        """Points the member owes, with their debt account locked until commit."""
        row = self._sql.first(_DEBT_FOR_UPDATE, {"account_id": member_debt(member_id).id})
        if row is None:
            raise MemberNotFound(f"no member {member_id}")
        return int(row["debits_posted"] - row["credits_posted"])
