"""The fraud checks' reads and writes on the hot path: activity facts, flags, member links.

``activity`` is one statement whose every part reads a bounded number of rows, whatever the
history: the member's velocity and cashier-card counts are sums over the member's minutes in
``fraud_member_minutes`` (the latter over at most ``cashier_card_minutes_max`` of them), the
members at the terminal and the cashier at most
``till_members_max`` rows of ``fraud_till_members`` each (both kept by the write, see
``fraud_counters``); ``ix_transactions_member_id_created_at`` gives the latest earn elsewhere
and the last till (``LIMIT`` 1); the member's history at this partner is one row of
``fraud_member_partners``; ``member_links`` the shared phones and e-mails. A till that sends
no terminal or cashier id binds NULL, which matches nothing and costs one index probe. The
statement stays under psycopg's 4,096 characters, so that it is prepared once per connection
(``tests/integration/test_fraud_counters.py``). The till rates (``fraud_till_rates``: the
terminal's and the cashier's pace, norm and usual basket, at most ``TILL_SHARDS`` rows each,
added up in the database into one row per till) are a second statement sent with it,
answered in the same round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from fraud.facts import (
    NO_RATE,
    ActivityFacts,
    ActivityWindows,
    Attempt,
    Location,
    Sighting,
    TillRate,
)
from fraud.replay import PastOperations
from hub.adapters.repositories import fraud_counters, fraud_replay
from hub.adapters.repositories.fraud_counters import CASHIER, TERMINAL, hour_of, minute_of
from hub.adapters.repositories.keys import for_member
from hub.adapters.repositories.review_rows import FLAG_INSERT, FLAG_RULE_INSERT, flag_rows
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    fraud_member_minutes,
    fraud_member_partners,
    fraud_till_members,
    fraud_till_rates,
    member_links,
    transactions,
)
from hub.adapters.types import UtcDateTime
from hub.domain.flags import Flag
from hub.domain.ledger import TransactionKind
from hub.domain.purchases import PointOfSale
from hub.services import outbox
from hub.services.ports.fraud import LinkKind
from hub.services.ports.outbox import OutboxRepository
from hub.services.ports.reads import Later, MemberKey

# Short aliases keep the activity read under psycopg's 4,096 characters, past which it would
# be parsed again on every call instead of once.
_t = transactions.alias("t").c
_m, _till = fraud_member_minutes.alias("fm").c, fraud_till_members.alias("ftm").c
_MEMBER = _t.member_id == sa.bindparam("member_id")
_EARN = _t.kind == TransactionKind.EARN.value


def _since(column: sa.ColumnElement[datetime], name: str) -> sa.ColumnElement[bool]:
    return column >= sa.bindparam(name, type_=UtcDateTime())


def _sum(column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(column), 0)


def _other_members(kind: str) -> sa.ScalarSelect[int]:
    # At most till_members_max rows of the till's index range, however busy the till.
    seen = (
        sa.select(_till.member_id)
        .where(
            _till.partner_id == sa.bindparam("partner_id"),
            _till.till_kind == kind,
            _till.till_id == sa.bindparam(f"{kind}_id"),
            _since(_till.last_earn_at, "till_since"),
            _till.member_id != sa.bindparam("member_id"),
        )
        .limit(sa.bindparam("till_members_max", type_=sa.Integer()))
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(seen).scalar_subquery()


_MINUTES = (_m.member_id == sa.bindparam("member_id"), _since(_m.minute_start, "velocity_since"))
_velocity = sa.select(
    _sum(_m.earns).label("member_earns"),
    _sum(_m.earned_points).label("member_earned_points"),
    _sum(_m.holds).label("member_holds"),
    _sum(_m.held_points).label("member_held_points"),
).where(*_MINUTES)
# At most cashier_card_minutes_max of the member's minutes in the window, each with an earn.
_cashier_minutes = (
    sa.select(_m.earns)
    .where(
        _m.member_id == sa.bindparam("member_id"),
        _since(_m.minute_start, "cashier_card_since"),
        _m.partner_id == sa.bindparam("partner_id"),
        _m.cashier_id == sa.bindparam("cashier_id"),
        _m.earns > 0,
    )
    .limit(sa.bindparam("cashier_card_minutes_max", type_=sa.Integer()))
    .subquery()
)
_cashier_member_earns = sa.select(_sum(_cashier_minutes.c.earns)).scalar_subquery()
# The latest earn at another partner: the member's index read backwards, stopping at the first.
_elsewhere = (
    sa.select(_t.created_at.label("elsewhere_at"), _t.partner_id.label("elsewhere_partner"))
    .where(
        _MEMBER,
        _EARN,
        _t.partner_id != sa.bindparam("partner_id"),
        _since(_t.created_at, "earn_then_burn_since"),
    )
    .order_by(_t.created_at.desc())
    .limit(1)
    .subquery("elsewhere")
)
_here = fraud_member_partners.alias("fmp")
_HERE = sa.and_(
    _here.c.member_id == sa.bindparam("member_id"), _here.c.partner_id == sa.bindparam("partner_id")
)
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
_velocity_sums = _velocity.subquery("velocity")
_ACTIVITY = sa.select(
    *_velocity_sums.c,
    *_elsewhere.c,
    _here.c.earns.label("history_earns"),
    _here.c.earned_points.label("history_points"),
    *_seen.c,
    _other_members(TERMINAL).label("terminal_members"),
    _other_members(CASHIER).label("cashier_members"),
    _cashier_member_earns.label("cashier_member_earns"),
    _LINKED.label("linked_members"),
).select_from(
    _velocity_sums.outerjoin(_here, _HERE)
    .outerjoin(_elsewhere, sa.true())
    .outerjoin(_seen, sa.true())
)
_r = fraud_till_rates.c


def _at(name: str) -> sa.BindParameter[datetime]:
    return sa.bindparam(name, type_=UtcDateTime())


def _larger(a: sa.ColumnElement[int], b: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    return sa.case((a > b, a), else_=b)


def _last_hour_share(start: sa.ColumnElement[datetime]) -> sa.ColumnElement[int]:
    # Earns of the clock hour this hour began in count for the part of it after the attempt's
    # time less an hour (spread evenly); the current hour's all count; older ones none.
    share = sa.bindparam("last_hour_share_s", type_=sa.Integer())
    return sa.case((start == _at("this_hour"), 3600), (start == _at("last_hour"), share), else_=0)


# A till's shards added up, per kind: at most 2 * TILL_SHARDS rows by primary key, 2 answered.
_recent = _r.hour_earns * _last_hour_share(_r.hour_start) // 3600 + sa.case(
    (
        _r.previous_hour_start != _r.hour_start,
        _r.previous_hour_earns * _last_hour_share(_r.previous_hour_start) // 3600,
    ),
    else_=0,
)
_closed = sa.case((_r.hour_start < _at("this_hour"), _r.hour_earns), else_=0)
_TILL_RATES = (
    sa.select(
        _r.till_kind,
        sa.func.sum(_recent).label("recent_earns"),
        sa.func.sum(_larger(_larger(_r.peak_earns, _r.previous_peak_earns), _closed)).label(
            "usual_earns"
        ),
        sa.func.sum(_r.earns).label("earns"),
        sa.func.sum(_r.earned_points).label("earned_points"),
    )
    .where(
        _r.partner_id == sa.bindparam("partner_id"),
        sa.or_(
            sa.and_(_r.till_kind == TERMINAL, _r.till_id == sa.bindparam("terminal_id")),
            sa.and_(_r.till_kind == CASHIER, _r.till_id == sa.bindparam("cashier_id")),
        ),
    )
    .group_by(_r.till_kind)
)
_HOUR = timedelta(hours=1)
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


def _rate(row: Row | None) -> TillRate:
    if row is None:
        return NO_RATE
    return TillRate(int(row["recent_earns"]), int(row["usual_earns"]))


def _with_tills(facts: ActivityFacts, rows: Sequence[Row]) -> ActivityFacts:
    by_kind = {row["till_kind"]: row for row in rows}
    basket = by_kind.get(TERMINAL) or by_kind.get(CASHIER)
    return replace(
        facts,
        terminal_rate=_rate(by_kind.get(TERMINAL)),
        cashier_rate=_rate(by_kind.get(CASHIER)),
        basket_earns=int(basket["earns"]) if basket else 0,
        basket_points=int(basket["earned_points"]) if basket else 0,
    )


def till_params(partner_id: str, point_of_sale: PointOfSale, at: datetime) -> dict[str, object]:
    """The till rates' parameters for an attempt at ``at``."""
    this_hour = hour_of(at)
    last_hour = this_hour - _HOUR
    return {
        "partner_id": partner_id,
        "terminal_id": point_of_sale.terminal_id or None,
        "cashier_id": point_of_sale.cashier_id or None,
        "this_hour": this_hour,
        "last_hour": last_hour,
        "last_hour_share_s": int((this_hour - (at - _HOUR)).total_seconds()),
    }


