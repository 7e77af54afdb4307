"""Simulated business time: the hub's clock moves on, the sweeper runs, points mature and expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.domain.limits import HOLD_TTL_DEFAULT_S
from hub.services.sweeper import SweepReport
from partner_sdk import HubClient, Identifier

# The simulated calendar, from the purchases on.
PAST_FUEL_PENDING_PERIOD = timedelta(days=2)
PAST_HOLD_LIFETIME = timedelta(seconds=HOLD_TTL_DEFAULT_S) + timedelta(minutes=5)
"""The demo partners keep the hub's default hold lifetime."""
INTO_EXPIRY_WARNING = timedelta(days=335)
"""Brings the coffee partner's 12-month expiry within the balance's 30-day warning."""
PAST_COFFEE_EXPIRY = timedelta(days=32)


@dataclass(frozen=True)
class Totals:
    """Balances summed over members."""

    available_points: int
    pending_points: int
    expiring_points: int


@dataclass(frozen=True)
class BusinessTime:
    """The demo hub's clock and sweeper: simulated days pass in a moment."""

    hub: bootstrap.Hub
    clock: ManualClock

    def advance(self, delta: timedelta, headline: str) -> SweepReport:
        """Move the hub's clock on, then sweep, as the sweeper in ``hub serve`` would."""
        now = self.clock.advance(delta)
        print(f"\n{headline} (the hub's clock reads {now:%Y-%m-%d %H:%M} UTC)")
        report = self.hub.operator.sweep()
        print(
            f"  sweeper: expired {report.holds_expired} holds, matured {report.lots_matured} "
            f"lots, expired the points of {report.lots_expired} lots"
        )
        return report


def _totals(client: HubClient, cards: list[Identifier]) -> Totals:
    balances = [client.balance(card) for card in cards]
    return Totals(
        sum(b.available_points for b in balances),
        sum(b.pending_points for b in balances),
        sum(b.expiring_points for b in balances),
    )


def mature_pending_points(hub_time: BusinessTime, till: HubClient, cards: list[Identifier]) -> None:
    before = _totals(till, cards)
    hub_time.advance(
        PAST_FUEL_PENDING_PERIOD, "Two days later, past the fuel partner's 48 h window"
    )
    after = _totals(till, cards)
    print(
        f"  members' pending points {before.pending_points:,} -> {after.pending_points:,}, "
        f"available {before.available_points:,} -> {after.available_points:,}"
    )


def expire_points(hub_time: BusinessTime, till: HubClient, cards: list[Identifier]) -> None:
    hub_time.advance(INTO_EXPIRY_WARNING, "Eleven months on")
    warned = _totals(till, cards)
    print(
        f"  balances warn of {warned.expiring_points:,} points expiring within 30 days "
        "(the coffee partner's points expire 12 months after they were earned)"
    )
    report = hub_time.advance(PAST_COFFEE_EXPIRY, "A year and a few days after the purchases")
    after = _totals(till, cards)
    expired_points = warned.available_points - after.available_points
    print(
        f"  {expired_points:,} unspent points of {report.lots_expired} lots expired to "
        f"breakage; members keep {after.available_points:,} points"
    )
