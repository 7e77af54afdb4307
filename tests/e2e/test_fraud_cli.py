"""``hub fraud`` as analysts run it: at their desks, with their own certificates, through a
real mTLS hub (``tests/e2e/staff.py``), with no database URL or key in their environment;
and ``hub fraud scan``, the hub operator's nightly pass, on the database directly."""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from fraud.facts import Operation
from fraud.verdicts import Assessment, Decision, RuleCode, Verdict
from hub.cli import main
from hub.cli.common import TABLE_WIDTH_MAX
from hub.domain.flags import Flag
from hub.domain.holds import HoldStatus
from hub.domain.limits import HOLD_EXPIRY_WARNING_S, HOLD_TTL_DEFAULT_S
from hub.domain.short_ids import short_form
from tests.conftest import KEYS_ENV, START
from tests.e2e.staff import ANA, StaffDesk
from tests.integration.helpers import authorize, card, earn, enroll

pytestmark = pytest.mark.slow
CARD_NUMBER = "4000123412341234"
TODAY = START.date().isoformat()


@dataclass(frozen=True)
class Scene:
    desk: StaffDesk
    member_id: str
    flag_id: str
    hold_id: str


def raise_flag(
    hub, member_id, *, minutes=0, rule=RuleCode.EARN_THEN_BURN, hold_id=None, flag_id=None
):
    verdict = Verdict(rule, Decision.REVIEW, 70, "burned 5 min after")
    flag = Flag.raised(
        flag_id or uuid.uuid4(),
        Assessment((verdict,)),
        operation=Operation.AUTHORIZE if hold_id else Operation.EARN,
        partner_id="coffee",
        member_id=member_id,
        points=100,
        now=START + timedelta(minutes=minutes),
        hold_id=hold_id,
    )
    with hub.uow_factory() as uow:
        uow.fraud.add_flag(flag)
        uow.commit()
    return flag


@pytest.fixture
def scene(hub, coffee, tmp_path) -> Iterator[Scene]:
    """A member with 500 points, a flag on it, and a hold of 100 points in review."""
    member_id = enroll(hub, "coffee", card(CARD_NUMBER)).member_id
    earn(hub, member_id, 50_000)
    placed = authorize(hub, member_id, 100)
    with hub.uow_factory() as uow:
        hold = uow.holds.get_any(placed.hold_id)
        uow.holds.save(replace(hold, status=HoldStatus.IN_REVIEW))
        uow.commit()
    flag = raise_flag(hub, member_id, hold_id=placed.hold_id)
    desk = StaffDesk.open(hub, tmp_path)
    yield Scene(desk, str(member_id), str(flag.id), str(placed.hold_id))
    desk.close()


def fraud(scene: Scene, *args: str) -> str:
    """Run ``hub fraud ... --wide`` (whole ids to compare) as Ana the analyst; it must succeed."""
    ran = scene.desk.run(ANA, "fraud", *args, "--wide")
    assert ran.code == 0, ran.err
    return ran.out


def refused(scene: Scene, *args: str) -> str:
    """Run ``hub fraud ...``; it must fail with exit code 2 and one line saying why."""
    ran = scene.desk.run(ANA, "fraud", *args)
    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    return ran.err


def test_the_queue_fits_a_terminal_with_short_ids_that_name_the_flag_back(scene):
    ran = scene.desk.run(ANA, "fraud", "queue")
    assert ran.code == 0, ran.err
    short = short_form(uuid.UUID(scene.flag_id))

    assert all(len(line) <= TABLE_WIDTH_MAX for line in ran.out.splitlines())
    assert short in ran.out
    assert scene.flag_id not in ran.out
    assert scene.flag_id in fraud(scene, "flag", short)


# -- the whole of a flag's life -----------------------------------------------------------------


def test_an_analyst_works_a_flag_from_the_queue_to_its_resolution(scene):
    queue = fraud(scene, "queue")
    assert "score" in queue.splitlines()[0]
    assert scene.flag_id in queue
    assert "earn_then_burn" in queue
    shown = fraud(scene, "flag", scene.flag_id)
    assert "earn_then_burn: review 70 - burned 5 min after" in shown
    assert f"hold {scene.hold_id} in_review" in shown
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
    # The certificate's person, not the terminal's OS user.
    for action in ("freeze", "annul", "decline", "unfreeze", "resolve"):
        assert f"{ANA.uri}  {action}" in account
    assert "cli:" not in account


