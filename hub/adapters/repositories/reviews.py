"""What fraud analysts read and change, and the nightly pass's set-based scans.

The row mapping of a flag is ``flag_rows``'s, shared with the hot path; the queue's reads are
``review_queue``'s and the member timeline's ``timeline``'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fraud.facts import DormantBurnFacts, FarmingFacts
from hub.adapters.repositories import review_queue, timeline
from hub.adapters.repositories.review_rows import (
    FLAG_RULE_INSERT,
    account_transaction,
    action_from_row,
    action_row,
    flag_from_row,
    flag_rows,
)
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    accounts,
    fraud_actions,
    fraud_flag_rules,
    fraud_flags,
    member_links,
    members,
    transactions,
)
from hub.adapters.types import UtcDateTime
from hub.domain.accounts import AccountKind
from hub.domain.errors import FlagNotFound, MemberNotFound
from hub.domain.flags import ActionKind, AnalystAction, Flag, FlagStatus
from hub.domain.ledger import TransactionKind
from hub.domain.short_ids import IdKind
from hub.services.ports.reviews import (
    AccountTransaction,
    FlagCursor,
    FlagGroup,
    FlagSelection,
    GroupBy,
    MaskedIdentifier,
    QueuedFlag,
    RuleCounts,
    TimelineCursor,
    TimelineEntry,
)

LINKED_MEMBERS_MAX = 100
"""Linked members an account view lists: a shared number on more is a pattern, not a list."""
DAY_S = 86_400

_f = fraud_flags.c
_t = transactions.c
_GET_FLAG = sa.select(fraud_flags).where(_f.id == sa.bindparam("flag_id"))
_GET_FLAG_FOR_UPDATE = _GET_FLAG.with_for_update()
_SAVE_FLAG = (
    sa.update(fraud_flags)
    .where(_f.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        resolved_at=sa.bindparam("b_resolved_at", type_=UtcDateTime()),
        resolved_by=sa.bindparam("b_resolved_by"),
        note=sa.bindparam("b_note"),
    )
)
# The unique dedupe key decides between two passes racing: the loser inserts nothing (and on
# PostgreSQL waits for the winner to commit) instead of failing.
_NIGHTLY_INSERT = {
    "postgresql": postgresql.insert(fraud_flags).on_conflict_do_nothing(
        index_elements=[_f.dedupe_key]
    ),
    "sqlite": sqlite.insert(fraud_flags).on_conflict_do_nothing(index_elements=[_f.dedupe_key]),
}


# Built once per combination of filters: each statement object is compiled once.
_FLAG_PAGES = {
    (s, m, a): review_queue.flag_page_statement(
        sa.select(fraud_flags), by_status=s, by_member=m, after=a
    )
    for s in (False, True)
    for m in (False, True)
    for a in (False, True)
}
_INSERT_ACTION = fraud_actions.insert()
_ACTIONS = (
    sa.select(fraud_actions)
    .where(fraud_actions.c.member_id == sa.bindparam("member_id"))
    .order_by(fraud_actions.c.at, fraud_actions.c.id)
)
_mine, _theirs = member_links.alias("mine"), member_links.alias("theirs")
_LINKED = (
    sa.select(_theirs.c.member_id)
    .distinct()
    .select_from(_mine.join(_theirs, _theirs.c.digest == _mine.c.digest))
    .where(
        _mine.c.member_id == sa.bindparam("member_id"),
        _theirs.c.member_id != sa.bindparam("member_id"),
    )
    .order_by(_theirs.c.member_id)
    .limit(LINKED_MEMBERS_MAX)
)
_ENROLLED_BY = sa.select(members.c.enrolled_by).where(members.c.id == sa.bindparam("member_id"))
_MEMBER_TRANSACTIONS = (
    sa.select(*timeline.TRANSACTION_COLUMNS)
    .where(_t.member_id == sa.bindparam("member_id"))
    .order_by(_t.created_at.desc(), _t.id.desc())
    .limit(sa.bindparam("limit"))
)

_START = sa.bindparam("start", type_=UtcDateTime())
_END = sa.bindparam("end", type_=UtcDateTime())
_RAISED_IN_WINDOW = (_f.raised_at >= _START, _f.raised_at < _END)
_annulled = (
    sa.select(fraud_actions.c.flag_id, sa.func.sum(fraud_actions.c.points).label("points"))
    .join(fraud_flags, _f.id == fraud_actions.c.flag_id)
    .where(fraud_actions.c.action == ActionKind.ANNUL.value, *_RAISED_IN_WINDOW)
    .group_by(fraud_actions.c.flag_id)
    .subquery("annulled")
)


def _with_status(status: FlagStatus) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((_f.status == status.value, 1), else_=0)), 0)


# A flag's annulled points count for each rule that fired on it: the report answers "what did
# flags of this rule lead to", and a flag of two rules led to both.
_REPORT = (
    sa.select(
        _f.partner_id,
        fraud_flag_rules.c.rule,
        sa.func.count().label("raised"),
        _with_status(FlagStatus.CONFIRMED).label("confirmed"),
        _with_status(FlagStatus.FALSE_POSITIVE).label("false_positives"),
        _with_status(FlagStatus.OPEN).label("open"),
        sa.func.coalesce(sa.func.sum(_annulled.c.points), 0).label("points_annulled"),
    )
    .select_from(
        fraud_flag_rules.join(fraud_flags, _f.id == fraud_flag_rules.c.flag_id).outerjoin(
            _annulled, _annulled.c.flag_id == _f.id
        )
    )
    .where(*_RAISED_IN_WINDOW)
    .group_by(_f.partner_id, fraud_flag_rules.c.rule)
    .order_by(_f.partner_id, fraud_flag_rules.c.rule)
)

_SINCE = sa.bindparam("since", type_=UtcDateTime())
_UNTIL = sa.bindparam("until", type_=UtcDateTime())
# The 24-hour slot of an earn, counted from ``since``: each store's own way to subtract times.
_DAY_SLOT = {
    "postgresql": sa.func.floor(sa.extract("epoch", _t.created_at - _SINCE) / DAY_S),
    "sqlite": (
        sa.cast(sa.func.strftime("%s", _t.created_at), sa.Integer)
        - sa.cast(sa.func.strftime("%s", _SINCE), sa.Integer)
    )
    // DAY_S,
}


def _farming_statement(slot: sa.ColumnElement[int]) -> sa.Select[tuple[object, ...]]:
    earns, active_days = sa.func.count(), sa.func.count(sa.distinct(slot))
    return (
        sa.select(
            _t.member_id,
            _t.partner_id,
            earns.label("earns"),
            active_days.label("active_days"),
            sa.func.sum(_t.points).label("points"),
        )
        .where(
            _t.kind == TransactionKind.EARN.value,
            _t.created_at >= _SINCE,
            _t.created_at < _UNTIL,
            _t.member_id.is_not(None),
        )
        .group_by(_t.member_id, _t.partner_id)
        .having(
            earns >= sa.bindparam("min_earns"),
            active_days >= sa.bindparam("min_active_days"),
        )
        .order_by(_t.partner_id, _t.member_id)
    )


_FARMING = {dialect: _farming_statement(slot) for dialect, slot in _DAY_SLOT.items()}

_BURNED_IN_WINDOW = (
    _t.kind == TransactionKind.HOLD.value,
    _t.created_at >= _START,
    _t.created_at < _END,
)
_burns = (
    sa.select(_t.member_id, _t.partner_id, sa.func.sum(_t.points).label("burned"))
    .where(*_BURNED_IN_WINDOW)
    .group_by(_t.member_id, _t.partner_id)
    .having(sa.func.sum(_t.points) >= sa.bindparam("min_points"))
    .subquery("burns")
)
_day_burns = (
    sa.select(_t.member_id, sa.func.sum(_t.points).label("burned"))
    .where(*_BURNED_IN_WINDOW)
    .group_by(_t.member_id)
    .subquery("day_burns")
)
# What the member did, as opposed to what the hub did to the account (maturation, expiry).
_MEMBER_KINDS = (
    TransactionKind.EARN,
    TransactionKind.HOLD,
    TransactionKind.CAPTURE,
    TransactionKind.VOID,
    TransactionKind.BONUS,
    TransactionKind.REFUND_EARN,
    TransactionKind.REFUND_REDEMPTION,
)


def _member_activity(before: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.and_(
        before.c.member_id == _burns.c.member_id,
        before.c.created_at < _START,
        sa.or_(*(before.c.kind == kind.value for kind in _MEMBER_KINDS)),
    )


_recent, _earlier = transactions.alias("recent"), transactions.alias("earlier")
_available = accounts.alias("available")
_SPENDABLE = (
    sa.select(
        _available.c.credits_posted
        - _available.c.debits_posted
        - (_available.c.debits_pending - _available.c.credits_pending)
    )
    .where(
        _available.c.member_id == _burns.c.member_id,
        _available.c.kind == AccountKind.MEMBER_AVAILABLE.value,
    )
    .scalar_subquery()
)
_DORMANT_BURNS = (
    sa.select(
        _burns.c.member_id,
        _burns.c.partner_id,
        _burns.c.burned,
        _day_burns.c.burned.label("day_burned"),
        _SPENDABLE.label("spendable"),
        sa.select(sa.func.max(_earlier.c.created_at))
        .where(_member_activity(_earlier))
        .scalar_subquery()
        .label("last_active_at"),
        members.c.enrolled_at,
    )
    .select_from(
        _burns.join(_day_burns, _day_burns.c.member_id == _burns.c.member_id).join(
            members, members.c.id == _burns.c.member_id
        )
    )
    .where(
        ~sa.exists().where(
            _member_activity(_recent),
            _recent.c.created_at >= sa.bindparam("idle_since", type_=UtcDateTime()),
        )
    )
    .order_by(_burns.c.partner_id, _burns.c.member_id)
)


def _dormant_burn(row: Row, start: datetime) -> DormantBurnFacts:
    last_active_at = row["last_active_at"] or row["enrolled_at"]
    return DormantBurnFacts(
        member_id=row["member_id"],
        partner_id=row["partner_id"],
        burned_points=int(row["burned"]),
        balance_before_points=int(row["day_burned"]) + max(0, int(row["spendable"] or 0)),
        idle_days=max(0, (start - last_active_at) // timedelta(days=1)),
    )


class SqlReviewRepository:
    """See ``hub.services.ports.reviews.ReviewRepository``."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def flag(self, flag_id: uuid.UUID, *, for_update: bool = False) -> Flag:
        row = self._sql.first(
            _GET_FLAG_FOR_UPDATE if for_update else _GET_FLAG, {"flag_id": flag_id}
        )
        if row is None:
            raise FlagNotFound(f"no flag {flag_id}", field="flag_id")
        return flag_from_row(row)

    def save_flag(self, flag: Flag) -> None:
        row = {
            "b_id": flag.id,
            "b_status": flag.status.value,
            "b_resolved_at": flag.resolved_at,
            "b_resolved_by": flag.resolved_by or None,
            "b_note": flag.note or None,
        }
        self._sql.defer(_SAVE_FLAG, [row])

    def add_nightly_flag(self, flag: Flag) -> bool:
        flag_row, rule_rows = flag_rows(flag)
        if not self._sql.execute(_NIGHTLY_INSERT[self._sql.dialect], flag_row):
            return False
        self._sql.defer(FLAG_RULE_INSERT, rule_rows)
        return True

    def flags(
        self,
        status: FlagStatus | None,
        member_id: uuid.UUID | None,
        after: FlagCursor | None,
        limit: int,
    ) -> Sequence[Flag]:
        statement = _FLAG_PAGES[(status is not None, member_id is not None, after is not None)]
        params: dict[str, object] = {"limit": limit}
        if status is not None:
            params["status"] = status.value
        if member_id is not None:
            params["member_id"] = member_id
        if after is not None:
            params |= {
                "cursor_score": after.score,
                "cursor_at": after.raised_at,
                "cursor_id": after.flag_id,
            }
        return [flag_from_row(row) for row in self._sql.rows(statement, params)]

    def queue(
        self,
        status: FlagStatus | None,
        member_id: uuid.UUID | None,
        after: FlagCursor | None,
        limit: int,
    ) -> Sequence[QueuedFlag]:
        return review_queue.queue(self._sql, status, member_id, after, limit)

    def expiring(
        self, member_id: uuid.UUID | None, now: datetime, until: datetime, limit: int
    ) -> Sequence[QueuedFlag]:
        return review_queue.expiring(self._sql, member_id, now, until, limit)

    def queued(self, flag_id: uuid.UUID) -> QueuedFlag:
        return review_queue.queued(self._sql, flag_id)

    def masked_identifiers(
        self, member_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[MaskedIdentifier, ...]]:
        return review_queue.masked_identifiers(self._sql, member_ids)

    def flag_groups(self, by: GroupBy, limit: int) -> Sequence[FlagGroup]:
        return review_queue.flag_groups(self._sql, by, limit)

    def open_flags_for_update(self, selection: FlagSelection, limit: int) -> Sequence[Flag]:
        rows = review_queue.open_flags_for_update(self._sql, selection, limit)
        return [flag_from_row(row) for row in rows]

    def ids_with_prefix(
        self, kind: IdKind, low: uuid.UUID, high: uuid.UUID, limit: int
    ) -> Sequence[uuid.UUID]:
        return review_queue.ids_with_prefix(self._sql, kind, low, high, limit)

    def timeline(
        self, member_id: uuid.UUID, after: TimelineCursor | None, limit: int
    ) -> Sequence[TimelineEntry]:
        return timeline.timeline(self._sql, member_id, after, limit)

    def add_action(self, action: AnalystAction) -> None:
        self._sql.defer(_INSERT_ACTION, [action_row(action)])

    def actions(self, member_id: uuid.UUID) -> Sequence[AnalystAction]:
        return [action_from_row(r) for r in self._sql.rows(_ACTIONS, {"member_id": member_id})]

    def linked_members(self, member_id: uuid.UUID) -> Sequence[uuid.UUID]:
        return [row["member_id"] for row in self._sql.rows(_LINKED, {"member_id": member_id})]

    def enrolled_by(self, member_id: uuid.UUID) -> str:
        """The partner that enrolled the member, or ``MemberNotFound``."""
        row = self._sql.first(_ENROLLED_BY, {"member_id": member_id})
        if row is None:
            raise MemberNotFound(f"no member {member_id}", field="member_id")
        return str(row["enrolled_by"])

    def transactions(self, member_id: uuid.UUID, limit: int) -> Sequence[AccountTransaction]:
        rows = self._sql.rows(_MEMBER_TRANSACTIONS, {"member_id": member_id, "limit": limit})
        return [account_transaction(row) for row in rows]

    def report(self, start: datetime, end: datetime) -> Sequence[RuleCounts]:
        return [
            RuleCounts(
                partner_id=row["partner_id"],
                rule=row["rule"],
                raised=int(row["raised"]),
                confirmed=int(row["confirmed"]),
                false_positives=int(row["false_positives"]),
                open=int(row["open"]),
                points_annulled=int(row["points_annulled"]),
            )
            for row in self._sql.rows(_REPORT, {"start": start, "end": end})
        ]

    def farming(
        self, since: datetime, until: datetime, min_active_days: int, min_earns: int
    ) -> Sequence[FarmingFacts]:
        params = {
            "since": since,
            "until": until,
            "min_active_days": min_active_days,
            "min_earns": min_earns,
        }
        return [
            FarmingFacts(
                member_id=row["member_id"],
                partner_id=row["partner_id"],
                earns=int(row["earns"]),
                active_days=int(row["active_days"]),
                points=int(row["points"]),
            )
            for row in self._sql.rows(_FARMING[self._sql.dialect], params)
        ]

    def dormant_burns(
        self, start: datetime, end: datetime, idle_since: datetime, min_points: int
    ) -> Sequence[DormantBurnFacts]:
        params = {"start": start, "end": end, "idle_since": idle_since, "min_points": min_points}
        return [_dormant_burn(row, start) for row in self._sql.rows(_DORMANT_BURNS, params)]
