"""``--json`` on every listing of ``hub``, as a script runs it: staff commands at their desks
through a real mTLS hub (``tests/e2e/staff.py``), the operator's on the database directly.

Each output must be one JSON document that ``json.loads`` reads whole, with snake_case keys,
whole ids, ISO 8601 UTC times, integer points and decimal figures as strings.

The scene is one closed business day, 2026-01-10, posted with a manual clock on that day:

  10:00  a member enrolls at coffee and earns EUR 100 there (100 points); a flag is raised on it
  11:00  fuel authorizes and captures 30 of the points

and settled by Olga, with coffee's report claiming one order the hub never saw.
"""

from __future__ import annotations

import io
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from fraud.facts import Operation
from fraud.verdicts import Assessment, Decision, RuleCode, Verdict
from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.cli import main
from hub.domain.clock import ManualClock
from hub.domain.flags import Flag
from hub.relay import store
from tests.conftest import KEYS_ENV, add_partner, settings_for
from tests.e2e.staff import ADA, ANA, OLGA, StaffDesk
from tests.integration.helpers import authorize, capture, card, earn, enroll

pytestmark = pytest.mark.slow
DAY = "2026-01-10"
DAY_START = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
CARD_NUMBER = "4000123412341234"
SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")
SHORT_ID = re.compile(r"[0-9a-f]{8}\.\.[0-9a-f]{4}")
MAPS = {"counts", "details", "points_by_partner"}
"""Objects keyed by data (partner ids, table names), not by field names."""


@dataclass(frozen=True)
class Scene:
    db: str
    member_id: str
    earn_transaction_id: str
    flag_id: str
    hold_id: str


def _keys_only(env: pytest.MonkeyPatch) -> None:
    """The hub's keys for the operator's commands, and no other HUB_ setting of this machine."""
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        env.delenv(name)
    for name, value in KEYS_ENV.items():
        env.setenv(name, value)


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    _keys_only(monkeypatch)


def _raise_flag(hub: bootstrap.Hub, member_id: uuid.UUID) -> Flag:
    verdict = Verdict(RuleCode.EARN_THEN_BURN, Decision.REVIEW, 70, "burned 5 min after")
    flag = Flag.raised(
        uuid.uuid4(),
        Assessment((verdict,)),
        operation=Operation.EARN,
        partner_id="coffee",
        member_id=member_id,
        points=100,
        now=DAY_START,
    )
    with hub.uow_factory() as uow:
        uow.fraud.add_flag(flag)
        uow.commit()
    return flag


def prepare(url: str) -> Scene:
    wired = bootstrap.build(
        replace(settings_for(url), fraud_checks=False), clock=ManualClock(DAY_START)
    )
    try:
        upgrade(wired.engine)
        add_partner(wired, "coffee")
        add_partner(wired, "fuel")
        member = enroll(wired, "coffee", card(CARD_NUMBER)).member_id
        earned = earn(wired, member, 10_000, order_id="C-1")
        flag = _raise_flag(wired, member)
        wired.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
        hold = authorize(wired, member, 30, partner_id="fuel").hold_id
        capture(wired, hold, partner_id="fuel")
        with wired.engine.begin() as connection:
            store.add_dead_letter(connection, "coffee", 1, 3, "HTTP 503", DAY_START)
    finally:
        wired.close()
    return Scene(url, str(member), str(earned.transaction_id), str(flag.id), str(hold))


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scene, StaffDesk]]:
    """The day settled, one exception imported, a goodwill credit pending, an API key, a webhook
    and a welcome rule: something in every listing."""
    folder = tmp_path_factory.mktemp("json")
    with pytest.MonkeyPatch.context() as env:
        _keys_only(env)
        made = prepare(f"sqlite:///{folder}/hub.db")
        wired = bootstrap.build(replace(settings_for(made.db), fraud_checks=False))
        desk = StaffDesk.open(wired, folder)
        report = folder / "coffee.csv"
        report.write_text(
            f"kind,order_id,transaction_id,points\nearn,C-1,{made.earn_transaction_id},100\n"
            "earn,C-999,,5\n"
        )
        for person, *argv in (
            (OLGA, "settle", "run", "--date", DAY),
            (OLGA, "settle", "import", "--date", DAY, "--partner", "coffee", str(report)),
            (ANA, "goodwill", "request", made.member_id, "2500", "--partner", "coffee",
             "--reason", "complaint C-9"),
            (ADA, "partner", "api-key", "create", "coffee", "--label", "web shop",
             "--reason", "T-1"),
            (ADA, "partner", "webhook", "set", "coffee", "https://shop.example/hooks",
             "--reason", "T-2"),
            (ADA, "rules", "welcome", "coffee-welcome", "--points", "10", "--partner", "coffee",
             "--reason", "T-3"),
        ):  # fmt: skip
            ran = desk.run(person, *argv)
            assert ran.code == 0, (argv, ran.err)
        yield made, desk
        desk.close()
        wired.close()