def test_errors_name_their_reason_and_exit_2(scene):
    assert "FLAG_NOT_FOUND" in refused(scene, "flag", str(uuid.uuid4()))
    assert "HOLD_NOT_FOUND" in refused(scene, "release", str(uuid.uuid4()), "--reason", "x")
    assert "INSUFFICIENT_POINTS" in refused(
        scene, "annul", scene.member_id, "--points", "100000", "--reason", "x"
    )
    assert "INVALID_FIELD" in refused(scene, "report", "--date", "yesterday")
    assert "INVALID_FIELD" in refused(scene, "report", "--days", "93")
    assert "MALFORMED_ID" in refused(scene, "flag", "abc")


def test_the_report_prints_a_table_or_csv(scene, tmp_path):
    table = fraud(scene, "report", "--date", TODAY)
    assert "points_annulled" in table.splitlines()[0]
    assert "earn_then_burn" in table
    rows = list(csv.reader(io.StringIO(fraud(scene, "report", "--date", TODAY, "--csv", "-"))))
    assert rows[0][:3] == ["date", "partner", "rule"]
    assert rows[1][:4] == [TODAY, "coffee", "earn_then_burn", "1"]
    target = tmp_path / "report.csv"
    assert "wrote 1 lines" in fraud(scene, "report", "--date", TODAY, "--csv", str(target))
    assert target.read_text(encoding="utf-8").startswith("date,partner,rule")
    # No date: yesterday in the coalition's time zone, when nothing was flagged.
    assert "earn_then_burn" not in fraud(scene, "report")


def test_the_nightly_scan_is_the_operators_and_opens_the_database(scene, monkeypatch, capsys):
    for name, value in KEYS_ENV.items():
        monkeypatch.setenv(name, value)
    url = scene.desk.hub.settings.database_url
    assert main(["fraud", "scan", "--date", TODAY, "--db", url]) == 0
    assert f"nightly pass for {TODAY}: 0 new flags" in capsys.readouterr().out
    assert main(["fraud", "scan", "--db", url]) == 0
    assert "nightly pass for" in capsys.readouterr().out


# -- a certificate, no database ------------------------------------------------------------------


def test_the_queue_needs_no_database_url_only_the_persons_certificate(scene, monkeypatch):
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    assert scene.flag_id in fraud(scene, "queue")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://nowhere.invalid/none")
    assert scene.flag_id in fraud(scene, "queue")


