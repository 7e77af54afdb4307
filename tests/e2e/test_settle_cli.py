"""``hub settle`` as officers run it: at their desks, with their own certificates, through a
real mTLS hub (``tests/e2e/staff.py``), with no database URL or key in their environment.

The day settled is 2026-01-10, long closed by the real clock the hub under test uses. Its data
is posted through the Python API with a manual clock on that day:

  10:00  a member enrolls at coffee and earns EUR 100 there: 100 points at issue price 0.01
  11:00  fuel authorizes and captures 30 of them, at redemption price 0.009

So coffee pays 1.00 EUR, fuel receives 0.27 EUR, and the coalition keeps 0.73 EUR.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
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
from settlement.signing import StatementSigner
from tests.conftest import KEYS_ENV, add_partner, settings_for
from tests.e2e.staff import OLGA, PAT, StaffDesk
from tests.integration.helpers import authorize, capture, card, earn, enroll, row_counts

DAY = "2026-01-10"
DAY_START = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
OLGA_BY = "by olga (officer)"
PAT_BY = "by pat (officer)"


@dataclass(frozen=True)
class Scene:
    db: str
    earn_transaction_id: str
    earn_order_id: str


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub's keys (the hub and the operator's `hub settle-due` read them), and no other HUB_
    setting of the machine running the tests; staff commands run without any of them."""
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


def open_desk(scene: Scene, tmp_path: Path, **settings: object) -> Iterator[StaffDesk]:
    """The hub of ``scene`` serving mTLS on the real clock, and officers at their desks."""
    wired = bootstrap.build(replace(settings_for(scene.db), fraud_checks=False, **settings))
    desk = StaffDesk.open(wired, tmp_path)
    try:
        yield desk
    finally:
        desk.close()
        wired.close()


@pytest.fixture
def desk(scene: Scene, tmp_path: Path) -> Iterator[StaffDesk]:
    yield from open_desk(scene, tmp_path)


def ok(desk: StaffDesk, *args: str, person=OLGA) -> str:
    """``hub settle ... --wide``: whole ids and cells, to compare with what the hub holds."""
    ran = desk.run(person, "settle", *args, "--wide")
    assert ran.code == 0, ran.err
    return ran.out


def refused(desk: StaffDesk, *args: str, person=OLGA) -> str:
    """It must fail with exit code 2 and one line saying why."""
    ran = desk.run(person, "settle", *args)
    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    return ran.err


def rows_of(desk: StaffDesk) -> dict[str, int]:
    return row_counts(desk.hub)


# -- run and show ---------------------------------------------------------------------------


def test_run_settles_the_day_prints_its_progress_and_the_figures(desk):
    ran = desk.run(OLGA, "settle", "run", "--date", DAY)
    assert ran.code == 0, ran.err
    assert f"settled {DAY} on the hub" in ran.err
    assert "settle run: settling days 1/1 days (100%)" in ran.err
    assert all(line.startswith("[") and " s] " in line for line in ran.err.splitlines())
    # The figures alone on standard output, the same without the progress.
    quiet = desk.run(OLGA, "settle", "run", "--date", DAY, "--no-progress")
    assert (quiet.code, quiet.out, quiet.err) == (0, ran.out, "")
    assert f"settlement {DAY}  ran  (EUR)" in ran.out
    assert OLGA_BY in ran.out
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
    assert "no report from: coffee, fuel" in ran.out


def test_running_a_settled_day_again_prints_the_same_run(desk):
    first = ok(desk, "run", "--date", DAY)
    again = ok(desk, "run", "--date", DAY, person=PAT)
    assert again == first


