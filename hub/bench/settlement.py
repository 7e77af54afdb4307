"""``hub bench --settlement``: a night's settlement against one raw ``GROUP BY`` over the same
ledger entries, measured in the same run on the same data.

The bench writes one synthetic business day (2026-11-20, UTC, cutoff 00:00) into an empty
database with set-based SQL: earns (some of them campaign-funded), holds and their captures
(each consuming lots of two issuers, so the inter-partner matrix is full), expiries, and
refunds of earns and of captures, with their entries, lots, lot movements and holds, as the
hub itself posts them. Only the members' accounts are written from Python, once per member:
their ids are UUIDv5 of codes, which SQL cannot derive. Generation is not part of the figures.

Then it times, best of ``RUNS``: ``SELECT account_id, sum(amount_points) FROM entries GROUP
BY account_id`` with every row fetched, and ``settlement_api().run`` for the day (the run rows
are deleted between repetitions, since a run locks its day). Target: settlement at most
``TARGET_RATIO`` times the ``GROUP BY``, with the process's peak memory flat.
"""

# ruff: noqa: S608 -- the SQL here is assembled from this module's constants and dialect
# fragments, never from input; every value travels as a bind parameter.

from __future__ import annotations

import os
import resource
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from hub import bootstrap
from hub.adapters import tables
from hub.adapters.migrate import upgrade
from hub.adapters.types import UtcDateTime
from hub.cli.common import print_table
from hub.config import ConfigError, Settings
from hub.domain.accounts import (
    COALITION_BREAKAGE,
    COALITION_CAMPAIGNS,
    AccountKind,
    member_accounts,
    member_available,
    partner_issued,
    partner_redeemed,
)
from hub.domain.clock import ManualClock
from hub.domain.invariants import require
from hub.domain.rates import Rates
from hub.services.commands import AddPartner, Attribution, RunSettlement, SetRate

BUSINESS_DATE = date(2026, 11, 20)
DAY_START = datetime(2026, 11, 20, tzinfo=UTC)
SETTLE_AT = DAY_START + timedelta(days=1, minutes=10)
"""After the day's end (00:00) and the default grace for operations in flight (300 s)."""
RUN_BY = Attribution("cli:bench", "hub bench --settlement")
ENTRIES_DEFAULT = 10_000_000
ENTRIES_MIN = 1_000
"""Fewer entries could leave a kind of transaction with none at all."""
RUNS = 3
"""Each measurement is the best of this many runs."""
TARGET_RATIO = 2.0
"""From issue 16 (issue 6 asked for three): settlement takes at most twice the raw GROUP BY."""
BATCH_ROWS = 500_000
"""Transactions (or members) one generating statement writes: progress is printed per batch."""
ACCOUNT_BATCH_ROWS = 10_000
DIGITS = 6
"""Timings are kept to the microsecond: a GROUP BY over a tiny test day takes under 1 ms."""
FETCH_ROWS = 10_000
"""Rows of the GROUP BY turned into Python rows at a time: every row is fetched, but they are
not all held as Python objects at once."""

# -- the synthetic day -------------------------------------------------------------------------

MEMBERS_PER_ENTRY = 100
"""One member per this many entries: 100,000 members at 10 M entries."""
REDEMPTION_SHARE = 15
"""One redemption (hold + capture: 6 entries) per this many entries: 40 % of the entries."""
EXPIRY_SHARE = 60
EARN_REFUND_SHARE = 120
REDEMPTION_REFUND_SHARE = 120
COALITION_FUNDED_SHARE = 9
"""About one earn in four (of the entries left for earns) is partly campaign-funded."""
COALITION_FUNDED_DIVISOR = 4
"""A campaign-funded earn's coalition share: its points divided by this."""
POINTS_MIN, POINTS_SPREAD, POINTS_STEP = 20, 480, 7919
"""An earn's points: ``POINTS_MIN + (k * POINTS_STEP) % POINTS_SPREAD``, spread over 20..499."""
FIRST_LOT_DIVISOR, SECOND_LOT_DIVISOR = 2, 3
"""A capture takes half of one lot and a third of the other."""
EARNS_SPAN_S = 18 * 3600
"""Earns from 00:00 to 18:00; each hold comes after the two earns whose lots it takes."""
HOLD_AFTER_EARN_S = 1800
CAPTURE_AFTER_HOLD_S = 30
HOLD_TTL_S = 900
LOTS_EXPIRE_S = 22 * 3600
"""Lots meant to expire expire at 22:00 on the day; the expiries follow until 22:50."""
EXPIRIES_SPAN_S = 3000
EARN_REFUNDS_FROM_S, REDEMPTION_REFUNDS_FROM_S, REFUNDS_SPAN_S = 23 * 3600, 23 * 3600 + 1800, 1500
PURCHASE_MINOR_PER_POINT = 100
"""Every bench partner earns one point per major unit of its currency."""


@dataclass(frozen=True)
class BenchPartner:
    partner_id: str
    currency: str
    issue_price: str
    redemption_price: str


PARTNERS = (
    BenchPartner("bench-grocer", "EUR", "0.0100", "0.0080"),
    BenchPartner("bench-fuel", "EUR", "0.0120", "0.0095"),
    BenchPartner("bench-air", "USD", "0.0090", "0.0070"),
    BenchPartner("bench-books", "RUB", "0.0105", "0.0088"),
)
RATE_CHANGE_S = 12 * 3600
"""The first partner's prices change at noon: the day has two issue and redemption prices."""
CHANGED_PRICES = ("0.0110", "0.0085")
EARN_RATE, BURN_VALUE = Decimal(1), Decimal("0.01")

