"""The replay rebuilds, from past operations alone, the facts the till path reads from its
counters, and counts what each rule decides under two settings."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from fraud.facts import Operation, TillRate
from fraud.replay import NOT_REPLAYED, PREVIEWED, PastOperation, facts_of, replay
from fraud.thresholds import DEFAULT_THRESHOLDS, Threshold
from fraud.verdicts import RuleCode
from tests.fraud.builders import NOW

EARLY = NOW.replace(hour=7)


def member(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


def earn_at(n: int, minutes: float, *, terminal: str = "T1", **fields: object) -> PastOperation:
    return PastOperation(
        transaction_id=uuid.uuid4(),
        operation=Operation.EARN,
        partner_id="coffee",
        member_id=member(n),
        points=4,
        at=EARLY + timedelta(minutes=minutes),
        terminal_id=terminal,
        examined=True,
        **fields,  # type: ignore[arg-type]
    )


def test_the_members_at_a_terminal_are_the_others_inside_the_till_window():
    past = [earn_at(0, 0), earn_at(1, 10), earn_at(0, 20), earn_at(2, 65)]

    facts = [f for _, f in facts_of(past, DEFAULT_THRESHOLDS)]

    assert [f.terminal_members for f in facts] == [0, 1, 1, 2]  # at 65 min: member 0's at 20


def test_a_terminals_pace_is_its_last_hour_and_its_busiest_closed_clock_hour():
    rush = [earn_at(i, i * 3) for i in range(16)]  # 7:00-7:45
    later = [earn_at(20, 60 * 3)]  # 10:00

    facts = [f for _, f in facts_of(rush + later, DEFAULT_THRESHOLDS)]

    assert facts[15].terminal_rate == TillRate(recent_earns=15, usual_earns=0)
    assert facts[16].terminal_rate == TillRate(recent_earns=0, usual_earns=16)


def test_the_velocity_counts_the_members_earns_at_every_partner_in_the_window():
    elsewhere = replace(earn_at(0, 0), partner_id="fuel", points=60, examined=False)
    here = earn_at(0, 30)

    facts = [f for _, f in facts_of([elsewhere, here], DEFAULT_THRESHOLDS)]

    assert len(facts) == 1  # the earn at fuel is context only
    assert (facts[0].member_earns, facts[0].member_earned_points) == (1, 60)


def test_a_replay_counts_flags_and_declines_per_rule_and_per_operation():
    rush = [earn_at(i, i * 3) for i in range(16)]
    strict = replace(DEFAULT_THRESHOLDS, terminal_cards=Threshold(10, 14))

    counted = replay(rush, strict)

    cards = counted.rules[RuleCode.TERMINAL_MANY_CARDS]
    assert (cards.flags, cards.declines) == (7, 3)
    assert (counted.flagged_operations, counted.declined_operations) == (7, 3)
    assert replay(rush, DEFAULT_THRESHOLDS).flagged_operations == 0


def test_every_rule_with_thresholds_is_previewed_and_those_not_replayed_say_why():
    assert RuleCode.FROZEN_ACCOUNT not in PREVIEWED
    assert set(NOT_REPLAYED) <= set(PREVIEWED)
    assert all(reason for reason in NOT_REPLAYED.values())