def test_show_prints_the_latest_run_and_its_signed_summary_as_json(desk):
    ran = ok(desk, "run", "--date", DAY)
    assert ok(desk, "show") == ran
    assert ok(desk, "show", "--date", DAY, person=PAT) == ran
    printed = ok(desk, "show", "--date", DAY, "--json")
    summary = json.loads(printed)
    assert (summary["business_date"], summary["margin_minor"]) == (DAY, 73)
    stored = desk.hub.settlement_api().get(date.fromisoformat(DAY))
    assert printed.encode() == stored.summary_json  # exactly the bytes its signature covers


def test_run_without_a_date_settles_the_latest_closed_day_then_nothing(desk):
    first = ok(desk, "run")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert f"settlement {yesterday}  ran" in first
    assert "margin: 0.73 EUR" in first  # the first run settles everything before its cutoff
    assert ok(desk, "run") == "nothing to settle: every closed business day is settled\n"


def test_run_without_a_date_settles_every_day_due_oldest_first(desk):
    ok(desk, "run", "--date", DAY)
    ran = ok(desk, "run", person=PAT)
    settled = [line.split()[1] for line in ran.splitlines() if line.startswith("settlement ")]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    first = date.fromisoformat(DAY) + timedelta(days=1)
    assert settled == [
        (first + timedelta(days=n)).isoformat() for n in range((yesterday - first).days + 1)
    ]


def test_a_day_still_open_is_refused_and_nothing_is_written(desk):
    desk.profile(OLGA)
    before = rows_of(desk)
    today = datetime.now(UTC).date().isoformat()
    assert "BUSINESS_DAY_OPEN" in refused(desk, "run", "--date", today)
    assert rows_of(desk) == before


def test_a_malformed_date_is_refused(desk):
    assert "INVALID_FIELD" in refused(desk, "run", "--date", "10/01/2026")


def test_show_of_an_unsettled_day_is_refused(desk):
    assert "SETTLEMENT_NOT_FOUND" in refused(desk, "show", "--date", DAY)


def test_run_on_a_hub_without_the_signing_key_is_refused_and_nothing_is_written(scene, tmp_path):
    for keyless in open_desk(scene, tmp_path, signing_key_hex=None):
        keyless.profile(OLGA)
        before = rows_of(keyless)
        assert "SIGNING_KEY_MISSING" in refused(keyless, "run", "--date", DAY)
        assert rows_of(keyless) == before


# -- no database, no keys: a certificate ----------------------------------------------------


def test_settle_needs_no_database_url_or_key_only_the_persons_certificate(desk, monkeypatch):
    # The desk runs each command with every HUB_ setting out of its environment.
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://nowhere.invalid/none")
    ok(desk, "run", "--date", DAY)
    assert os.environ["HUB_DATABASE_URL"] == "postgresql://nowhere.invalid/none"
    assert "margin: 0.73 EUR" in ok(desk, "show", person=PAT)


def test_settle_without_a_certificate_or_profile_says_so_in_one_line(capsys, monkeypatch):
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    code = main(["settle", "show", "--date", DAY])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert "your certificate" in line
    assert "--profile" in line


def test_the_officers_run_takes_no_database_url(desk):
    with pytest.raises(SystemExit):  # argparse: no such option
        desk.run(OLGA, "settle", "run", "--date", DAY, "--db", "sqlite:///x.db")


# -- statements and signatures --------------------------------------------------------------


def test_statements_are_written_with_signatures_and_the_public_key(desk, tmp_path):
    ok(desk, "run", "--date", DAY)
    ok(desk, "statements", "--date", DAY, "--out", str(tmp_path / "out"), person=PAT)
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
    assert (folder / "hub-signing-key.pem").read_text() == ok(desk, "public-key")


def test_run_with_out_writes_the_statements_too(desk, tmp_path):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    assert (tmp_path / DAY / "fuel.json.sig").is_file()


def test_a_statement_verifies_with_the_hubs_key_and_with_the_partners_pem(desk, tmp_path):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    statement = str(tmp_path / DAY / "coffee.csv")
    by_hub = ok(desk, "verify", statement)
    assert by_hub.startswith("ok: signed by key ")
    pem = str(tmp_path / DAY / "hub-signing-key.pem")
    assert ok(desk, "verify", statement, "--public-key", pem) == by_hub
    signature = str(tmp_path / DAY / "coffee.csv.sig")
    assert ok(desk, "verify", statement, "--signature", signature) == by_hub