# Ids are the kind's prefix and the row's index, so every reference is computed, not looked up.
_MEMBER, _EARN, _LOT, _HOLD, _CAPTURE = "b0000001", "b0000002", "b0000003", "b0000004", "b0000005"
_HOLD_ROW, _EXPIRY, _EARN_REFUND, _REDEMPTION_REFUND = (
    "b0000006",
    "b0000007",
    "b0000008",
    "b0000009",
)


def member_id(index: int) -> uuid.UUID:
    """The bench member ``index``, as the generating SQL names it."""
    return uuid.UUID(f"{_MEMBER}{index:024x}")


@dataclass(frozen=True)
class Plan:
    """How many of each kind of row make a day of (exactly) ``entries`` ledger entries.

    Earns ``[0, 2 * redemptions)`` are consumed in pairs by the redemptions, the next
    ``expiries`` expire, the next ``earn_refunds`` are refunded by half, the rest stay whole;
    the first ``coalition_funded`` earns are partly campaign-funded (3 entries instead of 2)."""

    members: int
    earns: int
    coalition_funded: int
    redemptions: int
    expiries: int
    earn_refunds: int
    redemption_refunds: int

    @property
    def entries(self) -> int:
        twos = self.earns + self.expiries + self.earn_refunds + self.redemption_refunds
        return 2 * twos + self.coalition_funded + 6 * self.redemptions

    @property
    def transactions(self) -> int:
        refunds = self.earn_refunds + self.redemption_refunds
        return self.earns + 2 * self.redemptions + self.expiries + refunds

    def params(self) -> dict[str, int]:
        """The bind parameters every generating statement may use."""
        expired_from = 2 * self.redemptions
        return {
            "partners": len(PARTNERS),
            "members": self.members,
            "earns": self.earns,
            "coalition_earns": self.coalition_funded,
            "redemptions": self.redemptions,
            "redemption_refunds": self.redemption_refunds,
            "expired_from": expired_from,
            "refunded_from": expired_from + self.expiries,
            "refunded_until": expired_from + self.expiries + self.earn_refunds,
            "expiries": self.expiries,
            "earn_refunds": self.earn_refunds,
        }