def as_json(desk: StaffDesk, person: object, *argv: str) -> object:
    """``hub ARGV --json`` as ``person``: it succeeds and prints exactly one JSON document."""
    ran = desk.run(person, *argv, "--json")  # type: ignore[arg-type]
    assert ran.code == 0, ran.err
    return checked(json.loads(ran.out))


def operator_json(*argv: str, code: int = 0) -> object:
    """``hub --json ARGV`` on the hub's own machine (the root flag, before the command)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["--json", *argv]) == code, err.getvalue()
    return checked(json.loads(out.getvalue()))


def checked(document: object, key: str = "") -> object:
    """What every ``--json`` output keeps to, everywhere in the document."""
    if isinstance(document, dict):
        for name, value in document.items():
            if key not in MAPS:
                assert SNAKE_CASE.fullmatch(name), name
            checked(value, name)
    elif isinstance(document, list):
        for item in document:
            checked(item, key)
    elif isinstance(document, str):
        assert "…" not in document
        assert not SHORT_ID.search(document), (key, document)
        if key.endswith("_at") or key.endswith("_before"):
            assert document.endswith("Z"), (key, document)
            assert datetime.fromisoformat(document).utcoffset() == timedelta(0)
    if key == "points" or key.endswith("_points"):
        assert document is None or type(document) is int, (key, document)
    return document


def test_the_fraud_queue_is_a_page_of_whole_flags(scene):
    made, desk = scene
    queue = as_json(desk, ANA, "fraud", "queue")

    assert queue["next_page_token"] is None  # the last page
    [flag] = queue["flags"]
    assert flag["flag_id"] == made.flag_id
    assert flag["member_id"] == made.member_id
    assert flag["points"] == 100
    assert flag["score"] == 70
    assert flag["raised_at"] == "2026-01-10T10:00:00Z"
    assert flag["hold_id"] is None
    assert flag["verdicts"][0]["rule"] == "earn_then_burn"
    assert flag["member_identifiers"][0]["masked"].startswith("card ")


def test_the_root_flag_before_the_command_gives_the_same_document(scene):
    _, desk = scene
    ran = desk.run(ANA, "--json", "fraud", "queue")

    assert ran.code == 0, ran.err
    before, after = json.loads(ran.out), as_json(desk, ANA, "fraud", "queue")
    assert before.pop("as_of") <= after.pop("as_of")  # the hub's clock when it answered
    assert before == after


def test_a_paged_listing_carries_its_next_page_token_and_total(scene):
    _, desk = scene
    ran = desk.run(OLGA, "settle", "days", "--page-size", "1", "--json")

    assert ran.code == 0, ran.err
    page = json.loads(ran.out)
    assert len(page["days"]) == 1
    assert page["total"] > 1
    assert page["next_page_token"]
    assert ran.err == ""  # nothing beside the document, not even a hint


def test_groups_by_member_and_by_rule(scene):
    made, desk = scene
    by_member = as_json(desk, ANA, "fraud", "groups", "--by", "member")
    by_rule = as_json(desk, ANA, "fraud", "groups", "--by", "rule")

    assert by_member[0]["member_id"] == made.member_id
    assert by_member[0]["open_flags"] >= 1
    assert by_rule[0]["rule"] == "earn_then_burn"
    assert by_rule[0]["member_id"] is None


def test_a_flag_an_account_and_a_timeline_are_objects(scene):
    made, desk = scene
    flag = as_json(desk, ANA, "fraud", "flag", made.flag_id)
    account = as_json(desk, ANA, "fraud", "show", made.member_id)
    timeline = as_json(desk, ANA, "fraud", "timeline", made.member_id)

    assert flag["flag_id"] == made.flag_id
    assert account["member_id"] == made.member_id
    assert made.earn_transaction_id in {t["transaction_id"] for t in account["transactions"]}
    assert account["available_points"] == 70
    purchase = next(t["purchase"] for t in account["transactions"] if t["kind"] == "earn")
    assert purchase == {"amount": "100.00", "currency": "EUR"}
    assert timeline["member_id"] == made.member_id
    assert {entry["entry"] for entry in timeline["entries"]} >= {"transaction", "flag"}
    assert timeline["next_page_token"] is None


def test_the_fraud_report_is_an_array_of_rows(scene):
    _, desk = scene
    rows = as_json(desk, ANA, "fraud", "report", "--date", DAY)

    assert rows == [
        {
            "date": DAY,
            "partner_id": "coffee",
            "rule": "earn_then_burn",
            "raised": 1,
            "confirmed": 0,
            "false_positives": 0,
            "open": 1,
            "points_annulled": 0,
        }
    ]


def test_the_fraud_report_takes_csv_or_json_not_both(scene):
    _, desk = scene
    ran = desk.run(ANA, "fraud", "report", "--date", DAY, "--csv", "-", "--json")

    assert ran.code == 2
    assert "choose one" in ran.err


def test_goodwill_credits_are_an_array(scene):
    made, desk = scene
    [credit] = as_json(desk, ADA, "goodwill", "list")

    assert credit["member_id"] == made.member_id
    assert credit["points"] == 2500
    assert credit["status"] == "pending"
    assert uuid.UUID(credit["credit_id"])


def test_the_night_board_exceptions_and_liabilities(scene):
    _, desk = scene
    days = every_day(desk)
    exceptions = as_json(desk, OLGA, "settle", "exceptions", "--date", DAY)
    owed = as_json(desk, OLGA, "settle", "liabilities", "--date", DAY)

    day = next(d for d in days if d["business_date"] == DAY)
    assert day["state"] == "ran"
    assert day["open_exceptions"] == 1
    assert day["run_by"]["person"] == "olga"
    assert exceptions["total"] == 1
    [exception] = exceptions["exceptions"]
    assert exception["kind"] == "missing_at_hub"
    assert exception["order_id"] == "C-999"
    assert exception["partner_points"] == 5
    assert uuid.UUID(exception["exception_id"])
    assert owed["business_date"] == DAY
    coffee = next(line for line in owed["liabilities"] if line["issuer_id"] == "coffee")
    assert (coffee["points"], coffee["value_minor"]) == (70, 70)


def every_day(desk: StaffDesk) -> list[dict[str, object]]:
    """The night board page by page, as a script follows each page's next_page_token."""
    days, token = [], ""
    while True:
        ran = desk.run(
            OLGA, "settle", "days", "--page-size", "100", "--page-token", token, "--json"
        )
        assert ran.code == 0, ran.err
        page = json.loads(ran.out)
        days += page["days"]
        token = page["next_page_token"]
        if token is None:
            return days