def test_a_statement_verifies_with_a_pem_file_and_no_hub_at_all(desk, tmp_path, capsys):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    # No profile, no certificate, no HUB_ setting: nothing to reach a hub with.
    statement, pem = tmp_path / DAY / "fuel.json", tmp_path / DAY / "hub-signing-key.pem"
    code = main(["settle", "verify", str(statement), "--public-key", str(pem)])
    assert code == 0
    assert capsys.readouterr().out.startswith("ok: signed by key ")


def test_a_tampered_statement_fails_verification_with_exit_1(desk, tmp_path):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    statement = tmp_path / DAY / "coffee.json"
    statement.write_bytes(statement.read_bytes().replace(b"100", b"101", 1))
    pem = str(tmp_path / DAY / "hub-signing-key.pem")
    ran = desk.run(OLGA, "settle", "verify", str(statement), "--public-key", pem)
    assert ran.code == 1
    assert ran.err.startswith("hub: ")
    assert "signature does not match" in ran.err
    assert ran.out == ""


def test_a_statement_signed_by_another_key_fails_verification(desk, tmp_path):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    other = tmp_path / "other.pem"
    other.write_bytes(StatementSigner(bytes.fromhex("11" * 32)).public_key_pem)
    ran = desk.run(
        OLGA, "settle", "verify", str(tmp_path / DAY / "fuel.csv"), "--public-key", str(other)
    )
    assert ran.code == 1
    assert "signature does not match" in ran.err


def test_verify_without_a_signature_file_is_refused(desk, tmp_path):
    statement = tmp_path / "coffee.csv"
    statement.write_bytes(b"section,counterparty\n")
    assert "cannot read the signature" in refused(desk, "verify", str(statement))


def test_verify_with_a_file_that_is_no_public_key_is_refused(desk, tmp_path):
    ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a key")
    statement = str(tmp_path / DAY / "fuel.csv")
    assert "is not a PEM public key" in refused(
        desk, "verify", statement, "--public-key", str(bogus)
    )


def test_public_key_of_a_hub_without_the_signing_key_is_refused(scene, tmp_path):
    for keyless in open_desk(scene, tmp_path, signing_key_hex=None):
        assert "SIGNING_KEY_MISSING" in refused(keyless, "public-key")


# -- liabilities ----------------------------------------------------------------------------


def test_liabilities_lists_the_points_outstanding_per_issuer(desk):
    ok(desk, "run", "--date", DAY)
    listed = ok(desk, "liabilities", "--date", DAY)
    assert f"outstanding points at the end of {DAY}" in listed
    coffee = next(line for line in listed.splitlines() if line.startswith("coffee"))
    assert coffee.split() == ["coffee", "70", "0.70", "EUR"]
    assert ok(desk, "liabilities") == listed


def test_liabilities_before_any_run_are_refused(desk):
    assert "SETTLEMENT_NOT_FOUND" in refused(desk, "liabilities")


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


def import_report(desk: StaffDesk, scene: Scene, tmp_path: Path, *extra: str) -> str:
    return ok(desk, "import", "--date", DAY, "--partner", "coffee", report(tmp_path, scene, *extra))


def test_a_matching_report_imports_with_no_exceptions_and_the_day_is_approved(
    desk, scene, tmp_path
):
    ok(desk, "run", "--date", DAY)
    imported = import_report(desk, scene, tmp_path)
    assert imported.startswith(f"coffee {DAY}: 1 matched, 0 exceptions")
    approved = ok(desk, "approve", "--date", DAY, "--note", "checked", person=PAT)
    assert f"settlement {DAY}  approved" in approved
    assert any(
        line.startswith("approved ") and line.endswith(PAT_BY) for line in approved.splitlines()
    )


