"""What fraud analysts read and change, and the nightly pass's set-based scans.

The row mapping of a flag lives here and is shared with the hot path
(``hub.adapters.repositories.fraud``), which inserts flags with the same statements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fraud.facts import DormantBurnFacts, FarmingFacts, Location, Operation
from fraud.verdicts import Decision, RuleCode, Verdict
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
from hub.domain.currencies import currency
from hub.domain.errors import FlagNotFound, MemberNotFound
from hub.domain.flags import ActionKind, AnalystAction, Flag, FlagStatus
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.domain.purchases import Channel, PointOfSale
from hub.services.ports.reviews import AccountTransaction, FlagCursor, RuleCounts

FLAG_INSERT = fraud_flags.insert()
"""Insert one flag row (``flag_rows(flag)[0]``)."""
FLAG_RULE_INSERT = fraud_flag_rules.insert()
"""Insert the flag's per-rule rows (``flag_rows(flag)[1]``)."""


def verdicts_json(verdicts: tuple[Verdict, ...]) -> str:
    return json.dumps(
        [
            {
                "rule": v.rule.value,
                "decision": v.decision.value,
                "score": v.score,
                "detail": v.detail,
            }
            for v in verdicts
        ]
    )


def verdicts_from_json(text: str) -> tuple[Verdict, ...]:
    return tuple(
        Verdict(RuleCode(v["rule"]), Decision(v["decision"]), int(v["score"]), v["detail"])
        for v in json.loads(text)
    )


def flag_rows(flag: Flag) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The flag's ``fraud_flags`` row and its ``fraud_flag_rules`` rows (one per rule; a rule
    that fired twice keeps its highest score, the table's key being flag and rule)."""
    row: dict[str, object] = {
        "id": flag.id,
        "raised_at": flag.raised_at,
        "partner_id": flag.partner_id,
        "member_id": flag.member_id,
        "operation": flag.operation.value,
        "decision": flag.decision.value,
        "score": flag.score,
        "verdicts": verdicts_json(flag.verdicts),
        "points": flag.points,
        "order_id": flag.order_id or None,
        "transaction_id": flag.transaction_id,
        "hold_id": flag.hold_id,
        "status": flag.status.value,
        "resolved_at": flag.resolved_at,
        "resolved_by": flag.resolved_by or None,
        "note": flag.note or None,
        "dedupe_key": flag.dedupe_key,
    }
    scores: dict[str, int] = {}
    for verdict in flag.verdicts:
        scores[verdict.rule.value] = max(verdict.score, scores.get(verdict.rule.value, 0))
    rules = [{"flag_id": flag.id, "rule": rule, "score": score} for rule, score in scores.items()]
    return row, rules


def flag_from_row(row: Row) -> Flag:
    return Flag(
        id=row["id"],
        raised_at=row["raised_at"],
        partner_id=row["partner_id"],
        member_id=row["member_id"],
        operation=Operation(row["operation"]),
        decision=Decision(row["decision"]),
        score=row["score"],
        verdicts=verdicts_from_json(row["verdicts"]),
        points=row["points"],
        order_id=row["order_id"] or "",
        transaction_id=row["transaction_id"],
        hold_id=row["hold_id"],
        status=FlagStatus(row["status"]),
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"] or "",
        note=row["note"] or "",
        dedupe_key=row["dedupe_key"],
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


def _flags_statement(*, by_status: bool, by_member: bool, after: bool) -> sa.Select[tuple[object]]:
    statement = sa.select(fraud_flags)
    if by_status:
        statement = statement.where(_f.status == sa.bindparam("status"))
    if by_member:
        statement = statement.where(_f.member_id == sa.bindparam("member_id"))
    if after:
        score = sa.bindparam("cursor_score", type_=sa.Integer())
        at = sa.bindparam("cursor_at", type_=UtcDateTime())
        flag_id = sa.bindparam("cursor_id", type_=sa.Uuid())
        statement = statement.where(
            sa.or_(
                _f.score < score,
                sa.and_(
                    _f.score == score,
                    sa.or_(_f.raised_at > at, sa.and_(_f.raised_at == at, _f.id > flag_id)),
                ),
            )
        )
    return statement.order_by(_f.score.desc(), _f.raised_at, _f.id).limit(sa.bindparam("limit"))


# Built once per combination of filters: each statement object is compiled once.
_FLAG_PAGES = {
    (s, m, a): _flags_statement(by_status=s, by_member=m, after=a)
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
    sa.select(
        _t.id,
        _t.kind,
        _t.created_at,
        _t.partner_id,
        _t.points,
        _t.order_id,
        _t.purchase_amount_minor,
        _t.purchase_currency,
        _t.channel,
        _t.store_id,
        _t.terminal_id,
        _t.cashier_id,
        _t.latitude,
        _t.longitude,
        _t.related_id,
    )
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


def _action_row(action: AnalystAction) -> dict[str, object]:
    return {
        "id": action.id,
        "at": action.at,
        "actor": action.actor,
        "action": action.action.value,
        "member_id": action.member_id,
        "reason": action.reason,
        "flag_id": action.flag_id,
        "hold_id": action.hold_id,
        "transaction_id": action.transaction_id,
        "points": action.points,
    }


def _action_from_row(row: Row) -> AnalystAction:
    return AnalystAction(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=ActionKind(row["action"]),
        member_id=row["member_id"],
        reason=row["reason"],
        flag_id=row["flag_id"],
        hold_id=row["hold_id"],
        transaction_id=row["transaction_id"],
        points=row["points"],
    )


def _point_of_sale(row: Row) -> PointOfSale | None:
    if row["channel"] is None:
        return None
    location = None
    if row["latitude"] is not None and row["longitude"] is not None:
        location = Location(row["latitude"], row["longitude"])
    return PointOfSale(
        Channel(row["channel"]),
        row["store_id"] or "",
        row["terminal_id"] or "",
        row["cashier_id"] or "",
        location,
    )


def _account_transaction(row: Row) -> AccountTransaction:
    purchase = None
    if row["purchase_amount_minor"] is not None:
        purchase = Money(row["purchase_amount_minor"], currency(row["purchase_currency"]))
    return AccountTransaction(
        id=row["id"],
        kind=TransactionKind(row["kind"]),
        created_at=row["created_at"],
        partner_id=row["partner_id"],
        points=row["points"],
        order_id=row["order_id"],
        purchase=purchase,
        point_of_sale=_point_of_sale(row),
        related_id=row["related_id"],
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

    def add_action(self, action: AnalystAction) -> None:
        self._sql.defer(_INSERT_ACTION, [_action_row(action)])

    def actions(self, member_id: uuid.UUID) -> Sequence[AnalystAction]:
        return [_action_from_row(r) for r in self._sql.rows(_ACTIONS, {"member_id": member_id})]

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
        return [_account_transaction(row) for row in rows]

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
