"""What a run's snapshot saw, by the ids of the database transactions that wrote the rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from settlement.model import NOTHING_SEEN, Snapshot

SNAPSHOT = Snapshot(xmin=100, xmax=110, running=(103, 107))


def test_a_snapshot_sees_rows_below_xmin_and_those_below_xmax_not_running() -> None:
    assert [xid for xid in range(98, 112) if SNAPSHOT.sees(xid)] == [
        98, 99, 100, 101, 102, 104, 105, 106, 108, 109
    ]  # fmt: skip


def test_rows_without_an_id_predate_snapshots_and_were_seen_by_every_run() -> None:
    assert SNAPSHOT.sees(None)
    assert NOTHING_SEEN.sees(None)


@given(st.integers(min_value=0, max_value=2**62))
def test_a_run_from_before_snapshots_were_recorded_saw_no_row_that_has_an_id(xid: int) -> None:
    assert not NOTHING_SEEN.sees(xid)