def test_an_exception_blocks_approval_until_accepted_and_the_runner_cannot_approve(
    desk, scene, tmp_path
):
    ok(desk, "run", "--date", DAY)
    imported = import_report(desk, scene, tmp_path, "earn,C-999,,5")
    assert "1 matched, 1 exceptions" in imported
    assert "missing_at_hub" in imported
    listed = ok(desk, "exceptions", "--date", DAY)
    exception_id = next(line for line in listed.splitlines() if "missing_at_hub" in line).split()[0]
    approve = ("approve", "--date", DAY, "--note", "ok")
    assert "EXCEPTIONS_OPEN" in refused(desk, *approve, person=PAT)
    accepted = ok(desk, "accept", exception_id, "--note", "test order", person=PAT)
    assert f"accepted {PAT_BY}: test order" in accepted
    assert ok(desk, "exceptions", "--date", DAY).count("missing_at_hub") == 0
    assert "accepted" in ok(desk, "exceptions", "--date", DAY, "--all")
    assert "SAME_OFFICER" in refused(desk, *approve)
    assert "approved" in ok(desk, *approve, person=PAT)


def test_a_report_is_read_from_standard_input(desk, scene, tmp_path, monkeypatch):
    ok(desk, "run", "--date", DAY)
    data = Path(report(tmp_path, scene)).read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    imported = ok(desk, "import", "--date", DAY, "--partner", "coffee", "-")
    assert "1 matched, 0 exceptions" in imported


def test_a_bad_report_is_refused_and_nothing_is_written(desk, tmp_path):
    ok(desk, "run", "--date", DAY)
    before = rows_of(desk)
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,points\nearn,1\n")
    command = ("import", "--date", DAY, "--partner", "coffee", str(bad))
    assert "INVALID_REPORT" in refused(desk, *command)
    assert rows_of(desk) == before


def test_a_report_file_that_cannot_be_read_is_refused(desk, tmp_path):
    ok(desk, "run", "--date", DAY)
    missing = str(tmp_path / "missing.csv")
    assert "cannot read" in refused(desk, "import", "--date", DAY, "--partner", "coffee", missing)


def test_exceptions_are_listed_a_page_at_a_time_saying_how_many_there_are(desk, scene, tmp_path):
    ok(desk, "run", "--date", DAY)
    imported = import_report(desk, scene, tmp_path, *(f"earn,X-{n},,1" for n in range(5)))
    assert "1 matched, 5 exceptions (5 missing at the hub, 0 missing at the partner" in imported
    assert "showing 5 of 5 exceptions" in imported
    first = ok(desk, "exceptions", "--date", DAY, "--page-size", "2")
    assert "showing 2 of 5 exceptions" in first
    token = next(line for line in first.splitlines() if line.startswith("next page: "))
    second = ok(desk, "exceptions", "--date", DAY, "--page-size", "4", *token.split()[2:])
    assert "showing 3 of 5 exceptions" in second
    assert "next page" not in second


def test_exceptions_are_filtered_by_kind_and_partner_with_their_true_counts(desk, scene, tmp_path):
    ok(desk, "run", "--date", DAY)
    # Two lines the hub never saw, and the earn reported with the wrong points.
    path = tmp_path / "report.csv"
    path.write_text(
        "kind,order_id,transaction_id,points\n"
        f"earn,{scene.earn_order_id},{scene.earn_transaction_id},99\n"
        "earn,X-1,,1\nearn,X-2,,1\n"
    )
    ok(desk, "import", "--date", DAY, "--partner", "coffee", str(path))
    missing = ok(desk, "exceptions", "--date", DAY, "--kind", "missing_at_hub", "--page-size", "1")
    assert "showing 1 of 2 exceptions" in missing
    assert "2 missing at the hub, 0 missing at the partner, 0 amount mismatches" in missing
    assert "amount_mismatch" not in missing
    mismatched = ok(desk, "exceptions", "--date", DAY, "--kind", "amount_mismatch")
    assert "showing 1 of 1 exceptions" in mismatched
    assert "0 missing at the hub, 0 missing at the partner, 1 amount mismatches" in mismatched
    of_fuel = ok(desk, "exceptions", "--date", DAY, "--partner", "fuel")
    assert "showing 0 of 0 exceptions" in of_fuel


