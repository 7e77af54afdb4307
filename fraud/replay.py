"""Replaying past operations through the rules: what thresholds would have flagged.

The hub reads a partner's past earns and redemption holds from the ledger, with the rest of
their members' activity around them (``PastOperation``, one set-based read), and ``preview``
rebuilds each examined operation's facts from those rows, for the windows of the thresholds
judged, and counts what every rule would have decided. Pure: no clock, no database.

What cannot be rebuilt from the ledger is named in ``NOT_REPLAYED``: those rules count 0.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fraud import engine
from fraud.facts import (
    NO_RATE,
    ActivityFacts,
    Attempt,
    Location,
    Operation,
    Sighting,
    TillRate,
)
from fraud.thresholds import FraudThresholds
from fraud.verdicts import Decision, RuleCode

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PastOperation:
    """An earn or a redemption hold as the ledger keeps it, with the member's history at the
    partner and the till's usual basket just before it (the database rebuilds those exactly
    from the running counters less what came after)."""

    transaction_id: uuid.UUID
    operation: Operation
    partner_id: str
    member_id: uuid.UUID
    points: int
    at: datetime
    store_id: str = ""
    terminal_id: str = ""
    cashier_id: str = ""
    location: Location | None = None
    examined: bool = False
    """One of the partner's operations being replayed (the others are context)."""
    history_earns: int = 0
    history_points: int = 0
    basket_earns: int = 0
    basket_points: int = 0

    def attempt(self) -> Attempt:
        return Attempt(
            self.operation,
            self.partner_id,
            self.member_id,
            self.points,
            self.at,
            store_id=self.store_id,
            terminal_id=self.terminal_id,
            cashier_id=self.cashier_id,
            location=self.location,
        )


@dataclass(frozen=True, slots=True)
class PastOperations:
    """What the hub read for a replay: the operations, how many of them are examined, and
    whether a cap on the read left older ones out."""

    operations: tuple[PastOperation, ...] = ()
    examined: int = 0
    truncated: bool = False


NOT_REPLAYED: dict[RuleCode, str] = {
    RuleCode.LINKED_MEMBERS: "the hub keeps members' shared phones and e-mails as they are "
    "now, not as they were at each operation",
    RuleCode.REFUND_AFTER_BURN: "judged on refunds by the debt they leave, which depends on "
    "every burn since the earn: not replayed",
    RuleCode.SLOW_FARMING: "judged by the nightly pass over whole days, not per operation",
    RuleCode.DORMANT_BURN: "judged by the nightly pass over whole days, not per operation",
}
"""Rules a replay cannot judge, and why."""
HOW: dict[RuleCode, str] = {
    RuleCode.MEMBER_VELOCITY_COUNT: "the member's earns or holds at every partner in the window",
    RuleCode.MEMBER_VELOCITY_POINTS: "the member's points at every partner in the window",
    RuleCode.EARN_THEN_BURN: "the member's latest earn at another partner in the window",
    RuleCode.TERMINAL_MANY_CARDS: "members at the terminal in the window; its usual pace from "
    "its busiest clock hour in the days replayed",
    RuleCode.CASHIER_MANY_CARDS: "members through the cashier in the window; its usual pace "
    "from its busiest clock hour in the days replayed",
    RuleCode.CASHIER_ONE_CARD: "the member's earns through the cashier in the window",
    RuleCode.EARN_ABOVE_HISTORY: "the member's earns at the partner (else the till's) before "
    "the operation: the running counters less what came after",
    RuleCode.IMPOSSIBLE_TRAVEL: "the member's previous till with a location",
}
"""How a replay rebuilds each rule's facts."""
PREVIEWED = tuple(code for code in RuleCode if code is not RuleCode.FROZEN_ACCOUNT)
"""The rules a preview reports on: every rule with thresholds."""


@dataclass(slots=True)
class RuleCount:
    """What one rule decided on the replayed operations."""

    flags: int = 0
    """Operations flagged: reviewed or declined."""
    declines: int = 0