def plan_for(entries: int) -> Plan:
    """The day's rows for ``entries`` ledger entries (at least ``ENTRIES_MIN``)."""
    if entries < ENTRIES_MIN:
        raise ValueError(f"a bench day has at least {ENTRIES_MIN} entries; got {entries}")
    redemptions = entries // REDEMPTION_SHARE
    expiries, earn_refunds = entries // EXPIRY_SHARE, entries // EARN_REFUND_SHARE
    redemption_refunds = entries // REDEMPTION_REFUND_SHARE
    others = 6 * redemptions + 2 * (expiries + earn_refunds + redemption_refunds)
    left = entries - others
    # Earns fill the rest exactly: 2 entries each, plus 1 per campaign-funded one, whose
    # count takes the parity of what is left.
    coalition_funded = left // COALITION_FUNDED_SHARE
    coalition_funded += (left - coalition_funded) % 2
    plan = Plan(
        members=max(1, entries // MEMBERS_PER_ENTRY),
        earns=(left - coalition_funded) // 2,
        coalition_funded=coalition_funded,
        redemptions=redemptions,
        expiries=expiries,
        earn_refunds=earn_refunds,
        redemption_refunds=redemption_refunds,
    )
    _check_plan(plan, entries)
    return plan


def _check_plan(plan: Plan, entries: int) -> None:
    consumed = 2 * plan.redemptions + plan.expiries + plan.earn_refunds
    require(plan.entries == entries, f"{plan} does not make {entries} entries")
    require(plan.earns >= consumed, f"{plan} consumes more lots than it earns")
    # Refunded earns are partner-funded only: campaign-funded ones are among the redeemed.
    require(plan.coalition_funded <= 2 * plan.redemptions, f"{plan} funds too many by campaign")


# -- the SQL that differs between PostgreSQL and SQLite ----------------------------------------


class _Dialect(Protocol):
    def series(self) -> str:
        """A FROM item ``s`` with one column ``k`` counting from ``:lo`` to ``:hi - 1``."""
        ...

    def uid(self, prefix: str, index: str) -> str:
        """The UUID of ``prefix`` (8 hex digits) and the integer ``index``."""
        ...

    def at(self, second: str) -> str:
        """The instant ``second`` (an integer expression) seconds after ``:day_start``."""
        ...


class _Postgres:
    def series(self) -> str:
        return "generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint) - 1) AS s(k)"

    def uid(self, prefix: str, index: str) -> str:
        return f"CAST('{prefix}' || lpad(to_hex({index}), 24, '0') AS uuid)"

    def at(self, second: str) -> str:
        return f"(:day_start + ({second}) * INTERVAL '1 second')"


class _Sqlite:
    def series(self) -> str:
        return (
            "(WITH RECURSIVE n(k) AS (SELECT :lo UNION ALL SELECT k + 1 FROM n WHERE k + 1 < :hi)"
            " SELECT k FROM n) AS s"
        )

    def uid(self, prefix: str, index: str) -> str:
        # SQLAlchemy keeps UUIDs on SQLite as 32 hex digits.
        return f"('{prefix}' || printf('%024x', {index}))"

    def at(self, second: str) -> str:
        # The text SQLAlchemy writes for a UTC datetime on SQLite.
        return f"(strftime('%Y-%m-%d %H:%M:%S', :day_start, ({second}) || ' seconds') || '.000000')"


def _points(k: str) -> str:
    return f"({POINTS_MIN} + (({k}) * {POINTS_STEP}) % {POINTS_SPREAD})"


def _earn_rows() -> str:
    """Earn ``k``: its partner, member, points, second of the day and coalition share. Earns
    ``2h`` and ``2h + 1`` share a member and have different partners (redemption ``h``)."""
    return f"""(SELECT f.*, CASE WHEN f.k < :coalition_earns
        THEN f.points / {COALITION_FUNDED_DIVISOR} ELSE 0 END AS coalition
      FROM (SELECT k, (k / 2 + k % 2) % :partners AS partner, (k / 2) % :members AS member,
          {_points("k")} AS points, k * {EARNS_SPAN_S} / :earns AS second
        FROM {{series}}) AS f) AS e"""


def _redemption_rows() -> str:
    """Redemption ``k`` at a partner that varies, from the lots of earns ``2k`` and ``2k + 1``;
    holds spread over the day like the earns, each after both of its earns."""
    first = f"{_points('2 * k')} / {FIRST_LOT_DIVISOR}"
    second = f"{_points('2 * k + 1')} / {SECOND_LOT_DIVISOR}"
    return f"""(SELECT f.*, f.first_points + f.second_points AS points
      FROM (SELECT k, k % :members AS member, (k + k / :partners) % :partners AS partner,
          {first} AS first_points, {second} AS second_points,
          (2 * k + 1) * {EARNS_SPAN_S} / (2 * :redemptions) + {HOLD_AFTER_EARN_S} AS second
        FROM {{series}}) AS f) AS h"""


def _expiry_rows() -> str:
    lot = ":expired_from + k"
    return f"""(SELECT k, {lot} AS lot, (({lot}) / 2) % :members AS member,
        {_points(lot)} AS points, {LOTS_EXPIRE_S} + k * {EXPIRIES_SPAN_S} / :expiries AS second
      FROM {{series}}) AS x"""


def _earn_refund_rows() -> str:
    earn = ":refunded_from + k"
    return f"""(SELECT k, {earn} AS earn, (({earn}) / 2 + ({earn}) % 2) % :partners AS partner,
        (({earn}) / 2) % :members AS member, {_points(earn)} / 2 AS points,
        {EARN_REFUNDS_FROM_S} + k * {REFUNDS_SPAN_S} / :earn_refunds AS second
      FROM {{series}}) AS r"""


def _redemption_refund_rows() -> str:
    """A refund of the points capture ``k`` took from its first lot, given back to it."""
    return f"""(SELECT k, k % :members AS member, (k + k / :partners) % :partners AS partner,
        {_points("2 * k")} / {FIRST_LOT_DIVISOR} AS points,
        {REDEMPTION_REFUNDS_FROM_S} + k * {REFUNDS_SPAN_S} / :redemption_refunds AS second
      FROM {{series}}) AS g"""


_RATES = """JOIN bench_partners p ON p.partner_index = {row}.partner
  JOIN bench_rates br ON br.partner_index = {row}.partner
    AND {row}.second >= br.from_s AND {row}.second < br.until_s
  JOIN partner_rates r ON r.id = br.rate_id"""
_WALLET = "JOIN bench_wallets w ON w.member_index = {row}.member"
_RATE_COLUMNS = "rate_version_id, earn_rate, burn_value, issue_price, redemption_price, "
_RATE_COLUMNS += "rates_effective_from"
_RATE_VALUES = "r.id, r.earn_rate, r.burn_value, r.issue_price, r.redemption_price, "
_RATE_VALUES += "r.effective_from"
_LOT_CONSUMED = f"""CASE
  WHEN e.k < :expired_from AND e.k % 2 = 0 THEN
    CASE WHEN e.k / 2 < :redemption_refunds THEN 0 ELSE e.points / {FIRST_LOT_DIVISOR} END
  WHEN e.k < :expired_from THEN e.points / {SECOND_LOT_DIVISOR}
  WHEN e.k < :refunded_from THEN e.points
  WHEN e.k < :refunded_until THEN e.points / 2
  ELSE 0 END"""


_MOVEMENT_COLUMNS = """transaction_id, line, lot_id, points, kind, posted_at, issuer_id,
  issue_price, redeemer_id, redemption_price"""
"""A movement with its settlement keys, as the hub posts it (the database adds its xid)."""
_MOVED_LOT = "JOIN lots lot ON lot.id = {lot}"


def _earn_statements(d: _Dialect) -> list[str]:
    rows = _earn_rows().format(series=d.series())
    expiring = "e.k >= :expired_from AND e.k < :refunded_from"
    expires = f"CASE WHEN {expiring} THEN {d.at(str(LOTS_EXPIRE_S))} END"
    member_line = "CASE WHEN e.coalition > 0 THEN 2 ELSE 1 END"
    return [
        f"""INSERT INTO transactions (id, kind, created_at, points, partner_id, member_id,
          order_id, purchase_amount_minor, purchase_currency, {_RATE_COLUMNS}, channel,
          store_id, available_at, expires_at, coalition_funded_points)
        SELECT {d.uid(_EARN, "e.k")}, 'earn', {d.at("e.second")}, e.points, p.partner_id,
          {d.uid(_MEMBER, "e.member")}, 'e' || e.k, e.points * {PURCHASE_MINOR_PER_POINT},
          p.currency, {_RATE_VALUES}, 'pos', 'store-' || (e.k % 40), {d.at("e.second")},
          {expires}, e.coalition
        FROM {rows} {_RATES.format(row="e")}""",
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_EARN, "e.k")}, l.line,
          CASE WHEN l.line = 0 THEN p.issued_account_id
            WHEN l.line < {member_line} THEN :campaigns ELSE w.account_id END,
          CASE WHEN l.line = 0 THEN e.coalition - e.points
            WHEN l.line < {member_line} THEN -e.coalition ELSE e.points END,
          'posted'
        FROM {rows} JOIN bench_lines l ON l.line <= {member_line}
          JOIN bench_partners p ON p.partner_index = e.partner {_WALLET.format(row="e")}""",
        f"""INSERT INTO lots (id, member_id, partner_id, earn_transaction_id, points,
          remaining_points, reserved_points, status, created_at, available_at, expires_at,
          issue_price)
        SELECT {d.uid(_LOT, "e.k")}, {d.uid(_MEMBER, "e.member")}, p.partner_id,
          {d.uid(_EARN, "e.k")}, e.points, e.points - ({_LOT_CONSUMED}), 0, 'available',
          {d.at("e.second")}, {d.at("e.second")}, {expires},
          (SELECT t.issue_price FROM transactions t WHERE t.id = {d.uid(_EARN, "e.k")})
        FROM {rows} JOIN bench_partners p ON p.partner_index = e.partner""",
    ]


def _redemption_statements(d: _Dialect) -> list[str]:
    rows = _redemption_rows().format(series=d.series())
    hold_at, capture_at = d.at("h.second"), d.at(f"h.second + {CAPTURE_AFTER_HOLD_S}")
    member = d.uid(_MEMBER, "h.member")
    columns = f"id, kind, created_at, points, partner_id, member_id, order_id, {_RATE_COLUMNS}"
    return [
        f"""INSERT INTO transactions ({columns}, purchase_amount_minor, purchase_currency,
          channel)
        SELECT {d.uid(_HOLD, "h.k")}, 'hold', {hold_at}, h.points, p.partner_id, {member},
          'r' || h.k, {_RATE_VALUES}, h.points * {PURCHASE_MINOR_PER_POINT}, p.currency, 'pos'
        FROM {rows} {_RATES.format(row="h")}""",
        f"""INSERT INTO transactions ({columns}, related_id)
        SELECT {d.uid(_CAPTURE, "h.k")}, 'capture', {capture_at}, h.points, p.partner_id,
          {member}, 'r' || h.k, {_RATE_VALUES}, {d.uid(_HOLD, "h.k")}
        FROM {rows} {_RATES.format(row="h")}""",
        f"""INSERT INTO holds (id, partner_id, member_id, order_id, points, value_minor,
          currency, rate_version_id, status, created_at, expires_at, transaction_id,
          captured_points, resolved_at, resolution_id, burn_value)
        SELECT {d.uid(_HOLD_ROW, "h.k")}, p.partner_id, {member}, 'r' || h.k, h.points,
          h.points, p.currency, r.id, 'captured', {hold_at},
          {d.at(f"h.second + {HOLD_TTL_S}")}, {d.uid(_HOLD, "h.k")}, h.points, {capture_at},
          {d.uid(_CAPTURE, "h.k")}, r.burn_value
        FROM {rows} {_RATES.format(row="h")}""",
        # The hold's pending transfer; the capture releases it and posts the points.
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_HOLD, "h.k")}, l.line,
          CASE WHEN l.line = 0 THEN w.account_id ELSE p.redeemed_account_id END,
          CASE WHEN l.line = 0 THEN -h.points ELSE h.points END, 'pending'
        FROM {rows} JOIN bench_lines l ON l.line < 2
          JOIN bench_partners p ON p.partner_index = h.partner {_WALLET.format(row="h")}""",
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_CAPTURE, "h.k")}, l.line,
          CASE WHEN l.line % 3 = 0 THEN p.redeemed_account_id ELSE w.account_id END,
          CASE WHEN l.line % 2 = 0 THEN -h.points ELSE h.points END,
          CASE WHEN l.line < 2 THEN 'pending' ELSE 'posted' END
        FROM {rows} JOIN bench_lines l ON l.line < 4
          JOIN bench_partners p ON p.partner_index = h.partner {_WALLET.format(row="h")}""",
        f"""INSERT INTO lot_movements ({_MOVEMENT_COLUMNS})
        SELECT {d.uid(_CAPTURE, "h.k")}, l.line, lot.id,
          CASE WHEN l.line = 0 THEN -h.first_points ELSE -h.second_points END, 'redemption',
          {capture_at}, lot.partner_id, lot.issue_price, p.partner_id, r.redemption_price
        FROM {rows} JOIN bench_lines l ON l.line < 2 {_RATES.format(row="h")}
          {_MOVED_LOT.format(lot=d.uid(_LOT, "2 * h.k + l.line"))}""",
    ]


def _expiry_statements(d: _Dialect) -> list[str]:
    rows = _expiry_rows().format(series=d.series())
    return [
        f"""INSERT INTO transactions (id, kind, created_at, points, member_id)
        SELECT {d.uid(_EXPIRY, "x.k")}, 'expiry', {d.at("x.second")}, x.points,
          {d.uid(_MEMBER, "x.member")}
        FROM {rows}""",
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_EXPIRY, "x.k")}, l.line,
          CASE WHEN l.line = 0 THEN w.account_id ELSE :breakage END,
          CASE WHEN l.line = 0 THEN -x.points ELSE x.points END, 'posted'
        FROM {rows} JOIN bench_lines l ON l.line < 2 {_WALLET.format(row="x")}""",
        f"""INSERT INTO lot_movements ({_MOVEMENT_COLUMNS})
        SELECT {d.uid(_EXPIRY, "x.k")}, 0, lot.id, -x.points, 'expiry', {d.at("x.second")},
          lot.partner_id, lot.issue_price, NULL, NULL
        FROM {rows} {_MOVED_LOT.format(lot=d.uid(_LOT, "x.lot"))}""",
    ]