def test_accept_all_takes_a_days_open_exceptions_of_a_kind_with_one_note(desk, scene, tmp_path):
    ok(desk, "run", "--date", DAY)
    import_report(desk, scene, tmp_path, *(f"earn,X-{n},,1" for n in range(3)))
    accepted = ok(
        desk,
        "accept-all",
        "--date",
        DAY,
        "--partner",
        "coffee",
        "--kind",
        "missing_at_hub",
        "--note",
        "test lines",
        person=PAT,
    )
    assert f"3 open coffee missing_at_hub exceptions of {DAY} accepted {PAT_BY}" in accepted
    assert "showing 0 of 0" in ok(desk, "exceptions", "--date", DAY)
    with pytest.raises(SystemExit):  # argparse: the note is required
        desk.run(PAT, "settle", "accept-all", "--date", DAY)
    assert "approved" in ok(desk, "approve", "--date", DAY, "--note", "ok", person=PAT)


def test_show_lists_the_operations_a_day_settled_late(desk, scene):
    ok(desk, "run", "--date", DAY)
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
    shown = ok(desk, "run", "--date", next_day)

    assert "late operations (committed after their day was settled): 1" in shown
    [row] = [line for line in shown.splitlines() if "C-LATE" in line]
    assert row.split()[:2] == ["coffee", "earn"]
    assert row.split()[-1] == "50"


# -- the night board ------------------------------------------------------------------------


def board_line(board: str, day: str) -> list[str]:
    return next(line for line in board.splitlines() if line.startswith(day)).split()


def test_days_shows_each_days_state_and_who_ran_accepted_and_approved_it(desk, scene, tmp_path):
    next_day = (date.fromisoformat(DAY) + timedelta(days=1)).isoformat()
    assert board_line(ok(desk, "days"), (datetime.now(UTC) - timedelta(days=1)).date().isoformat())[
        1:3
    ] == ["not", "run"]
    ok(desk, "run", "--date", DAY)
    ok(desk, "run", "--date", next_day, person=PAT)
    import_report(desk, scene, tmp_path, "earn,X-1,,1")
    board = ok(desk, "days", "--page-size", "366")
    assert board_line(board, DAY)[1:6] == ["ran", "1", "0", "1/2", "olga"]
    ok(desk, "accept-all", "--date", DAY, "--note", "test line", person=PAT)
    fuel = tmp_path / "fuel.csv"
    fuel.write_text("kind,order_id,transaction_id,points\n")
    ok(desk, "import", "--date", DAY, "--partner", "fuel", str(fuel))
    fuel_line = next(
        line
        for line in ok(desk, "exceptions", "--date", DAY, "--all").splitlines()
        if "fuel" in line
    )
    assert "missing_at_partner" in fuel_line  # the capture fuel did not report
    ok(desk, "accept-all", "--date", DAY, "--partner", "fuel", "--note", "late till", person=PAT)
    assert board_line(ok(desk, "days", "--page-size", "366"), DAY)[1] == "reconciled"
    ok(desk, "approve", "--date", DAY, "--note", "checked", person=PAT)
    line = board_line(ok(desk, "days", "--page-size", "366"), DAY)
    assert line[1:5] == ["approved", "0", "2", "2/2"]
    assert line[5:9] == ["olga", "(officer)", "pat", "(officer)"]
    assert " ".join(line[9:]) == "pat (officer): 2"
    assert board_line(ok(desk, "days", "--page-size", "366"), next_day)[1:2] == ["ran"]


