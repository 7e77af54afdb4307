"""What a workload costs besides time: the hub's CPU, PostgreSQL's CPU and database round trips.

Read from outside both processes, so the hub runs exactly as it serves:

- hub CPU: ``utime + stime`` in ``/proc/<pid>/stat`` of every process listening on the hub's
  port (all of them when ``hub serve`` runs several), threads included;
- PostgreSQL CPU: the same counters of the backends serving those processes' connections,
  matched by client port in ``pg_stat_activity`` (only when PostgreSQL runs on this machine;
  background writers, WAL writer and autovacuum are not counted);
- round trips: ``data_segs_in`` in the kernel's TCP statistics (``ss -ti``) of the hub's
  connections to PostgreSQL, the answers PostgreSQL sent. A backend sends its answer when it
  has read all the hub sent and would wait for more (at a Sync, a simple query, a COMMIT), so
  each segment is one time the server waited on the hub: a lone ``BEGIN``, a statement, each
  Sync of a pipeline, a ``COMMIT``. (The hub's own segments would count a pipeline's sends,
  which psycopg flushes one by one without waiting.) An answer over one segment (32 KB on
  loopback) counts more than once; a connection opened in the window counts its startup, one
  closed in the window loses its count; the hub's background threads (cache refresh, sweeper)
  count too.

Every figure is per operation over the measured window, so in-flight calls at its edges blur
it slightly; a figure that cannot be measured is ``None`` with the reason in ``unmeasured``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from hub.adapters.database import create_engine

FIGURES = ("server_cpu_ms_per_op", "db_cpu_ms_per_op", "db_round_trips_per_op")
POSTGRES_PORT_DEFAULT = 5432
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MS_PER_TICK = 1000 / os.sysconf("SC_CLK_TCK")
SS_TIMEOUT_S = 10
_PID = re.compile(r"pid=(\d+)")
_SEGMENTS_IN = re.compile(r"\bdata_segs_in:(\d+)")
_LOCAL_PORT = re.compile(r":(\d+)$")
_BACKENDS = sa.text(
    "SELECT client_port, pid FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_type = 'client backend' "
    "AND pid <> pg_backend_pid() AND client_port IS NOT NULL"
)


@dataclass(frozen=True)
class Snapshot:
    """Counters at one instant: CPU ticks of the hub and of each backend, and segments each of
    the hub's database connections (by client port) has received."""

    hub_ticks: int
    backend_ticks: Mapping[int, int] = field(default_factory=dict)
    segments: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    server_cpu_ms_per_op: float | None
    db_cpu_ms_per_op: float | None
    db_round_trips_per_op: float | None


def cpu_ticks(pid: int) -> int:
    """``utime + stime`` of a process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # Fields after the command name, which may hold spaces, sit after its closing parenthesis.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _ss(*arguments: str) -> str:
    # iproute2's ss from PATH, with arguments from this module only.
    done = subprocess.run(  # noqa: S603
        ["ss", "-H", *arguments],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=SS_TIMEOUT_S,
        check=True,
    )
    return done.stdout


def listening_pids(port: int) -> frozenset[int]:
    """Every process holding the TCP listening socket on ``port``."""
    return frozenset(int(pid) for pid in _PID.findall(_ss("-ltnp", f"sport = :{port}")))


def connection_segments(pids: Iterable[int], database_port: int) -> dict[int, int]:
    """Client port -> data segments received, for each connection ``pids`` hold to
    ``database_port``.

    ``ss -i`` prints each socket on one line and its TCP statistics on the next."""
    wanted = set(pids)
    lines = _ss("-tinp", "state", "established", f"dport = :{database_port}").splitlines()
    segments: dict[int, int] = {}
    for socket_line, info_line in zip(lines[::2], lines[1::2], strict=False):
        owners = {int(pid) for pid in _PID.findall(socket_line)}
        local = _LOCAL_PORT.search(socket_line.split()[2])
        received = _SEGMENTS_IN.search(info_line)
        if owners & wanted and local:
            segments[int(local.group(1))] = int(received.group(1)) if received else 0
    return segments


class Meter:
    """Takes snapshots of the hub at ``hub_port`` and of its database, and turns two of them
    into a ``Usage`` per operation."""

    def __init__(self, hub_port: int, database_url: str) -> None:
        self._hub_port = hub_port
        self._url = make_url(database_url)
        self.unmeasured = _unmeasured(self._url)
        self._engine: sa.Engine | None = None
        if "db_cpu_ms_per_op" not in self.unmeasured:
            self._engine = create_engine(database_url, pool_size=1)

    @property
    def _database_port(self) -> int:
        return self._url.port or POSTGRES_PORT_DEFAULT

    def snapshot(self) -> Snapshot:
        if "server_cpu_ms_per_op" in self.unmeasured:
            return Snapshot(0)
        pids = listening_pids(self._hub_port)
        hub_ticks = sum(cpu_ticks(pid) for pid in pids)
        if "db_round_trips_per_op" in self.unmeasured:
            return Snapshot(hub_ticks)
        segments = connection_segments(pids, self._database_port)
        backend_ticks: dict[int, int] = {}
        if self._engine is not None:
            with self._engine.connect() as connection:
                backends: dict[int, int] = dict(connection.execute(_BACKENDS).tuples().all())
            backend_ticks = {
                pid: cpu_ticks(pid) for port, pid in backends.items() if port in segments
            }
        return Snapshot(hub_ticks, backend_ticks, segments)

    def usage(self, before: Snapshot, after: Snapshot, operations: int) -> Usage:
        if operations == 0:
            return Usage(None, None, None)
        db_ticks = _growth(before.backend_ticks, after.backend_ticks)
        round_trips = _growth(before.segments, after.segments)
        return Usage(
            server_cpu_ms_per_op=self._measured(
                "server_cpu_ms_per_op",
                (after.hub_ticks - before.hub_ticks) * MS_PER_TICK,
                operations,
            ),
            db_cpu_ms_per_op=self._measured("db_cpu_ms_per_op", db_ticks * MS_PER_TICK, operations),
            db_round_trips_per_op=self._measured("db_round_trips_per_op", round_trips, operations),
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _measured(self, name: str, total: float, operations: int) -> float | None:
        return None if name in self.unmeasured else _per_op(total, operations)


def _unmeasured(url: URL) -> dict[str, str]:
    """Figure -> why this machine and database cannot give it; empty when all can be measured."""
    if shutil.which("ss") is None or not Path("/proc/self/stat").exists():
        return dict.fromkeys(FIGURES, "needs Linux's /proc and iproute2's ss")
    if url.get_backend_name() != "postgresql":
        return {
            "db_cpu_ms_per_op": "SQLite runs inside the hub process: its CPU is in "
            "server_cpu_ms_per_op",
            "db_round_trips_per_op": "SQLite has no round trips",
        }
    if url.query.get("host") or not url.host:
        # Both figures find the hub's connections by their TCP ports.
        reason = "the hub reaches PostgreSQL over a Unix socket, not TCP"
        return dict.fromkeys(("db_cpu_ms_per_op", "db_round_trips_per_op"), reason)
    if url.host not in LOCAL_HOSTS:
        return {"db_cpu_ms_per_op": "PostgreSQL is not on this machine"}
    return {}


def _growth(before: Mapping[int, int], after: Mapping[int, int]) -> int:
    """How much the counters grew, a counter first seen ``after`` counting from zero."""
    return sum(value - before.get(key, 0) for key, value in after.items())


def _per_op(total: float, operations: int) -> float:
    return round(total / operations, 3)
