"""Which rows a settlement run settles, as SQL: those stamped in its window, and those stamped
before it that the previous run's snapshot did not see (late: a slow commit, or a replica whose
clock lags). Shared by the run's sums and by reconciliation, which matches a partner's report
against exactly what the run settled.

A snapshot is bound as three parameters per name: ``{name}_xmin``, ``{name}_xmax`` and
``{name}_running`` (a text list), over the ``xid`` columns of transactions, lots and lot
movements (a movement's is its transaction's).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from settlement.model import Snapshot

PREVIOUS = "previous"
"""The previous run's snapshot: what it could not see is late in this one."""
THIS_RUN = "this_run"
"""The run's own snapshot: what committed after it read is left to the next run."""

_Column = sa.ColumnElement[Any]

SAW_EVERYTHING = Snapshot(2**63 - 1, 2**63 - 1)
"""Bound as the previous snapshot of a first run, which has no late rows: the planner then
sees that no row is unseen, rather than every row."""


def _bound(name: str) -> tuple[sa.BindParameter[Any], sa.BindParameter[Any], _Column]:
    return (
        sa.bindparam(f"{name}_xmin", type_=sa.BigInteger()),
        sa.bindparam(f"{name}_xmax", type_=sa.BigInteger()),
        sa.bindparam(f"{name}_running", type_=sa.String()),
    )


def _running(xid: _Column, running: _Column) -> sa.ColumnElement[bool]:
    # A list bound as ",id,id," (statements are compiled once, without their values; an IN of
    # a varying length could not be), tested only for the few ids between xmin and xmax.
    return running.contains("," + sa.cast(xid, sa.String()) + ",", autoescape=False)


def unseen(xid: _Column, name: str) -> sa.ColumnElement[bool]:
    """Written by a transaction the snapshot ``name`` did not see (false for a NULL xid)."""
    xmin, xmax, running = _bound(name)
    return sa.and_(xid >= xmin, sa.or_(xid >= xmax, _running(xid, running)))


def seen(xid: _Column, name: str) -> sa.ColumnElement[bool]:
    """Visible to the snapshot ``name``: rows without an xid predate snapshots and were."""
    xmin, xmax, running = _bound(name)
    return sa.or_(xid.is_(None), xid < xmin, sa.and_(xid < xmax, ~_running(xid, running)))


def settled_here(
    created_at: _Column, xid: _Column, start: sa.BindParameter[Any], end: sa.BindParameter[Any]
) -> sa.ColumnElement[bool]:
    """In the window [start, end), or stamped before it and unseen by the previous run."""
    in_window = sa.and_(created_at >= start, created_at < end)
    return sa.or_(in_window, sa.and_(created_at < start, unseen(xid, PREVIOUS)))


def snapshot_params(name: str, snapshot: Snapshot) -> dict[str, object]:
    return {
        f"{name}_xmin": snapshot.xmin,
        f"{name}_xmax": snapshot.xmax,
        f"{name}_running": f",{running_text(snapshot.running)},",
    }


def running_text(running: tuple[int, ...]) -> str:
    """How a snapshot's running ids are stored: comma-separated, ascending."""
    return ",".join(str(xid) for xid in sorted(running))


def running_from(text: str) -> tuple[int, ...]:
    return tuple(int(xid) for xid in text.split(",") if xid)
