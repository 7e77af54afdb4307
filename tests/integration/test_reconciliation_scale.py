"""A 200,000-line report is matched and counted whole (PostgreSQL): the counts are the truth,
however many lines, and the listing says how much of it it shows.

The day's 200,006 earns are written with one set-based statement (they have no entries: the
ledger is not what is under test, so the hub here skips its end-of-test check). The report has
200,000 lines that match, 3 with other points, 3 the hub does not have, and leaves 3 of the
hub's earns out. The time the import took is printed (run with ``-s``), never asserted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.domain.clock import ManualClock
from hub.services.commands import Attribution, ImportReport, ListExceptions, RunSettlement
from hub.services.ports.reconciliation import ExceptionCounts
from tests.conftest import add_partner, settings_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DAY = date(2026, 11, 22)
MATCHING = 200_000
PLANTED = 3
"""Of each kind of exception."""
RUNNER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
COFFEE = Attribution("spiffe://coalition.hub/partner/coffee", "coffee's report")
_EARNS = sa.text(
    "INSERT INTO transactions (id, kind, created_at, points, partner_id, order_id, issue_price)"
    " SELECT gen_random_uuid(), 'earn', :at, 10, 'coffee', 'O-' || n, 0.01"
    " FROM generate_series(1, :earns) AS n"
)


@pytest.fixture
def hub(pg_url: str) -> Iterator[bootstrap.Hub]:
    clock = ManualClock(datetime(2026, 11, 22, 10, tzinfo=UTC))
    wired = bootstrap.build(replace(settings_for(pg_url), fraud_checks=False), clock=clock)
    add_partner(wired, "coffee")
    with wired.engine.begin() as connection:
        at = datetime(2026, 11, 22, 12, tzinfo=UTC)
        connection.execute(_EARNS, {"at": at, "earns": MATCHING + 2 * PLANTED})
        connection.exec_driver_sql("ANALYZE transactions")
    clock.advance(datetime(2026, 11, 23, 0, 10, tzinfo=UTC) - clock.now())
    wired.settlement_api().run(RunSettlement(DAY, RUNNER))
    yield wired
    wired.close()


def report() -> bytes:
    lines = [f"earn,O-{n},,10" for n in range(1, MATCHING + 1)]
    lines += [f"earn,O-{MATCHING + n},,11" for n in range(1, PLANTED + 1)]
    lines += [f"earn,X-{n},,10" for n in range(1, PLANTED + 1)]
    return "\n".join(["kind,order_id,transaction_id,points", *lines]).encode()


def test_a_200000_line_report_is_matched_and_counted_whole(hub: bootstrap.Hub) -> None:
    started = time.perf_counter()
    view = hub.settlement_api().import_report(ImportReport(DAY, "coffee", report(), COFFEE))
    took_s = time.perf_counter() - started
    print(
        f"\n{MATCHING + 2 * PLANTED} report lines imported, matched and counted in {took_s:.2f} s"
    )

    assert view.matched == MATCHING
    assert view.page.counts == ExceptionCounts(PLANTED, PLANTED, PLANTED)
    assert view.page.showing == f"showing {3 * PLANTED} of {3 * PLANTED}"
    assert view.page.next_page_token == ""
    listed = hub.settlement_api().list_exceptions(ListExceptions(DAY, page_size=4))
    assert (len(listed.exceptions), listed.total) == (4, 3 * PLANTED)
    assert listed.showing == "showing 4 of 9"