def _earn_refund_statements(d: _Dialect) -> list[str]:
    rows = _earn_refund_rows().format(series=d.series())
    return [
        f"""INSERT INTO transactions (id, kind, created_at, points, partner_id, member_id,
          purchase_amount_minor, purchase_currency, related_id)
        SELECT {d.uid(_EARN_REFUND, "r.k")}, 'refund_earn', {d.at("r.second")}, r.points,
          p.partner_id, {d.uid(_MEMBER, "r.member")}, r.points * {PURCHASE_MINOR_PER_POINT},
          p.currency, {d.uid(_EARN, "r.earn")}
        FROM {rows} JOIN bench_partners p ON p.partner_index = r.partner""",
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_EARN_REFUND, "r.k")}, l.line,
          CASE WHEN l.line = 0 THEN p.issued_account_id ELSE w.account_id END,
          CASE WHEN l.line = 0 THEN r.points ELSE -r.points END, 'posted'
        FROM {rows} JOIN bench_lines l ON l.line < 2
          JOIN bench_partners p ON p.partner_index = r.partner {_WALLET.format(row="r")}""",
        f"""INSERT INTO lot_movements ({_MOVEMENT_COLUMNS})
        SELECT {d.uid(_EARN_REFUND, "r.k")}, 0, lot.id, -r.points, 'reversal',
          {d.at("r.second")}, lot.partner_id, lot.issue_price, NULL, NULL
        FROM {rows} {_MOVED_LOT.format(lot=d.uid(_LOT, "r.earn"))}""",
    ]


def _redemption_refund_statements(d: _Dialect) -> list[str]:
    rows = _redemption_refund_rows().format(series=d.series())
    return [
        f"""INSERT INTO transactions (id, kind, created_at, points, partner_id, member_id,
          order_id, related_id)
        SELECT {d.uid(_REDEMPTION_REFUND, "g.k")}, 'refund_redemption', {d.at("g.second")},
          g.points, p.partner_id, {d.uid(_MEMBER, "g.member")}, 'r' || g.k,
          {d.uid(_HOLD, "g.k")}
        FROM {rows} JOIN bench_partners p ON p.partner_index = g.partner""",
        f"""INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)
        SELECT {d.uid(_REDEMPTION_REFUND, "g.k")}, l.line,
          CASE WHEN l.line = 0 THEN p.redeemed_account_id ELSE w.account_id END,
          CASE WHEN l.line = 0 THEN -g.points ELSE g.points END, 'posted'
        FROM {rows} JOIN bench_lines l ON l.line < 2
          JOIN bench_partners p ON p.partner_index = g.partner {_WALLET.format(row="g")}""",
        # Redeemed at the hold's partner and price, as the refund of its capture posts it.
        f"""INSERT INTO lot_movements ({_MOVEMENT_COLUMNS})
        SELECT {d.uid(_REDEMPTION_REFUND, "g.k")}, 0, lot.id, g.points, 'redemption',
          {d.at("g.second")}, lot.partner_id, lot.issue_price, hold.partner_id,
          hold.redemption_price
        FROM {rows} {_MOVED_LOT.format(lot=d.uid(_LOT, "2 * g.k"))}
          JOIN transactions hold ON hold.id = {d.uid(_HOLD, "g.k")}""",
    ]


def _members_statement(d: _Dialect) -> str:
    return f"""INSERT INTO members (id, status, enrolled_at, enrolled_by)
      SELECT {d.uid(_MEMBER, "s.k")}, 'active', :enrolled_at, p.partner_id
      FROM {d.series()} JOIN bench_partners p ON p.partner_index = s.k % :partners"""


_TYPED = (
    sa.bindparam("day_start", type_=UtcDateTime()),
    sa.bindparam("enrolled_at", type_=UtcDateTime()),
    sa.bindparam("campaigns", type_=sa.Uuid()),
    sa.bindparam("breakage", type_=sa.Uuid()),
)


def _compiled(sql: str) -> sa.TextClause:
    return sa.text(sql).bindparams(*(param for param in _TYPED if f":{param.key}" in sql))


@dataclass(frozen=True)
class Stage:
    """Rows of one kind, written ``BATCH_ROWS`` at a time by each of its statements."""

    name: str
    count: Callable[[Plan], int]
    statements: tuple[sa.TextClause, ...]


def _stages(d: _Dialect) -> tuple[Stage, ...]:
    def stage(name: str, count: Callable[[Plan], int], sqls: list[str]) -> Stage:
        return Stage(name, count, tuple(_compiled(sql) for sql in sqls))

    return (
        stage("members", lambda plan: plan.members, [_members_statement(d)]),
        stage("earns", lambda plan: plan.earns, _earn_statements(d)),
        stage("holds and captures", lambda plan: plan.redemptions, _redemption_statements(d)),
        stage("expiries", lambda plan: plan.expiries, _expiry_statements(d)),
        stage("earn refunds", lambda plan: plan.earn_refunds, _earn_refund_statements(d)),
        stage(
            "redemption refunds",
            lambda plan: plan.redemption_refunds,
            _redemption_refund_statements(d),
        ),
    )


STAGES = {"postgresql": _stages(_Postgres()), "sqlite": _stages(_Sqlite())}

# -- scratch tables: the bench's partners, rates, members' wallets, entry line numbers ---------

_MEMBER_KINDS = ", ".join(f"'{kind.value}'" for kind in AccountKind if kind.keeps_totals)
_scratch = sa.MetaData()
bench_partners = sa.Table(
    "bench_partners",
    _scratch,
    sa.Column("partner_index", sa.Integer, primary_key=True),
    sa.Column("partner_id", tables.PARTNER_ID, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issued_account_id", sa.Uuid, nullable=False),
    sa.Column("redeemed_account_id", sa.Uuid, nullable=False),
    prefixes=["TEMPORARY"],
)
bench_rates = sa.Table(
    "bench_rates",
    _scratch,
    sa.Column("partner_index", sa.Integer, nullable=False),
    sa.Column("from_s", sa.Integer, nullable=False),
    sa.Column("until_s", sa.Integer, nullable=False),
    sa.Column("rate_id", sa.Uuid, nullable=False),
    prefixes=["TEMPORARY"],
)
bench_wallets = sa.Table(
    "bench_wallets",
    _scratch,
    sa.Column("member_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    prefixes=["TEMPORARY"],
)
bench_lines = sa.Table(
    "bench_lines",
    _scratch,
    sa.Column("line", sa.SmallInteger, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
ENTRY_LINES_MAX = 4
"""A capture has four entries, the most of any bench transaction."""
_RATE_VERSIONS = sa.select(tables.partner_rates.c.id, tables.partner_rates.c.partner_id).order_by(
    tables.partner_rates.c.partner_id, tables.partner_rates.c.effective_from
)
_NOT_EMPTY = sa.select(
    sa.exists().where(tables.transactions.c.id.is_not(None))
    | sa.exists().where(tables.partners.c.id.is_not(None))
)
_MEMBER_TOTALS = sa.text(
    f"""UPDATE accounts SET debits_posted = t.debits_posted, credits_posted = t.credits_posted,
      debits_pending = t.debits_pending, credits_pending = t.credits_pending
    FROM (SELECT account_id,
        sum(CASE WHEN phase = 'posted' AND amount_points < 0 THEN -amount_points ELSE 0 END)
          AS debits_posted,
        sum(CASE WHEN phase = 'posted' AND amount_points > 0 THEN amount_points ELSE 0 END)
          AS credits_posted,
        sum(CASE WHEN phase = 'pending' AND amount_points < 0 THEN -amount_points ELSE 0 END)
          AS debits_pending,
        sum(CASE WHEN phase = 'pending' AND amount_points > 0 THEN amount_points ELSE 0 END)
          AS credits_pending
      FROM entries GROUP BY account_id) AS t
    WHERE accounts.id = t.account_id AND accounts.kind IN ({_MEMBER_KINDS})"""
)
"""Members' running totals, which the hub keeps as it posts; the bench sums them once."""
_GROUP_BY = sa.text("SELECT account_id, sum(amount_points) FROM entries GROUP BY account_id")
_DATE = sa.bindparam("business_date", type_=sa.Date())
_DELETE_RUN = tuple(
    table.delete().where(table.c.business_date == _DATE)
    for table in (
        tables.settlement_statements,
        tables.settlement_outstanding,
        tables.settlement_runs,
    )
)