def test_settle_show_keeps_printing_the_signed_summary(scene):
    _, desk = scene
    summary = as_json(desk, OLGA, "settle", "show", "--date", DAY)

    assert (summary["business_date"], summary["margin_minor"]) == (DAY, 73)


def test_partners_their_keys_and_webhook(scene):
    _, desk = scene
    partners = as_json(desk, ADA, "partner", "list")
    shown = as_json(desk, ADA, "partner", "show", "coffee")
    [key] = as_json(desk, ADA, "partner", "api-key", "list", "coffee")
    webhook = as_json(desk, ADA, "partner", "webhook", "show", "coffee")

    coffee = next(p for p in partners if p["partner_id"] == "coffee")
    assert coffee["current_rates"]["earn_rate"] == "1"  # a decimal, as a string
    assert coffee["issued_points"] == 100
    assert shown["partner"]["partner_id"] == "coffee"
    assert any(v["kind"] == "welcome" for v in shown["rules"]["in_force"])
    assert (key["partner_id"], key["label"], key["revoked_at"]) == ("coffee", "web shop", None)
    assert webhook["url"] == "https://shop.example/hooks"
    assert webhook["has_secret"] is True
    assert webhook["secret"] is None


def test_rules_list_and_show(scene):
    _, desk = scene
    listed = as_json(desk, ADA, "rules", "list")
    [welcome] = [v for v in listed["in_force"] if v["kind"] == "welcome"]
    shown = as_json(desk, ADA, "rules", "show", welcome["rule_id"])

    assert listed["scheduled"] == []
    assert shown["rule_id"] == welcome["rule_id"]
    assert shown["versions"][0]["version"] == 1


