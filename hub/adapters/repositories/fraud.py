"""The fraud checks' reads and writes on the hot path: activity facts, flags, member links.

``activity`` is one statement whose parts are each an index range scan bounded by a window
(or by ``HISTORY_EARNS_MAX`` rows, or one row): ``ix_transactions_member_id_created_at`` for
the member's recent transactions, history and last till, ``ix_transactions_terminal`` /
``ix_transactions_cashier`` for the till's, ``member_links`` for shared phones and e-mails.
A till that sends no terminal or cashier id binds NULL, which matches nothing and costs one
index probe.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa

from fraud.facts import (
    HISTORY_EARNS_MAX,
    ActivityFacts,
    ActivityWindows,
    Attempt,
    Location,
    Sighting,
)
from hub.adapters.repositories.reviews import FLAG_INSERT, FLAG_RULE_INSERT, flag_rows
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import member_links, transactions
from hub.adapters.types import UtcDateTime
from hub.domain.flags import Flag
from hub.domain.ledger import TransactionKind
from hub.services.unit_of_work import LinkKind

_t = transactions.c
_MEMBER = _t.member_id == sa.bindparam("member_id")
_EARN = _t.kind == TransactionKind.EARN.value
_HOLD = _t.kind == TransactionKind.HOLD.value


def _since(name: str) -> sa.ColumnElement[bool]:
    return _t.created_at >= sa.bindparam(name, type_=UtcDateTime())


def _total(value: sa.ColumnElement[int], *when: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*when), value), else_=0)), 0)


def _other_members(till: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count(sa.distinct(_t.member_id)))
        .where(
            _t.partner_id == sa.bindparam("partner_id"),
            till,
            _EARN,
            _since("till_since"),
            _t.member_id != sa.bindparam("member_id"),
        )
        .scalar_subquery()
    )


_ELSEWHERE = (_EARN, _t.partner_id != sa.bindparam("partner_id"), _since("earn_then_burn_since"))
_VELOCITY = _since("velocity_since")
# One range scan of the member's latest transactions (since the earlier of the velocity and
# earn-then-burn windows) gives the velocity counts and the latest earn elsewhere.
_recent = (
    sa.select(
        _total(sa.literal(1), _EARN, _VELOCITY).label("member_earns"),
        _total(_t.points, _EARN, _VELOCITY).label("member_earned_points"),
        _total(sa.literal(1), _HOLD, _VELOCITY).label("member_holds"),
        _total(_t.points, _HOLD, _VELOCITY).label("member_held_points"),
        sa.type_coerce(
            sa.func.max(sa.case((sa.and_(*_ELSEWHERE), _t.created_at))), UtcDateTime()
        ).label("elsewhere_at"),
    )
    .where(_MEMBER, _since("recent_since"))
    .subquery("recent")
)
_elsewhere_partner = (
    sa.select(_t.partner_id)
    .where(_MEMBER, *_ELSEWHERE)
    .order_by(_t.created_at.desc())
    .limit(1)
    .scalar_subquery()
)
_history_rows = (
    sa.select(_t.points)
    .where(_MEMBER, _EARN)
    .order_by(_t.created_at.desc())
    .limit(HISTORY_EARNS_MAX)
    .subquery("history_rows")
)
_history = sa.select(
    sa.func.count().label("history_earns"),
    sa.func.coalesce(sa.func.sum(_history_rows.c.points), 0).label("history_points"),
).subquery("history")
_seen = (
    sa.select(
        _t.created_at.label("seen_at"),
        _t.latitude.label("seen_latitude"),
        _t.longitude.label("seen_longitude"),
        _t.partner_id.label("seen_partner"),
        _t.store_id.label("seen_store"),
    )
    .where(_MEMBER, _t.latitude.is_not(None))
    .order_by(_t.created_at.desc())
    .limit(1)
    .subquery("seen")
)
_mine, _theirs = member_links.alias("mine"), member_links.alias("theirs")
_LINKED = (
    sa.select(sa.func.count(sa.distinct(_theirs.c.member_id)))
    .select_from(_mine.join(_theirs, _theirs.c.digest == _mine.c.digest))
    .where(
        _mine.c.member_id == sa.bindparam("member_id"),
        _theirs.c.member_id != sa.bindparam("member_id"),
    )
    .scalar_subquery()
)
_ACTIVITY = sa.select(
    *_recent.c,
    _elsewhere_partner.label("elsewhere_partner"),
    *_history.c,
    *_seen.c,
    _other_members(_t.terminal_id == sa.bindparam("terminal_id")).label("terminal_members"),
    _other_members(_t.cashier_id == sa.bindparam("cashier_id")).label("cashier_members"),
    sa.select(sa.func.count())
    .where(
        _t.partner_id == sa.bindparam("partner_id"),
        _t.cashier_id == sa.bindparam("cashier_id"),
        _MEMBER,
        _EARN,
        _since("cashier_card_since"),
    )
    .scalar_subquery()
    .label("cashier_member_earns"),
    _LINKED.label("linked_members"),
).select_from(_recent.join(_history, sa.true()).outerjoin(_seen, sa.true()))
_INSERT_LINK = member_links.insert()
_DELETE_LINKS_OF_KINDS = (
    sa.delete(member_links)
    .where(member_links.c.member_id == sa.bindparam("b_member"))
    .where(
        sa.or_(
            member_links.c.kind == sa.bindparam("b_kind_0"),
            member_links.c.kind == sa.bindparam("b_kind_1"),
            member_links.c.kind == sa.bindparam("b_kind_2"),
        )
    )
)


def _sighting(row: Row) -> Sighting | None:
    if row["seen_at"] is None:
        return None
    return Sighting(
        at=row["seen_at"],
        location=Location(Decimal(row["seen_latitude"]), Decimal(row["seen_longitude"])),
        partner_id=row["seen_partner"],
        store_id=row["seen_store"] or "",
    )


def _facts(row: Row) -> ActivityFacts:
    return ActivityFacts(
        member_earns=int(row["member_earns"]),
        member_earned_points=int(row["member_earned_points"]),
        member_holds=int(row["member_holds"]),
        member_held_points=int(row["member_held_points"]),
        last_earn_elsewhere_at=row["elsewhere_at"],
        last_earn_elsewhere_partner=row["elsewhere_partner"] or "",
        history_earns=int(row["history_earns"]),
        history_points=int(row["history_points"]),
        last_sighting=_sighting(row),
        terminal_members=int(row["terminal_members"]),
        cashier_members=int(row["cashier_members"]),
        cashier_member_earns=int(row["cashier_member_earns"]),
        linked_members=int(row["linked_members"]),
    )


class SqlFraudRepository:
    """See ``hub.services.unit_of_work.FraudRepository``."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def activity(self, attempt: Attempt, windows: ActivityWindows) -> ActivityFacts:
        row = self._sql.first(
            _ACTIVITY,
            {
                "member_id": attempt.member_id,
                "partner_id": attempt.partner_id,
                "terminal_id": attempt.terminal_id or None,
                "cashier_id": attempt.cashier_id or None,
                "recent_since": min(windows.velocity_since, windows.earn_then_burn_since),
                "velocity_since": windows.velocity_since,
                "earn_then_burn_since": windows.earn_then_burn_since,
                "till_since": windows.till_since,
                "cashier_card_since": windows.cashier_card_since,
            },
        )
        if row is None:  # a SELECT without FROM always answers one row
            raise RuntimeError("the activity read returned no row")
        return _facts(row)

    def add_flag(self, flag: Flag) -> None:
        flag_row, rule_rows = flag_rows(flag)
        self._sql.defer(FLAG_INSERT, [flag_row])
        self._sql.defer(FLAG_RULE_INSERT, rule_rows)

    def set_links(
        self,
        member_id: uuid.UUID,
        links: Sequence[tuple[LinkKind, bytes]],
        *,
        replacing: Sequence[LinkKind] = (),
    ) -> None:
        if replacing:
            # Three fixed names: one statement whatever the kinds (a kind may repeat).
            padded = [*replacing, *[replacing[0]] * (len(LinkKind) - len(replacing))]
            params = {f"b_kind_{i}": kind.value for i, kind in enumerate(padded)}
            self._sql.defer(_DELETE_LINKS_OF_KINDS, [{"b_member": member_id, **params}])
        rows = [
            {"digest": digest, "member_id": member_id, "kind": kind.value}
            for kind, digest in dict.fromkeys(links)
        ]
        self._sql.defer(_INSERT_LINK, rows)
