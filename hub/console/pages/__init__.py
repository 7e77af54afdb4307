"""The console's pages, one module per desk; ``ROUTES`` is every page's route."""

from __future__ import annotations

from hub.console.app import Route
from hub.console.pages import fraud, home, members, reconciliation, settlement
from hub.console.pages import tuning as thresholds

ROUTES: tuple[Route, ...] = (
    *home.ROUTES,
    *settlement.ROUTES,
    *reconciliation.ROUTES,
    *fraud.ROUTES,
    *members.ROUTES,
    *thresholds.ROUTES,
)