def test_the_operators_member_view_is_one_object(scene):
    made, _ = scene
    member = operator_json("member", "show", made.member_id, "--db", made.db)
    by_card = operator_json("member", "show", "--card", CARD_NUMBER, "--db", made.db)

    assert {**member, "balance": None} == {**by_card, "balance": None}
    assert member["member_id"] == made.member_id
    assert member["status"] == "active"
    assert member["balance"]["available_points"] == 70
    [lot] = member["lots"]
    assert (lot["points"], lot["remaining_points"], lot["issue_price"]) == (100, 70, "0.01")
    assert lot["earn_transaction_id"] == made.earn_transaction_id
    [hold] = member["holds"]
    assert hold["hold_id"] == made.hold_id
    assert hold["value"] == {"amount": "0.30", "currency": "EUR"}


def test_the_operators_listings_and_reports(scene):
    made, _ = scene
    keys = operator_json("member", "keys", "--db", made.db)
    credentials = operator_json("certs", "list", "--db", made.db)
    audit = operator_json("audit", "list", "--db", made.db, "--limit", "100")
    verified = operator_json("audit", "verify", "--db", made.db)
    ledger = operator_json("ledger", "verify", "--db", made.db)
    [letter] = operator_json("events", "dead-letters", "list", "--db", made.db)

    assert keys
    assert {k["purpose"] for k in keys} <= {"identifier", "contact"}
    assert all(type(k["rows"]) is int for k in keys)
    assert {c["name"] for c in credentials} >= {"olga", "ana", "ada"}
    assert all(c["state"] == "accepted" and len(c["serial"]) > 8 for c in credentials)
    assert any(r["action"] == "partner.add" for r in audit)
    assert all(type(r["seq"]) is int for r in audit)
    assert verified["ok"] is True
    assert verified["breaks"] == []
    assert ledger["ok"] is True
    assert ledger["violations"] == []
    assert all(check["ok"] is True for check in ledger["checks"])
    assert (letter["partner_id"], letter["attempts"], letter["replayed_at"]) == ("coffee", 3, None)
    assert letter["failed_at"] == "2026-01-10T10:00:00Z"


def test_an_empty_listing_is_an_empty_array(scene):
    made, _ = scene
    assert operator_json("audit", "list", "--db", made.db, "--actor", "nobody") == []
