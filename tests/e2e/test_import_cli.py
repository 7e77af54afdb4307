"""``hub import members`` as an operator runs it: a real process with the database and the
identifier key, a report of refused rows with their lines, a SQLite hub refused, and an import
killed mid-way that the same command resumes without importing anyone twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import imported_members, members
from hub.domain.clock import ManualClock
from hub.services.commands import Attribution, RunSettlement
from settlement.model import Valued
from tests.conftest import KEYS_ENV, add_partner, rates, settings_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
CRASH_ROWS = 5_000
CRASH_CHUNK_ROWS = 5
CHUNKS_BEFORE_THE_KILL = 3


def hub_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub", *args]


def environment(extra: Mapping[str, str] = {}) -> dict[str, str]:
    return os.environ | dict(KEYS_ENV) | dict(extra)


def hub_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        hub_command(*args), capture_output=True, text=True, env=environment(), timeout=120
    )


@pytest.fixture
def db(pg_url: str) -> str:
    hub = bootstrap.build(settings_for(pg_url))
    try:
        add_partner(hub, "grocer", rates=rates(issue="0.02"))
    finally:
        hub.close()
    return pg_url


def write_csv(path: Path, rows: int) -> Path:
    lines = ["external_id,card,opening_points"]
    lines += [f"m-{n},{4_000_000_000_000_000 + n},{n % 100}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_import_prints_what_it_did_and_reports_refused_rows_with_their_lines(
    db: str, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text(
        "external_id,card,opening_points\n"
        "a,4000000000000001,10\n"
        'b,"4000000000000002"x,5\n'
        "c,4000000000000003,-1\n"
        "d,4000000000000004,20\n"
    )
    report = tmp_path / "refused.csv"

    done = hub_cli("import", "members", "grocer", str(source), "--report", str(report), "--db", db)

    assert done.returncode == 0, done.stderr
    assert "imported 2 members with 30 points" in done.stdout
    [progress] = done.stderr.splitlines()
    assert "import members: rows 4/4 rows (100%)" in progress
    assert progress.endswith("2 imported, 2 refused")
    assert f"refused 2 rows: {report}" in done.stdout
    assert report.read_text().splitlines() == [
        "line,reason",
        "3,malformed: a quote out of place",
        "4,opening_points: negative",
    ]
    assert "4000000000000001" not in done.stdout + done.stderr + report.read_text()


def test_stop_on_error_stops_at_the_first_refused_row_with_its_line(
    db: str, tmp_path: Path
) -> None:
    source = tmp_path / "members.csv"
    source.write_text(
        "external_id,card,opening_points\na,4000000000000001,10\nb,12,5\nc,4000000000000003,1\n"
    )

    stopped = hub_cli("import", "members", "grocer", str(source), "--on-error", "stop", "--db", db)

    assert stopped.returncode == 1
    assert "imported 1 members with 10 points" in stopped.stdout
    assert "stopped at line 3: card: a card must be 8 to 19 digits" in stopped.stderr
    report = tmp_path / "members.csv.refused.csv"
    assert report.read_text().splitlines() == [
        "line,reason",
        "3,card: a card must be 8 to 19 digits",
    ]


def test_a_sqlite_hub_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/hub.db"
    assert hub_cli("migrate", "--db", db).returncode == 0
    source = write_csv(tmp_path / "members.csv", 1)

    refused = hub_cli("import", "members", "grocer", str(source), "--db", db)

    assert refused.returncode == 2
    assert "bulk import writes through PostgreSQL COPY" in refused.stderr


def test_an_import_killed_mid_way_resumes_and_imports_every_member_once(
    db: str, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "members.csv", CRASH_ROWS)
    command = hub_command(
        "import", "members", "grocer", str(source), "--chunk-rows", str(CRASH_CHUNK_ROWS),
        "--db", db,
    )  # fmt: skip
    child = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment()
    )
    assert child.stderr is not None
    # Each progress line is printed after its chunk committed (a line at each tenth).
    for _ in range(CHUNKS_BEFORE_THE_KILL):
        assert " s] import members: rows " in child.stderr.readline()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)

    resumed = hub_cli(*command[3:])

    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at line" in resumed.stdout
    expected_points = sum(n % 100 for n in range(CRASH_ROWS))
    assert f"imported {CRASH_ROWS} members with {expected_points} points" in resumed.stdout
    assert _counts(db) == (CRASH_ROWS, CRASH_ROWS)
    verified = hub_cli("ledger", "verify", "--db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _issued_today(db) == Valued(expected_points, 2 * expected_points)


def _counts(db: str) -> tuple[int, int]:
    engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            count = sa.select(sa.func.count(sa.distinct(imported_members.c.external_id)))
            distinct = connection.execute(count).scalar_one()
            total = connection.execute(sa.select(sa.func.count()).select_from(members)).scalar_one()
        return int(distinct), int(total)
    finally:
        engine.dispose()


def _issued_today(db: str) -> Valued:
    """The grocer's issue in the settlement of the day the import ran, settled the next day."""
    probe = bootstrap.build(settings_for(db))
    today = probe.clock.now().astimezone(probe.zone).date()
    tomorrow = probe.clock.now() + timedelta(days=1)
    probe.close()
    hub = bootstrap.build(settings_for(db), clock=ManualClock(tomorrow))
    try:
        view = hub.settlement_api().run(RunSettlement(today, OFFICER))
        return view.settlement.partner("grocer").issued_partner_funded
    finally:
        hub.close()
