"""``hub settle`` as officers and partners run it, in-process over a prepared database.

The day settled is 2026-01-10, long closed by the real clock the CLI uses. Its data is posted
through the Python API with a manual clock on that day:

  10:00  a member enrolls at coffee and earns EUR 100 there: 100 points at issue price 0.01
  11:00  fuel authorizes and captures 30 of them, at redemption price 0.009

So coffee pays 1.00 EUR, fuel receives 0.27 EUR, and the coalition keeps 0.73 EUR.
"""

from __future__ import annotations

import io
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.cli import main
from hub.domain.clock import ManualClock
from hub.domain.errors import SigningKeyMissing
from hub.services.commands import Attribution
from hub.services.results import SettlementRunView
from hub.services.schedule import SCHEDULER, nightly_settlement_thread, settle_due
from tests.conftest import KEYS_ENV, add_partner, settings_for
from tests.integration.helpers import authorize, capture, card, earn, enroll, row_counts

DAY = "2026-01-10"
DAY_START = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Scene:
    db: str
    earn_transaction_id: str
    earn_order_id: str


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub's keys, and no other HUB_ setting of the machine running the tests."""
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in KEYS_ENV.items():
        monkeypatch.setenv(name, value)


def prepare(url: str) -> Scene:
    # Earning and burning within the hour is what fraud checks hold; settlement is under test.
    wired = bootstrap.build(
        replace(settings_for(url), fraud_checks=False), clock=ManualClock(DAY_START)
    )
    try:
        upgrade(wired.engine)
        add_partner(wired, "coffee")
        add_partner(wired, "fuel")
        member = enroll(wired).member_id
        earned = earn(wired, member, 10_000, order_id="C-1")
        wired.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
        capture(wired, authorize(wired, member, 30, partner_id="fuel").hold_id, partner_id="fuel")
    finally:
        wired.close()
    return Scene(url, str(earned.transaction_id), "C-1")


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return prepare(f"sqlite:///{tmp_path}/hub.db")


def settle(capsys: pytest.CaptureFixture[str], db: str | None, *args: str) -> Ran:
    """``hub settle ARGS --db DB`` in this process."""
    code = main(["settle", *args, *(("--db", db) if db else ())])
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def ok(capsys: pytest.CaptureFixture[str], db: str | None, *args: str) -> str:
    ran = settle(capsys, db, *args)
    assert ran.code == 0, ran.err
    return ran.out