@dataclass(frozen=True, slots=True)
class Replay:
    """Per rule, and over all rules, what one set of thresholds decided."""

    rules: dict[RuleCode, RuleCount] = field(default_factory=dict)
    flagged_operations: int = 0
    declined_operations: int = 0


def replay(operations: Sequence[PastOperation], thresholds: FraudThresholds) -> Replay:
    """Judge every examined operation under ``thresholds``, on facts rebuilt for its windows."""
    counts: dict[RuleCode, RuleCount] = {code: RuleCount() for code in PREVIEWED}
    flagged = declined = 0
    for attempt, facts in facts_of(operations, thresholds):
        assessment = engine.assess(attempt, facts, thresholds)
        for verdict in assessment.verdicts:
            counts[verdict.rule].flags += 1
            counts[verdict.rule].declines += verdict.decision is Decision.DENY
        flagged += bool(assessment.verdicts)
        declined += assessment.decision is Decision.DENY
    return Replay(counts, flagged, declined)


def facts_of(
    operations: Sequence[PastOperation], t: FraudThresholds
) -> Iterable[tuple[Attempt, ActivityFacts]]:
    """Each examined operation with the facts the hot path would have read for it."""
    ordered = sorted(operations, key=lambda o: (o.at, o.transaction_id))
    members = _MemberIndex(ordered)
    tills = _till_members(ordered, t)
    paces = _paces(ordered)
    for index, past in enumerate(ordered):
        if not past.examined:
            continue
        facts = replace(
            members.facts(past, t),
            terminal_members=tills.get(("terminal", index), 0),
            cashier_members=tills.get(("cashier", index), 0),
            terminal_rate=paces.get(("terminal", index), NO_RATE),
            cashier_rate=paces.get(("cashier", index), NO_RATE),
        )
        yield past.attempt(), facts


class _Timeline:
    """Operations in time order, with their times for bisection."""

    def __init__(self) -> None:
        self.rows: list[PastOperation] = []
        self.times: list[datetime] = []

    def add(self, past: PastOperation) -> None:
        self.rows.append(past)
        self.times.append(past.at)

    def between(self, since: datetime, before: datetime) -> list[PastOperation]:
        """The operations from ``since`` up to (not including) ``before``."""
        return self.rows[bisect_left(self.times, since) : bisect_left(self.times, before)]

    def last_before(self, before: datetime) -> PastOperation | None:
        index = bisect_left(self.times, before)
        return self.rows[index - 1] if index else None


class _MemberIndex:
    """Each member's operations in time order, searched by bisection."""

    def __init__(self, ordered: Sequence[PastOperation]) -> None:
        self._of: dict[tuple[uuid.UUID, Operation], _Timeline] = defaultdict(_Timeline)
        self._located: dict[uuid.UUID, _Timeline] = defaultdict(_Timeline)
        self._at_cashier: dict[tuple[uuid.UUID, str, str], _Timeline] = defaultdict(_Timeline)
        for past in ordered:
            self._of[(past.member_id, past.operation)].add(past)
            if past.location is not None:
                self._located[past.member_id].add(past)
            if past.operation is Operation.EARN and past.cashier_id:
                self._at_cashier[(past.member_id, past.partner_id, past.cashier_id)].add(past)

    def facts(self, past: PastOperation, t: FraudThresholds) -> ActivityFacts:
        """The member's facts before ``past``: velocity, latest earn elsewhere, last till
        with a location, earns through the cashier, and the history the read rebuilt."""
        velocity_since = past.at - timedelta(seconds=t.velocity_window_s)
        earns = self._of[(past.member_id, Operation.EARN)]
        recent_earns = earns.between(velocity_since, past.at)
        holds = self._of[(past.member_id, Operation.AUTHORIZE)].between(velocity_since, past.at)
        elsewhere = self._elsewhere(earns, past, t)
        return ActivityFacts(
            member_earns=len(recent_earns),
            member_earned_points=sum(row.points for row in recent_earns),
            member_holds=len(holds),
            member_held_points=sum(row.points for row in holds),
            last_earn_elsewhere_at=elsewhere.at if elsewhere else None,
            last_earn_elsewhere_partner=elsewhere.partner_id if elsewhere else "",
            history_earns=past.history_earns,
            history_points=past.history_points,
            basket_earns=past.basket_earns,
            basket_points=past.basket_points,
            last_sighting=self._sighting(past),
            cashier_member_earns=self._cashier_earns(past, t),
        )

    @staticmethod
    def _elsewhere(
        earns: _Timeline, past: PastOperation, t: FraudThresholds
    ) -> PastOperation | None:
        since = past.at - timedelta(seconds=t.earn_then_burn_window_s)
        other = [row for row in earns.between(since, past.at) if row.partner_id != past.partner_id]
        return other[-1] if other else None

    def _sighting(self, past: PastOperation) -> Sighting | None:
        last = self._located[past.member_id].last_before(past.at)
        if last is None or last.location is None:
            return None
        return Sighting(last.at, last.location, last.partner_id, last.store_id)

    def _cashier_earns(self, past: PastOperation, t: FraudThresholds) -> int:
        timeline = self._at_cashier[(past.member_id, past.partner_id, past.cashier_id)]
        since = past.at - timedelta(seconds=t.cashier_card_window_s)
        return len(timeline.between(since, past.at))