def test_days_are_listed_a_page_at_a_time_newest_first(desk):
    ok(desk, "run", "--date", DAY)
    first = ok(desk, "days", "--page-size", "2")
    days = [line.split()[0] for line in first.splitlines()[2:4]]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    assert days == [yesterday.isoformat(), (yesterday - timedelta(days=1)).isoformat()]
    total = (yesterday - date.fromisoformat(DAY)).days + 1
    assert f"showing 2 of {total} days" in first
    token = next(line for line in first.splitlines() if line.startswith("next page: "))
    second = ok(desk, "days", "--page-size", "2", *token.split()[2:])
    assert second.splitlines()[2].split()[0] == (yesterday - timedelta(days=2)).isoformat()


def test_days_with_a_page_token_the_hub_did_not_issue_is_refused(desk):
    assert "INVALID_PAGE_TOKEN" in refused(desk, "days", "--page-token", "not-a-token!")


# -- the operator's cron run ----------------------------------------------------------------


def test_the_operators_settle_due_settles_every_day_due_as_the_scheduler(
    desk, scene, tmp_path, capsys
):
    code = main(["settle-due", "--db", scene.db, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert captured.out == f"settled {yesterday} as system:scheduler\n"
    assert (tmp_path / "out" / yesterday / "coffee.json.sig").is_file()
    assert main(["settle-due", "--db", scene.db]) == 0
    assert "nothing to settle" in capsys.readouterr().out
    # Any officer approves the scheduler's run.
    approved = ok(desk, "approve", "--date", yesterday, "--note", "checked")
    assert f"settlement {yesterday}  approved" in approved
    assert "by system:scheduler;" in approved


def test_the_operators_settle_due_settles_one_day_when_told(desk, scene, capsys):
    assert main(["settle-due", "--db", scene.db, "--date", DAY]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"settled {DAY} as system:scheduler\n"
    [line] = captured.err.splitlines()
    assert line.startswith("[")
    assert "settle-due: settling days 1/1 days (100%)" in line
    assert line.endswith(f"settled {DAY}")
    assert "by system:scheduler;" in ok(desk, "show", "--date", DAY)
    assert main(["settle-due", "--db", scene.db, "--date", DAY, "--no-progress"]) == 0
    assert capsys.readouterr() == (f"settled {DAY} as system:scheduler\n", "")


def test_the_operators_settle_due_shows_the_days_it_catches_up(scene, capsys):
    assert main(["settle-due", "--db", scene.db, "--date", DAY]) == 0
    capsys.readouterr()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    due = (yesterday - date.fromisoformat(DAY)).days
    assert main(["settle-due", "--db", scene.db]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == due
    lines = captured.err.splitlines()
    assert len(lines) < due / 10, "a line at each tenth of the days, not one a day"
    assert f"settle-due: settling days {due}/{due} days (100%)" in lines[-1]
    assert lines[-1].endswith(f"settled {yesterday.isoformat()}")


# -- PostgreSQL -----------------------------------------------------------------------------


def test_run_show_and_approve_work_on_postgresql(pg_url, tmp_path):
    for desk in open_desk(prepare(pg_url), tmp_path):
        ran = ok(desk, "run", "--date", DAY, "--out", str(tmp_path))
        assert "margin: 0.73 EUR" in ran
        assert ok(desk, "show", "--date", DAY) == ran
        assert ok(desk, "verify", str(tmp_path / DAY / "coffee.json")).startswith("ok: ")
        approved = ok(desk, "approve", "--date", DAY, "--note", "ok", person=PAT).splitlines()
        assert approved[0] == f"settlement {DAY}  approved  (EUR)"
        assert any(line.startswith("approved ") and line.endswith(PAT_BY) for line in approved)
        assert board_line(ok(desk, "days", "--page-size", "366"), DAY)[1] == "approved"


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
