"""``hub fraud`` as analysts run it: real processes on a SQLite file."""

from __future__ import annotations

import csv
import getpass
import io
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from fraud.facts import Operation
from fraud.verdicts import Assessment, Decision, RuleCode, Verdict
from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.domain.flags import Flag
from hub.domain.holds import HoldStatus
from tests.conftest import add_partner, settings_for
from tests.e2e.test_member_cli import hub_cli
from tests.integration.helpers import authorize, card, earn, enroll

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Scene:
    db: str
    member_id: str
    flag_id: str
    hold_id: str


@pytest.fixture
def scene(tmp_path) -> Scene:
    """A member with 500 points, a flag on it, and a hold of 100 points in review."""
    db = f"sqlite:///{tmp_path}/hub.db"
    hub = bootstrap.build(settings_for(db))
    try:
        upgrade(hub.engine)
        add_partner(hub)
        member_id = enroll(hub).member_id
        earn(hub, card(), 50_000)
        placed = authorize(hub, card(), 100)
        verdict = Verdict(RuleCode.EARN_THEN_BURN, Decision.REVIEW, 70, "burned 5 min after")
        flag = Flag.raised(
            uuid.uuid4(),
            Assessment((verdict,)),
            operation=Operation.AUTHORIZE,
            partner_id="coffee",
            member_id=member_id,
            points=100,
            now=hub.clock.now(),
            hold_id=placed.hold_id,
        )
        with hub.uow_factory() as uow:
            uow.fraud.add_flag(flag)
            hold = uow.holds.get_any(placed.hold_id)
            uow.holds.save(replace(hold, status=HoldStatus.IN_REVIEW))
            uow.commit()
    finally:
        hub.close()
    return Scene(db, str(member_id), str(flag.id), str(placed.hold_id))


def fraud(scene: Scene, *args: str) -> str:
    """Run ``hub fraud ...``; it must succeed."""
    result = hub_cli("fraud", *args, "--db", scene.db)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(scene: Scene, *args: str) -> str:
    """Run ``hub fraud ...``; it must fail with exit code 2 and one line saying why."""
    result = hub_cli("fraud", *args, "--db", scene.db)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def test_an_analyst_works_a_flag_from_the_queue_to_its_resolution(scene):
    queue = fraud(scene, "queue")
    assert "score" in queue.splitlines()[0]
    assert scene.flag_id in queue
    assert "earn_then_burn" in queue
    shown = fraud(scene, "flag", scene.flag_id)
    assert "earn_then_burn: review 70 - burned 5 min after" in shown
    assert f"hold {scene.hold_id}" in shown
    frozen = fraud(scene, "freeze", scene.member_id, "--reason", "F-1", "--flag", scene.flag_id)
    assert f"member {scene.member_id} is frozen" in frozen
    assert "MEMBER_ALREADY_FROZEN" in refused(scene, "freeze", scene.member_id, "--reason", "F-1")
    annulled = fraud(scene, "annul", scene.member_id, "--points", "150", "--reason", "F-1")
    assert "annulled 150 points" in annulled
    assert "coffee 150" in annulled
    declined = fraud(scene, "decline", scene.hold_id, "--reason", "F-1")
    assert "declined" in declined
    assert "FRAUD_DECLINED" in refused(scene, "release", scene.hold_id, "--reason", "F-1")
    assert "active" in fraud(scene, "unfreeze", scene.member_id, "--reason", "F-1")
    resolved = fraud(scene, "resolve", scene.flag_id, "--confirmed", "--note", "stolen card")
    assert "confirmed" in resolved
    assert "stolen card" in resolved
    assert "FLAG_ALREADY_RESOLVED" in refused(
        scene, "resolve", scene.flag_id, "--false-positive", "--note", "oops"
    )
    account = fraud(scene, "show", scene.member_id)
    for section in ("transactions (newest first):", "lots:", "holds:", "flags:", "actions:"):
        assert section in account
    assert "350 available" in account
    actor = f"cli:{getpass.getuser()}"
    for action in ("freeze", "annul", "decline", "unfreeze", "resolve"):
        assert f"{actor}  {action}" in account


def test_errors_name_their_reason_and_exit_2(scene):
    assert "FLAG_NOT_FOUND" in refused(scene, "flag", str(uuid.uuid4()))
    assert "HOLD_NOT_FOUND" in refused(scene, "release", str(uuid.uuid4()), "--reason", "x")
    assert "INSUFFICIENT_POINTS" in refused(
        scene, "annul", scene.member_id, "--points", "100000", "--reason", "x"
    )
    assert "INVALID_FIELD" in refused(scene, "report", "--date", "yesterday")
    assert "INVALID_FIELD" in refused(scene, "report", "--days", "93")


def test_the_report_prints_a_table_or_csv_and_the_scan_runs_for_a_date(scene, tmp_path):
    today = datetime.now(UTC).date().isoformat()
    table = fraud(scene, "report", "--date", today)
    assert "points_annulled" in table.splitlines()[0]
    assert "earn_then_burn" in table
    rows = list(csv.reader(io.StringIO(fraud(scene, "report", "--date", today, "--csv", "-"))))
    assert rows[0][:3] == ["date", "partner", "rule"]
    assert rows[1][:4] == [today, "coffee", "earn_then_burn", "1"]
    target = tmp_path / "report.csv"
    assert "wrote 1 lines" in fraud(scene, "report", "--date", today, "--csv", str(target))
    assert target.read_text(encoding="utf-8").startswith("date,partner,rule")
    scanned = fraud(scene, "scan", "--date", today)
    assert f"nightly pass for {today}: 0 new flags" in scanned
    assert "nightly pass for" in fraud(scene, "scan")