def _tills(past: PastOperation) -> Iterable[tuple[str, str]]:
    if past.operation is not Operation.EARN:
        return
    for kind, till_id in (("terminal", past.terminal_id), ("cashier", past.cashier_id)):
        if till_id:
            yield kind, f"{past.partner_id}\x00{till_id}"


def _till_members(
    ordered: Sequence[PastOperation], t: FraudThresholds
) -> dict[tuple[str, int], int]:
    """Other members who earned at each operation's terminal and cashier inside the till
    window before it: a sliding window per till."""
    window = timedelta(seconds=t.till_window_s)
    recent: dict[tuple[str, str], deque[tuple[datetime, uuid.UUID]]] = defaultdict(deque)
    members: dict[tuple[str, str], Counter[uuid.UUID]] = defaultdict(Counter)
    found: dict[tuple[str, int], int] = {}
    for index, past in enumerate(ordered):
        for kind, till in _tills(past):
            key = (kind, till)
            queue, seen = recent[key], members[key]
            while queue and queue[0][0] < past.at - window:
                _, gone = queue.popleft()
                seen[gone] -= 1
                if not seen[gone]:
                    del seen[gone]
            found[(kind, index)] = len(seen) - (past.member_id in seen)
            queue.append((past.at, past.member_id))
            seen[past.member_id] += 1
    return found


@dataclass(slots=True)
class _Pace:
    """A till's earns in its current clock hour and its busiest closed hour so far."""

    hour: datetime | None = None
    hour_earns: int = 0
    busiest: int = 0
    recent: deque[datetime] = field(default_factory=deque)

    def rate_at(self, at: datetime) -> TillRate:
        hour = at.replace(minute=0, second=0, microsecond=0)
        if self.hour is not None and self.hour < hour:
            self.busiest = max(self.busiest, self.hour_earns)
            self.hour, self.hour_earns = hour, 0
        self.hour = hour
        while self.recent and self.recent[0] < at - HOUR:
            self.recent.popleft()
        return TillRate(len(self.recent), self.busiest)

    def add(self, at: datetime) -> None:
        self.recent.append(at)
        self.hour_earns += 1


def _paces(ordered: Sequence[PastOperation]) -> dict[tuple[str, int], TillRate]:
    """Each operation's till pace: its earns in the hour before, and its busiest clock hour
    closed before the operation (among the rows read)."""
    paces: dict[tuple[str, str], _Pace] = defaultdict(_Pace)
    found: dict[tuple[str, int], TillRate] = {}
    for index, past in enumerate(ordered):
        for kind, till in _tills(past):
            pace = paces[(kind, till)]
            found[(kind, index)] = pace.rate_at(past.at)
            pace.add(past.at)
    return found
