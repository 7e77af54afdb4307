"""What the fraud rules look at: the operation being attempted, and what the hub read about the
member, the terminal and the cashier around it (``ActivityFacts``, one indexed read)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Operation(StrEnum):
    EARN = "earn"
    AUTHORIZE = "authorize"
    REFUND = "refund"
    NIGHTLY = "nightly"
    """Raised by the nightly pass over patterns that span days."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a store is, in decimal degrees (WGS 84)."""

    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True, slots=True)
class Attempt:
    """The operation at the till, as the rules see it."""

    operation: Operation
    partner_id: str
    member_id: uuid.UUID
    points: int
    at: datetime
    store_id: str = ""
    terminal_id: str = ""
    cashier_id: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where and when the member was last seen at a till with a known location."""

    at: datetime
    location: Location
    partner_id: str
    store_id: str


@dataclass(frozen=True, slots=True)
class TillRate:
    """A terminal's or cashier's pace: its earns in the last hour, and its own norm."""

    recent_earns: int = 0
    """Earns in the hour before the attempt, estimated from the till's clock hours."""
    usual_earns: int = 0
    """Earns in the till's busiest clock hour of the last one to two weeks (as the hub keeps
    it: at least that, a little more when the busiest hours of its counter shards differ);
    0 while it has no closed hour."""


NO_RATE = TillRate()


@dataclass(frozen=True, slots=True)
class ActivityFacts:
    """Counts over the windows the partner's thresholds name, none including the attempt."""

    member_earns: int = 0
    member_earned_points: int = 0
    member_holds: int = 0
    member_held_points: int = 0
    last_earn_elsewhere_at: datetime | None = None
    """The member's latest earn at another partner inside the earn-then-burn window."""
    last_earn_elsewhere_partner: str = ""
    history_earns: int = 0
    """The member's earns at this partner, ever, and their points: their usual basket here."""
    history_points: int = 0
    basket_earns: int = 0
    """The earns ever made at this terminal (else this cashier), and their points: the
    partner's usual basket there, for a member with too little history at the partner."""
    basket_points: int = 0
    last_sighting: Sighting | None = None
    terminal_members: int = 0
    """Other members who earned at this terminal inside the till window."""
    cashier_members: int = 0
    """Other members who earned through this cashier inside the till window."""
    terminal_rate: TillRate = NO_RATE
    cashier_rate: TillRate = NO_RATE
    cashier_member_earns: int = 0
    """This member's earns through this cashier inside the cashier-card window."""
    linked_members: int = 0
    """Other members who share a phone number or e-mail address with this member."""
    debt_points: int = 0


NO_ACTIVITY = ActivityFacts()
HISTORY_EARNS_MAX = 50
"""The most earns at a partner a member's average may be asked to wait for
(``history_min_earns``): beyond that, a member's first earns would go unchecked too long."""


@dataclass(frozen=True, slots=True)
class ActivityWindows:
    """Where each window of ``ActivityFacts`` starts, for one attempt."""

    velocity_since: datetime
    earn_then_burn_since: datetime
    till_since: datetime
    cashier_card_since: datetime
    till_members_max: int
    """Other members at a terminal or cashier are counted up to this many: from there on the
    rules' verdicts and scores no longer change, so the read stops, however busy the till."""
    cashier_card_minutes_max: int
    """The member's minutes with earns through the cashier are read up to this many: each has
    at least one earn, so from there on the cashier-card rule's verdict no longer changes."""
    at: datetime
    """When the attempt is made: the till rates' clock hours are counted back from it."""


@dataclass(frozen=True, slots=True)
class FarmingFacts:
    """A member's earns at one partner over the nightly pass's farming window."""

    member_id: uuid.UUID
    partner_id: str
    earns: int
    active_days: int
    points: int


@dataclass(frozen=True, slots=True)
class DormantBurnFacts:
    """A member who burned on the day after a long silence."""

    member_id: uuid.UUID
    partner_id: str
    burned_points: int
    balance_before_points: int
    """What the member had before the day's burns: the burned points plus what is left."""
    idle_days: int