# -- running it --------------------------------------------------------------------------------


def say(message: str) -> None:
    """Progress on stderr, so that ``--json`` output stays one document on stdout."""
    print(message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes there, KiB on Linux
    return round(peak / per_mb, 1)


@dataclass(frozen=True)
class Generated:
    plan: Plan
    seconds: float


@dataclass(frozen=True)
class Measured:
    group_by_runs_s: list[float]
    group_by_rows: int
    settlement_runs_s: list[float]
    settlement_steps_s: dict[str, float]
    """The best run's seconds per step it reported."""
    same_result: bool
    rss_peak_mb: dict[str, float]


def run_bench(database_url: str | None, entries: int) -> dict[str, Any]:
    """Generate a day of ``entries`` entries in an empty database (a new SQLite file when
    ``database_url`` is ``None``), measure, and return the report."""
    plan = plan_for(entries)
    with _database(database_url) as url:
        hub = bootstrap.build(_settings(url), clock=ManualClock(DAY_START - timedelta(days=1)))
        try:
            _check_empty(hub.engine)
            generated = generate(hub, plan)
            measured = measure(hub)
        finally:
            hub.close()
        return report(url, generated, measured)


@contextmanager
def _database(database_url: str | None) -> Iterator[str]:
    if database_url:
        yield database_url
        return
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        yield f"sqlite:///{folder}/hub.db"


def _settings(database_url: str) -> Settings:
    # Not from the environment: the bench's day is UTC with a 00:00 cutoff, whatever the
    # operator's settings say.
    return Settings(
        database_url=database_url,
        audit_key_hex=secrets.token_hex(32),
        signing_key_hex=secrets.token_hex(32),
    )


def _check_empty(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(_NOT_EMPTY).scalar_one():
            raise ConfigError(
                "hub bench --settlement writes a synthetic day into the database and needs an "
                "empty one; pass --db with a new database (or none for a temporary SQLite file)"
            )


def generate(hub: bootstrap.Hub, plan: Plan) -> Generated:
    """Write the plan's day; prints its progress."""
    say(f"generating {plan.entries:,} entries in {plan.transactions:,} transactions")
    started = time.perf_counter()
    add_partners(hub)
    stages = STAGES[hub.engine.dialect.name]
    with hub.engine.connect() as connection:
        _fill_scratch(connection, plan)
        for stage in stages:
            _write_stage(connection, stage, plan, started)
        connection.execute(_MEMBER_TOTALS)
        _scratch.drop_all(connection)
        connection.commit()
    _refresh_statistics(hub.engine)
    seconds = time.perf_counter() - started
    say(f"generated in {seconds:.1f} s")
    return Generated(plan, round(seconds, 3))


def add_partners(hub: bootstrap.Hub) -> None:
    """The bench's partners, through the operator's use cases like any partner; the first
    changes its prices at noon on the business day."""
    for partner in PARTNERS:
        rates = Rates(
            EARN_RATE, BURN_VALUE, Decimal(partner.issue_price), Decimal(partner.redemption_price)
        )
        hub.operator.add_partner(
            AddPartner(
                partner.partner_id,
                partner.partner_id.removeprefix("bench-").title(),
                partner.currency,
                rates,
                changed_by=RUN_BY,
            )
        )
    issue_price, redemption_price = (Decimal(price) for price in CHANGED_PRICES)
    changed = Rates(EARN_RATE, BURN_VALUE, issue_price, redemption_price)
    noon = DAY_START + timedelta(seconds=RATE_CHANGE_S)
    hub.operator.set_rate(SetRate(PARTNERS[0].partner_id, changed, noon, changed_by=RUN_BY))


def _fill_scratch(connection: sa.Connection, plan: Plan) -> None:
    _scratch.create_all(connection)
    connection.execute(bench_lines.insert(), [{"line": n} for n in range(ENTRY_LINES_MAX)])
    connection.execute(
        bench_partners.insert(),
        [
            {
                "partner_index": index,
                "partner_id": partner.partner_id,
                "currency": partner.currency,
                "issued_account_id": partner_issued(partner.partner_id).id,
                "redeemed_account_id": partner_redeemed(partner.partner_id).id,
            }
            for index, partner in enumerate(PARTNERS)
        ],
    )
    connection.execute(bench_rates.insert(), _rate_rows(connection))
    connection.commit()


def _rate_rows(connection: sa.Connection) -> list[dict[str, object]]:
    """Each partner's rate versions as second-of-the-day ranges: its first rates from the
    start of the day, the first partner's changed ones from noon."""
    versions: dict[str, list[uuid.UUID]] = {}
    for rate_id, partner_id in connection.execute(_RATE_VERSIONS):
        versions.setdefault(partner_id, []).append(rate_id)
    day_s = 24 * 3600
    rows: list[dict[str, object]] = []
    for index, partner in enumerate(PARTNERS):
        bounds = [0, RATE_CHANGE_S, day_s] if index == 0 else [0, day_s]
        for rate_id, (start_s, end_s) in zip(
            versions[partner.partner_id], pairwise(bounds), strict=True
        ):
            rows.append(
                {"partner_index": index, "from_s": start_s, "until_s": end_s, "rate_id": rate_id}
            )
    return rows


def _write_stage(connection: sa.Connection, stage: Stage, plan: Plan, started: float) -> None:
    count = stage.count(plan)
    params: dict[str, object] = {
        **plan.params(),
        "day_start": DAY_START,
        "enrolled_at": DAY_START - timedelta(days=1),
        "campaigns": COALITION_CAMPAIGNS.id,
        "breakage": COALITION_BREAKAGE.id,
    }
    for low in range(0, count, BATCH_ROWS):
        high = min(count, low + BATCH_ROWS)
        for statement in stage.statements:
            connection.execute(statement, {**params, "lo": low, "hi": high})
        if stage.name == "members":
            _add_member_accounts(connection, low, high)
        connection.commit()
        say(f"  {stage.name}: {high:,}/{count:,} ({time.perf_counter() - started:.0f} s)")


def _add_member_accounts(connection: sa.Connection, low: int, high: int) -> None:
    """The members' three accounts each, as enrolling writes them: ids are UUIDv5 of codes,
    computed here. Only the available account takes entries in the bench's day."""
    for start in range(low, high, ACCOUNT_BATCH_ROWS):
        indexes = range(start, min(high, start + ACCOUNT_BATCH_ROWS))
        accounts = [
            {"id": a.id, "code": a.code, "kind": a.kind.value, "member_id": member_id(i)}
            for i in indexes
            for a in member_accounts(member_id(i))
        ]
        wallets = [
            {"member_index": i, "account_id": member_available(member_id(i)).id} for i in indexes
        ]
        connection.execute(tables.accounts.insert(), accounts)
        connection.execute(bench_wallets.insert(), wallets)


def _refresh_statistics(engine: sa.Engine) -> None:
    """Planner statistics, as a database that has lived through the day would have them. On
    PostgreSQL a VACUUM too, as autovacuum would have run after so many inserts: without it
    the first reader of every new row pays to set its hint bits, whichever query it is."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def measure(hub: bootstrap.Hub) -> Measured:
    """The settlement runs, then the GROUP BY runs, each best of ``RUNS``; peak memory
    before and after each."""
    rss = {"after_generation": peak_rss_mb()}
    settlement_s, steps, same = _time_settlement(hub)
    rss["after_settlement"] = peak_rss_mb()
    group_by_s, rows = _time_group_by(hub.engine)
    rss["after_group_by"] = peak_rss_mb()
    return Measured(group_by_s, rows, settlement_s, steps, same, rss)


def _time_settlement(hub: bootstrap.Hub) -> tuple[list[float], dict[str, float], bool]:
    """The runs' seconds, the best run's seconds per step, and whether every run signed the
    same summary."""
    clock = hub.clock
    if not isinstance(clock, ManualClock):
        raise TypeError("the bench settles with a manual clock")
    clock.advance(SETTLE_AT - clock.now())
    api = hub.settlement_api()
    timings: list[float] = []
    best_steps: dict[str, float] = {}
    summaries: set[bytes] = set()
    for attempt in range(RUNS):
        if attempt:
            _delete_run(hub.engine)
        steps = StepTimer()
        view = api.run(RunSettlement(BUSINESS_DATE, run_by=RUN_BY), progress=steps)
        timings.append(round(steps.elapsed_s(), DIGITS))
        summaries.add(view.summary_json)
        if timings[-1] == min(timings):
            best_steps = steps.durations_s()
        say(f"settlement run {attempt + 1}/{RUNS}: {timings[-1]:.2f} s")
    return timings, best_steps, len(summaries) == 1


class StepTimer:
    """The run's progress display: prints each step as it starts and keeps when it did."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.steps: list[tuple[str, float]] = []

    def __call__(self, step: str) -> None:
        self.steps.append((step, self.elapsed_s()))
        say(f"  {self.steps[-1][1]:7.2f} s  {step}")

    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    def durations_s(self) -> dict[str, float]:
        """Seconds from each step's start to the next one's (the last: to now)."""
        ends = [at for _, at in self.steps[1:]] + [self.elapsed_s()]
        return {
            step: round(end - at, DIGITS) for (step, at), end in zip(self.steps, ends, strict=True)
        }


def _delete_run(engine: sa.Engine) -> None:
    """Unlock the day so it can be settled again: the run's rows only."""
    with engine.begin() as connection:
        for statement in _DELETE_RUN:
            connection.execute(statement, {"business_date": BUSINESS_DATE})


def _time_group_by(engine: sa.Engine) -> tuple[list[float], int]:
    timings: list[float] = []
    rows = 0
    for attempt in range(RUNS):
        started = time.perf_counter()
        rows = _fetch_group_by(engine)
        timings.append(round(time.perf_counter() - started, DIGITS))
        say(f"GROUP BY run {attempt + 1}/{RUNS}: {timings[-1]:.2f} s ({rows:,} accounts)")
    return timings, rows


def _fetch_group_by(engine: sa.Engine) -> int:
    # A plain query, not a server-side cursor: PostgreSQL plans a cursor's query for its first
    # rows and without parallel workers (measured: 5 times slower at 10 M entries), and the
    # settlement's queries are plain queries too. Rows still reach Python a batch at a time.
    rows = 0
    with engine.connect() as connection:
        for partition in connection.execute(_GROUP_BY).partitions(FETCH_ROWS):
            rows += len(partition)
    return rows


def report(database_url: str, generated: Generated, measured: Measured) -> dict[str, Any]:
    """What ``--json`` prints."""
    group_by_s, settlement_s = min(measured.group_by_runs_s), min(measured.settlement_runs_s)
    return {
        "database": make_url(database_url).get_backend_name(),
        "business_date": BUSINESS_DATE.isoformat(),
        "entries": generated.plan.entries,
        "transactions": generated.plan.transactions,
        "plan": asdict(generated.plan),
        "partners": len(PARTNERS),
        "cpus": os.cpu_count(),
        "generation_s": generated.seconds,
        "runs": RUNS,
        "group_by_s": group_by_s,
        "group_by_runs_s": measured.group_by_runs_s,
        "group_by_rows": measured.group_by_rows,
        "settlement_s": settlement_s,
        "settlement_runs_s": measured.settlement_runs_s,
        "settlement_steps_s": measured.settlement_steps_s,
        "settlement_same_result": measured.same_result,
        "ratios": {"settlement_vs_group_by": round(settlement_s / group_by_s, 3)},
        "targets": {"settlement_vs_group_by": TARGET_RATIO},
        "rss_peak_mb": measured.rss_peak_mb,
    }


def print_report(report: Mapping[str, Any]) -> None:
    """The report as a table, for a person."""
    print(
        f"{report['entries']:,} entries in {report['transactions']:,} transactions "
        f"({report['database']}, {report['cpus']} CPUs), business date "
        f"{report['business_date']}; generated in {report['generation_s']} s (not measured)"
    )
    ratio = report["ratios"]["settlement_vs_group_by"]
    rows = [
        ("GROUP BY account_id", report["group_by_s"], 1.0, _runs(report["group_by_runs_s"])),
        ("settlement run", report["settlement_s"], ratio, _runs(report["settlement_runs_s"])),
    ]
    print_table(("measure", "best s", "vs GROUP BY", f"runs (of {report['runs']})"), rows)
    target = report["targets"]["settlement_vs_group_by"]
    print(f"target: settlement <= {target} x GROUP BY: {'met' if ratio <= target else 'MISSED'}")
    rss = report["rss_peak_mb"]
    print(
        f"peak memory: {rss['after_generation']} MB before the runs, "
        f"{rss['after_settlement']} MB after settlement, {rss['after_group_by']} MB after GROUP BY"
    )
    same = report["settlement_same_result"]
    print(f"every settlement run gave the same signed summary: {'yes' if same else 'NO'}")


def _runs(seconds: list[float]) -> str:
    return " ".join(f"{s:.3f}" for s in seconds)