def test_the_queue_without_a_certificate_or_profile_says_so_in_one_line(capsys, monkeypatch):
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    code = main(["fraud", "queue"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    [line] = captured.err.strip().splitlines()
    assert "your certificate" in line
    assert "--profile" in line


def test_staff_commands_take_no_database_flag_but_the_scan_does(scene, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["fraud", "queue", "--db", "sqlite:///x.db"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --db" in capsys.readouterr().err
    assert "--db" in help_of("scan")


def help_of(action: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["fraud", action, "--help"])
    return out.getvalue()


# -- the queue ---------------------------------------------------------------------------------


def test_the_queue_pages_as_its_help_says(scene):
    hub, member = scene.desk.hub, uuid.UUID(scene.member_id)
    for minute in (1, 2):
        raise_flag(hub, member, minutes=minute)
    first = fraud(scene, "queue", "--limit", "2")
    [hint] = [line for line in first.splitlines() if "--page-token" in line]
    token = hint.rsplit(" ", 1)[1]
    second = fraud(scene, "queue", "--limit", "2", "--page-token", token)
    assert "--page-token" not in second
    assert len(second.splitlines()) == 3  # header, rule, one flag
    assert "1..500" in help_of("queue")
    assert "INVALID_FIELD" in refused(scene, "queue", "--limit", "501")
    assert "INVALID_FIELD" in refused(scene, "queue", "--limit", "0")
    assert scene.flag_id in fraud(scene, "queue", "--limit", "500")
    assert "INVALID_PAGE_TOKEN" in refused(scene, "queue", "--page-token", "bm90IGEgdG9rZW4")


def test_queue_rows_show_a_masked_card_points_and_the_hold_time_left(scene):
    queue = fraud(scene, "queue")
    row = next(line for line in queue.splitlines() if scene.flag_id in line)
    assert "card ••••" in row
    assert CARD_NUMBER not in queue
    assert f"in_review {HOLD_TTL_DEFAULT_S // 60}m00s left" in row


def test_the_queue_warns_about_held_redemptions_about_to_expire(scene):
    assert "warning" not in scene.desk.run(ANA, "fraud", "queue").err
    scene.desk.hub.clock.advance(timedelta(seconds=HOLD_TTL_DEFAULT_S - 90))
    ran = scene.desk.run(ANA, "fraud", "queue", "--member", scene.member_id[:19])
    assert ran.code == 0, ran.err
    [warning] = ran.err.strip().splitlines()
    assert warning.startswith(f"warning: held redemption {scene.hold_id}")
    assert "expires in 1m30s" in warning
    assert f"within {HOLD_EXPIRY_WARNING_S // 60} min" in warning


def test_groups_gather_open_flags_by_member_and_by_rule(scene):
    hub, member = scene.desk.hub, uuid.UUID(scene.member_id)
    raise_flag(hub, member, minutes=1, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    by_member = fraud(scene, "groups", "--by", "member")
    row = next(line for line in by_member.splitlines() if scene.member_id in line)
    assert "card ••••" in row
    assert " 2 " in row
    by_rule = fraud(scene, "groups", "--by", "rule")
    assert "earn_then_burn" in by_rule
    assert "member_velocity_count" in by_rule


def test_an_analyst_resolves_a_members_or_a_rules_open_flags_in_one_command(scene):
    hub, member = scene.desk.hub, uuid.UUID(scene.member_id)
    raise_flag(hub, member, minutes=1, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    raise_flag(hub, member, minutes=2, rule=RuleCode.MEMBER_VELOCITY_COUNT)
    hub.clock.advance(timedelta(minutes=5))
    by_rule = fraud(
        scene, "resolve", "--rule", "member_velocity_count", "--confirmed", "--note", "T-3"
    )
    assert "resolved 2 open flags of rule member_velocity_count as confirmed" in by_rule
    by_member = fraud(
        scene,
        "resolve",
        "--member",
        scene.member_id[:19],
        "--false-positive",
        "--note",
        "T-4",
        "--until",
        TODAY + "T23:59",
    )
    assert "resolved 1 open flags of member" in by_member
    assert scene.flag_id not in fraud(scene, "queue")
    assert "INVALID_FIELD" in refused(scene, "resolve", "--confirmed", "--note", "x")
    assert "INVALID_FIELD" in refused(
        scene, "resolve", scene.flag_id, "--rule", "r", "--confirmed", "--note", "x"
    )


def test_short_ids_name_a_flag_and_an_ambiguous_one_is_refused(scene):
    hub, member = scene.desk.hub, uuid.UUID(scene.member_id)
    for last in (1, 2):
        raise_flag(hub, member, flag_id=uuid.UUID(f"0190d5e2-aa00-7000-8000-00000000000{last}"))
    raise_flag(hub, member, flag_id=uuid.UUID("0190d5e2-bb00-7000-8000-000000000001"))
    assert "flag 0190d5e2-bb00-7000-8000-000000000001" in fraud(scene, "flag", "0190d5e2bb")
    assert "AMBIGUOUS_ID" in refused(scene, "flag", "0190d5e2aa")
    assert "FLAG_NOT_FOUND" in refused(scene, "flag", "0190d5e2cc")


def test_a_member_timeline_lists_everything_newest_first(scene):
    timeline = fraud(scene, "timeline", scene.member_id, "--limit", "3")
    assert timeline.splitlines()[0].startswith(f"member {scene.member_id}  active")
    assert "card ••••" in timeline.splitlines()[0]
    [hint] = [line for line in timeline.splitlines() if "--page-token" in line]
    rest = fraud(scene, "timeline", scene.member_id, "--page-token", hint.rsplit(" ", 1)[1])
    kinds = {line.split()[2] for line in (timeline + rest).splitlines() if line[:4].isdigit()}
    assert kinds == {"transaction", "lot", "hold", "flag"}