def _facts(row: Row) -> ActivityFacts:
    return ActivityFacts(
        member_earns=int(row["member_earns"]),
        member_earned_points=int(row["member_earned_points"]),
        member_holds=int(row["member_holds"]),
        member_held_points=int(row["member_held_points"]),
        last_earn_elsewhere_at=row["elsewhere_at"],
        last_earn_elsewhere_partner=row["elsewhere_partner"] or "",
        history_earns=int(row["history_earns"] or 0),
        history_points=int(row["history_points"] or 0),
        last_sighting=_sighting(row),
        terminal_members=int(row["terminal_members"]),
        cashier_members=int(row["cashier_members"]),
        cashier_member_earns=int(row["cashier_member_earns"]),
        linked_members=int(row["linked_members"]),
    )


class SqlFraudRepository:
    """See ``hub.services.ports.fraud.FraudRepository``."""

    def __init__(self, sql: Sql, outbox: OutboxRepository) -> None:
        self._sql = sql
        self._outbox = outbox

    def activity(self, attempt: Attempt, windows: ActivityWindows) -> ActivityFacts:
        pos = PointOfSale(
            store_id=attempt.store_id,
            terminal_id=attempt.terminal_id,
            cashier_id=attempt.cashier_id,
        )
        return self.activity_later(attempt.member_id, attempt.partner_id, pos, windows)()

    def activity_later(
        self,
        member: MemberKey,
        partner_id: str,
        point_of_sale: PointOfSale,
        windows: ActivityWindows,
    ) -> Later[ActivityFacts]:
        params = {
            "partner_id": partner_id,
            "terminal_id": point_of_sale.terminal_id or None,
            "cashier_id": point_of_sale.cashier_id or None,
            "velocity_since": minute_of(windows.velocity_since),
            "earn_then_burn_since": windows.earn_then_burn_since,
            "till_since": windows.till_since,
            "cashier_card_since": minute_of(windows.cashier_card_since),
            "till_members_max": windows.till_members_max,
            "cashier_card_minutes_max": windows.cashier_card_minutes_max,
        }
        found = self._sql.later(*for_member(_ACTIVITY, member, params))
        tills = self._sql.later(_TILL_RATES, till_params(partner_id, point_of_sale, windows.at))
        # The velocity sums are an aggregate: the statement always answers one row.
        return lambda: _with_tills(_facts(found()[0]), tills())

    def prune_counters(self, before: datetime, batch: int) -> int:
        return fraud_counters.prune(self._sql, before, batch)

    def past_operations(
        self,
        partner_id: str,
        *,
        since: datetime,
        read_since: datetime,
        until: datetime,
        operations_max: int,
        rows_max: int,
    ) -> PastOperations:
        return fraud_replay.past_operations(
            self._sql,
            partner_id,
            since=since,
            read_since=read_since,
            until=until,
            operations_max=operations_max,
            rows_max=rows_max,
        )

    def raised_flags(self, partner_id: str, since: datetime) -> dict[str, int]:
        return fraud_replay.raised_flags(self._sql, partner_id, since)

    def add_flag(self, flag: Flag) -> None:
        flag_row, rule_rows = flag_rows(flag)
        self._sql.defer(FLAG_INSERT, [flag_row])
        self._sql.defer(FLAG_RULE_INSERT, rule_rows)
        self._outbox.add(outbox.flag_raised(flag))  # every flag, whichever check raised it

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