def refused(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> str:
    """It must fail with exit code 2 and one line saying why."""
    ran = settle(capsys, db, *args)
    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    return ran.err


def rows_of(scene: Scene) -> dict[str, int]:
    wired = bootstrap.build(settings_for(scene.db))
    try:
        return row_counts(wired)
    finally:
        wired.close()


# -- run and show ---------------------------------------------------------------------------


def test_run_settles_the_day_prints_its_progress_and_the_figures(scene, capsys):
    ran = settle(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    assert ran.code == 0, ran.err
    assert "netting" in ran.err
    assert "signing statements" in ran.err
    assert all(line.startswith("[") and " s] " in line for line in ran.err.splitlines())
    assert f"settlement {DAY}  ran  (EUR)" in ran.out
    assert "by cli:olga" in ran.out
    positions = ran.out.split("net positions:")[1].split("transfers:")[0]
    coffee = next(line for line in positions.splitlines() if line.startswith("coffee"))
    fuel = next(line for line in positions.splitlines() if line.startswith("fuel"))
    assert coffee.split() == ["coffee", "100", "1.00", "EUR", "0", "0.00", "EUR", "-1.00", "EUR"]
    assert fuel.split() == ["fuel", "0", "0.00", "EUR", "30", "0.27", "EUR", "0.27", "EUR"]
    matrix = ran.out.split("matrix")[1].split("net positions:")[0]
    assert "30 pts 0.27 EUR" in next(line for line in matrix.splitlines() if "coffee" in line)
    transfers = ran.out.split("transfers:")[1].split("margin:")[0].strip().splitlines()[2:]
    assert [line.split() for line in transfers] == [
        ["coffee", "coalition:clearing", "1.00", "EUR"],
        ["coalition:clearing", "fuel", "0.27", "EUR"],
    ]
    assert "margin: 0.73 EUR" in ran.out
    assert "open exceptions: 0" in ran.out


def test_running_a_settled_day_again_prints_the_same_run(scene, capsys):
    first = ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    again = ok(capsys, scene.db, "run", "--date", DAY, "--officer", "pavel")
    assert again == first


def test_show_prints_the_latest_run_and_its_signed_summary_as_json(scene, capsys):
    ran = ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    assert ok(capsys, scene.db, "show") == ran
    assert ok(capsys, scene.db, "show", "--date", DAY) == ran
    printed = ok(capsys, scene.db, "show", "--date", DAY, "--json")
    summary = json.loads(printed)
    assert (summary["business_date"], summary["margin_minor"]) == (DAY, 73)
    wired = bootstrap.build(settings_for(scene.db))
    try:
        stored = wired.settlement_api().get(date.fromisoformat(DAY))
    finally:
        wired.close()
    assert printed.encode() == stored.summary_json  # exactly the bytes its signature covers


def test_run_without_a_date_settles_the_latest_closed_day_then_nothing(scene, capsys):
    first = ok(capsys, scene.db, "run", "--officer", "olga")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert f"settlement {yesterday}  ran" in first
    assert "margin: 0.73 EUR" in first  # the first run settles everything before its cutoff
    assert ok(capsys, scene.db, "run") == (
        "nothing to settle: every closed business day is settled\n"
    )


def test_a_day_still_open_is_refused_and_nothing_is_written(scene, capsys):
    before = rows_of(scene)
    today = datetime.now(UTC).date().isoformat()
    assert "BUSINESS_DAY_OPEN" in refused(capsys, scene.db, "run", "--date", today)
    assert rows_of(scene) == before


def test_a_malformed_date_is_refused(scene, capsys):
    assert "INVALID_FIELD" in refused(capsys, scene.db, "run", "--date", "10/01/2026")


def test_show_of_an_unsettled_day_is_refused(scene, capsys):
    assert "SETTLEMENT_NOT_FOUND" in refused(capsys, scene.db, "show", "--date", DAY)


def test_run_without_the_signing_key_is_refused_and_nothing_is_written(scene, capsys, monkeypatch):
    monkeypatch.delenv("HUB_SIGNING_KEY")
    before = rows_of(scene)
    assert "SIGNING_KEY_MISSING" in refused(capsys, scene.db, "run", "--date", DAY)
    assert rows_of(scene) == before


# -- statements and signatures --------------------------------------------------------------


def test_statements_are_written_with_signatures_and_the_public_key(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    ok(capsys, scene.db, "statements", "--date", DAY, "--out", str(tmp_path / "out"))
    folder = tmp_path / "out" / DAY
    assert sorted(path.name for path in folder.iterdir()) == [
        "coffee.csv",
        "coffee.csv.sig",
        "coffee.json",
        "coffee.json.sig",
        "fuel.csv",
        "fuel.csv.sig",
        "fuel.json",
        "fuel.json.sig",
        "hub-signing-key.pem",
    ]
    assert (folder / "hub-signing-key.pem").read_text() == ok(capsys, None, "public-key")


def test_run_with_out_writes_the_statements_too(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--out", str(tmp_path))
    assert (tmp_path / DAY / "fuel.json.sig").is_file()


def test_a_statement_verifies_with_the_hub_key_and_with_the_partners_pem(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--out", str(tmp_path))
    statement = str(tmp_path / DAY / "coffee.csv")
    by_hub = ok(capsys, None, "verify", statement)
    assert by_hub.startswith("ok: signed by key ")
    pem = str(tmp_path / DAY / "hub-signing-key.pem")
    assert ok(capsys, None, "verify", statement, "--public-key", pem) == by_hub
    signature = str(tmp_path / DAY / "coffee.csv.sig")
    explicit = ok(capsys, None, "verify", statement, "--signature", signature)
    assert explicit == by_hub


def test_a_tampered_statement_fails_verification_with_exit_1(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--out", str(tmp_path))
    statement = tmp_path / DAY / "coffee.json"
    statement.write_bytes(statement.read_bytes().replace(b"100", b"101", 1))
    pem = str(tmp_path / DAY / "hub-signing-key.pem")
    ran = settle(capsys, None, "verify", str(statement), "--public-key", pem)
    assert ran.code == 1
    assert ran.err.startswith("hub: ")
    assert "signature does not match" in ran.err
    assert ran.out == ""


def test_a_statement_signed_by_another_key_fails_verification(scene, capsys, tmp_path, monkeypatch):
    ok(capsys, scene.db, "run", "--date", DAY, "--out", str(tmp_path))
    monkeypatch.setenv("HUB_SIGNING_KEY", "11" * 32)
    ran = settle(capsys, None, "verify", str(tmp_path / DAY / "fuel.csv"))
    assert ran.code == 1
    assert "signature does not match" in ran.err


def test_verify_without_a_signature_file_is_refused(capsys, tmp_path):
    statement = tmp_path / "coffee.csv"
    statement.write_bytes(b"section,counterparty\n")
    ran = settle(capsys, None, "verify", str(statement))
    assert ran.code == 2
    assert "cannot read the signature" in ran.err


def test_verify_with_a_file_that_is_no_public_key_is_refused(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--out", str(tmp_path))
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a key")
    ran = settle(
        capsys, None, "verify", str(tmp_path / DAY / "fuel.csv"), "--public-key", str(bogus)
    )
    assert ran.code == 2
    assert "is not a PEM public key" in ran.err


def test_public_key_without_the_signing_key_is_refused(capsys, monkeypatch):
    monkeypatch.delenv("HUB_SIGNING_KEY")
    ran = settle(capsys, None, "public-key")
    assert ran.code == 2
    assert "HUB_SIGNING_KEY" in ran.err


# -- liabilities ----------------------------------------------------------------------------


def test_liabilities_lists_the_points_outstanding_per_issuer(scene, capsys):
    ok(capsys, scene.db, "run", "--date", DAY)
    listed = ok(capsys, scene.db, "liabilities", "--date", DAY)
    assert f"outstanding points at the end of {DAY}" in listed
    coffee = next(line for line in listed.splitlines() if line.startswith("coffee"))
    assert coffee.split() == ["coffee", "70", "0.70", "EUR"]
    assert ok(capsys, scene.db, "liabilities") == listed


def test_liabilities_before_any_run_are_refused(scene, capsys):
    assert "SETTLEMENT_NOT_FOUND" in refused(capsys, scene.db, "liabilities")


# -- reconciliation and approval ------------------------------------------------------------


def report(tmp_path: Path, scene: Scene, *extra: str) -> str:
    path = tmp_path / "coffee-report.csv"
    lines = [
        "kind,order_id,transaction_id,points",
        f"earn,{scene.earn_order_id},{scene.earn_transaction_id},100",
        *extra,
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_matching_report_imports_with_no_exceptions_and_the_day_is_approved(
    scene, capsys, tmp_path
):
    ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    imported = ok(
        capsys, scene.db, "import", "--date", DAY, "--partner", "coffee", report(tmp_path, scene)
    )
    assert imported.startswith(f"coffee {DAY}: 1 matched, 0 exceptions")
    approved = ok(
        capsys, scene.db, "approve", "--date", DAY, "--note", "checked", "--officer", "pavel"
    )
    assert f"settlement {DAY}  approved" in approved
    assert any(
        line.startswith("approved ") and line.endswith(" by cli:pavel")
        for line in approved.splitlines()
    )


def test_an_exception_blocks_approval_until_accepted_and_the_runner_cannot_approve(
    scene, capsys, tmp_path
):
    ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    extra = "earn,C-999,,5"
    imported = ok(
        capsys,
        scene.db,
        "import",
        "--date",
        DAY,
        "--partner",
        "coffee",
        report(tmp_path, scene, extra),
    )
    assert "1 matched, 1 exceptions" in imported
    assert "missing_at_hub" in imported
    listed = ok(capsys, scene.db, "exceptions", "--date", DAY)
    exception_id = next(line for line in listed.splitlines() if "missing_at_hub" in line).split()[0]
    approve = ("approve", "--date", DAY, "--note", "ok", "--officer", "pavel")
    assert "EXCEPTIONS_OPEN" in refused(capsys, scene.db, *approve)
    accepted = ok(
        capsys, scene.db, "accept", exception_id, "--note", "test order", "--officer", "pavel"
    )
    assert "accepted by cli:pavel: test order" in accepted
    assert ok(capsys, scene.db, "exceptions", "--date", DAY).count("missing_at_hub") == 0
    assert "accepted" in ok(capsys, scene.db, "exceptions", "--date", DAY, "--all")
    same = ("approve", "--date", DAY, "--note", "ok", "--officer", "olga")
    assert "SAME_OFFICER" in refused(capsys, scene.db, *same)
    assert "approved" in ok(capsys, scene.db, *approve)


def test_a_report_is_read_from_standard_input(scene, capsys, tmp_path, monkeypatch):
    ok(capsys, scene.db, "run", "--date", DAY)
    data = Path(report(tmp_path, scene)).read_bytes()

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    imported = ok(capsys, scene.db, "import", "--date", DAY, "--partner", "coffee", "-")
    assert "1 matched, 0 exceptions" in imported


def test_a_bad_report_is_refused_and_nothing_is_written(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY)
    before = rows_of(scene)
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,points\nearn,1\n")
    command = ("import", "--date", DAY, "--partner", "coffee", str(bad))
    assert "INVALID_REPORT" in refused(capsys, scene.db, *command)
    assert rows_of(scene) == before


def test_a_report_file_that_cannot_be_read_is_refused(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY)
    missing = str(tmp_path / "missing.csv")
    command = ("import", "--date", DAY, "--partner", "coffee", missing)
    assert "cannot read" in refused(capsys, scene.db, *command)


# -- PostgreSQL -----------------------------------------------------------------------------


def test_run_show_and_approve_work_on_postgresql(pg_url, capsys, tmp_path):
    scene = prepare(pg_url)
    ran = ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga", "--out", str(tmp_path))
    assert "margin: 0.73 EUR" in ran
    assert ok(capsys, scene.db, "show", "--date", DAY) == ran
    assert ok(capsys, None, "verify", str(tmp_path / DAY / "coffee.json")).startswith("ok: ")
    approve = ("approve", "--date", DAY, "--note", "ok", "--officer", "pavel")
    approved = ok(capsys, scene.db, *approve).splitlines()
    assert approved[0] == f"settlement {DAY}  approved  (EUR)"
    assert any(line.startswith("approved ") and line.endswith(" by cli:pavel") for line in approved)


# -- the nightly schedule -------------------------------------------------------------------


def test_the_scheduler_settles_what_is_due_as_the_scheduler(scene):
    wired = bootstrap.build(settings_for(scene.db))
    try:
        settled = settle_due(wired.settlement_api().run_due)
        again = settle_due(wired.settlement_api().run_due)
        run = wired.settlement_api().liabilities(None).business_date
        assert wired.settlement_api().get(run).run_by == "system:scheduler"
    finally:
        wired.close()
    assert (settled, again) == (1, 0)


def test_the_scheduler_survives_a_failing_run_and_logs_it(caplog):
    calls: list[Attribution] = []

    def failing(by: Attribution) -> list[SettlementRunView]:
        calls.append(by)
        raise SigningKeyMissing("no key")

    with caplog.at_level(logging.ERROR, logger="hub.schedule"):
        assert settle_due(failing) == 0
    assert calls == [SCHEDULER]
    assert "nightly settlement failed" in caplog.text


def test_the_scheduler_thread_checks_at_start_and_again_until_stopped():
    checks: list[Attribution] = []

    def due(by: Attribution) -> list[SettlementRunView]:
        checks.append(by)
        if len(checks) == 1:
            raise RuntimeError("database away")
        return []

    thread = nightly_settlement_thread(due, interval_s=0.01)
    thread.start()
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while len(checks) < 3 and datetime.now(UTC) < deadline:
        thread.join(0.01)
    thread.stop()
    assert not thread.is_alive()
    assert len(checks) >= 3


def test_serve_with_the_nightly_settlement_refuses_to_start_without_the_signing_key(
    scene, capsys, monkeypatch
):
    monkeypatch.delenv("HUB_SIGNING_KEY")
    monkeypatch.setenv("HUB_SETTLEMENT_NIGHTLY", "true")
    code = main(["serve", "--insecure", "--listen", "127.0.0.1:0", "--db", scene.db])
    captured = capsys.readouterr()
    assert code == 2
    assert "SIGNING_KEY_MISSING" in captured.err
    assert "listening" not in captured.out


def test_exceptions_are_listed_a_page_at_a_time_saying_how_many_there_are(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY)
    extra = [f"earn,X-{n},,1" for n in range(5)]
    imported = ok(
        capsys,
        scene.db,
        "import",
        "--date",
        DAY,
        "--partner",
        "coffee",
        report(tmp_path, scene, *extra),
    )
    assert "1 matched, 5 exceptions (5 missing at the hub, 0 missing at the partner" in imported
    assert "showing 5 of 5 exceptions" in imported
    first = ok(capsys, scene.db, "exceptions", "--date", DAY, "--page-size", "2")
    assert "showing 2 of 5 exceptions" in first
    token = next(line for line in first.splitlines() if line.startswith("next page: "))
    second = ok(
        capsys, scene.db, "exceptions", "--date", DAY, "--page-size", "4", *token.split()[2:]
    )
    assert "showing 3 of 5 exceptions" in second
    assert "next page" not in second


def test_accept_all_takes_a_days_open_exceptions_of_a_kind_with_one_note(scene, capsys, tmp_path):
    ok(capsys, scene.db, "run", "--date", DAY, "--officer", "olga")
    extra = [f"earn,X-{n},,1" for n in range(3)]
    ok(
        capsys,
        scene.db,
        "import",
        "--date",
        DAY,
        "--partner",
        "coffee",
        report(tmp_path, scene, *extra),
    )
    accepted = ok(
        capsys,
        scene.db,
        "accept-all",
        "--date",
        DAY,
        "--partner",
        "coffee",
        "--kind",
        "missing_at_hub",
        "--note",
        "test lines",
        "--officer",
        "pavel",
    )
    assert f"3 open coffee missing_at_hub exceptions of {DAY} accepted by cli:pavel" in accepted
    assert "showing 0 of 0" in ok(capsys, scene.db, "exceptions", "--date", DAY)
    with pytest.raises(SystemExit):  # argparse: the note is required
        settle(capsys, scene.db, "accept-all", "--date", DAY)
    assert "--note" in capsys.readouterr().err
    approve = ("approve", "--date", DAY, "--note", "ok", "--officer", "pavel")
    assert "approved" in ok(capsys, scene.db, *approve)


def test_show_lists_the_operations_a_day_settled_late(scene, capsys):
    ok(capsys, scene.db, "run", "--date", DAY)
    # A replica whose clock lags stamps an earn into the day just settled.
    lagging = bootstrap.build(
        replace(settings_for(scene.db), fraud_checks=False),
        clock=ManualClock(DAY_START + timedelta(hours=13)),
    )
    try:
        earn(lagging, card(), 5_000, order_id="C-LATE")
    finally:
        lagging.close()
    next_day = (date.fromisoformat(DAY) + timedelta(days=1)).isoformat()
    shown = ok(capsys, scene.db, "run", "--date", next_day)

    assert "late operations (committed after their day was settled): 1" in shown
    [row] = [line for line in shown.splitlines() if "C-LATE" in line]
    assert row.split()[:2] == ["coffee", "earn"]
    assert row.split()[-1] == "50"
