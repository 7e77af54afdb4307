"""The nightly settlement inside ``hub serve`` (``HUB_SETTLEMENT_NIGHTLY=true``; off by default).

Every ``SETTLEMENT_CHECK_INTERVAL_S`` the thread asks ``run_due`` to settle every closed day not
settled yet. The check is cheap when nothing is due (one read of the latest run), so checking
often costs little and settles a day within a minute of its grace period ending, and a hub that
was down over midnight catches up on its first check. Several replicas may check at once: a
day's run is locked by its first writer and a second run returns what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

from hub.services.commands import Attribution
from hub.services.periodic import PeriodicThread
from hub.services.results import SettlementRunView

log = logging.getLogger("hub.schedule")

SETTLEMENT_CHECK_INTERVAL_S = 60.0
SCHEDULER = Attribution("system:scheduler", "nightly settlement")
"""Who the runs are by: an officer approves them, and the runner may not approve its own."""

RunDue = Callable[[Attribution], Sequence[SettlementRunView]]


def settle_due(run_due: RunDue) -> int:
    """Settle every day due and log each run; a failure is logged, never raised, so the next
    check tries again. Returns how many days were settled."""
    try:
        runs = run_due(SCHEDULER)
    except Exception:
        log.exception("nightly settlement failed; trying again at the next check")
        return 0
    for run in runs:
        # WARNING: `hub serve` logs nothing lower by default, and a settled day needs approving.
        log.warning(
            "settled business day %s: %d transactions, margin %d minor units of %s, "
            "waiting for approval",
            run.business_date.isoformat(),
            run.settlement.transaction_count,
            run.settlement.margin_minor,
            run.currency,
        )
    return len(runs)


def nightly_settlement_thread(
    run_due: RunDue, interval_s: float = SETTLEMENT_CHECK_INTERVAL_S
) -> PeriodicThread:
    """Checks for days due at start, then every ``interval_s``, until stopped."""
    return PeriodicThread(
        "hub-nightly-settlement", partial(settle_due, run_due), interval_s, at_start=True
    )
