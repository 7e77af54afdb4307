"""Long operator commands show how far they got on standard error (plain lines here: the
tests' standard error is not a terminal) and print the very same results on standard output
with or without it; ``--no-progress`` leaves standard error empty.

Each command runs twice, on two copies of one scene: once as cron runs it, once with
``--no-progress``."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.cli import main
from hub.domain.clock import ManualClock
from hub.domain.contacts import Contact
from hub.relay import store
from hub.services.commands import EnrollMember
from tests.conftest import KEYS_ENV, OPERATOR, START, add_partner, settings_for
from tests.e2e import events_fixtures
from tests.integration.helpers import authorize, card, earn, enroll

pytestmark = pytest.mark.slow
receiver = events_fixtures.receiver
Prepare = Callable[[bootstrap.Hub], None]


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub's keys, as on the operator's machine, and no other HUB_ setting."""
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in KEYS_ENV.items():
        monkeypatch.setenv(name, value)


def twins(tmp_path: Path, prepare: Prepare) -> tuple[str, str]:
    """Two databases holding the same scene, prepared on the suite's clock (days ago)."""
    first = tmp_path / "first.db"
    hub = bootstrap.build(settings_for(f"sqlite:///{first}"), clock=ManualClock(START))
    try:
        upgrade(hub.engine)
        add_partner(hub)
        prepare(hub)
    finally:
        hub.close()
    shutil.copy(first, tmp_path / "second.db")
    return f"sqlite:///{first}", f"sqlite:///{tmp_path / 'second.db'}"


def both_ways(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, prepare: Prepare, *argv: str
) -> tuple[str, str, int]:
    """``hub <argv> --db``, with progress then without, on twin scenes: the standard output
    (the same both ways), the progress printed, and the exit status."""
    shown_db, quiet_db = twins(tmp_path, prepare)
    code = main([*argv, "--db", shown_db])
    shown = capsys.readouterr()
    assert main([*argv, "--db", quiet_db, "--no-progress"]) == code
    quiet = capsys.readouterr()
    assert shown.out == quiet.out
    assert quiet.err == ""
    return shown.out, shown.err, code


def progress_lines(err: str, label: str) -> list[str]:
    lines = err.splitlines()
    assert lines, "no progress at all"
    assert all(line.startswith("[") and f" s] {label}: " in line for line in lines), err
    return lines


def expired_hold(hub: bootstrap.Hub) -> None:
    member = enroll(hub).member_id
    earn(hub, member, 10_000)
    authorize(hub, member, 40, ttl_s=60)  # long expired by the real clock


def test_sweep_shows_each_kind_of_work_it_did(capsys, tmp_path):
    out, err, code = both_ways(capsys, tmp_path, expired_hold, "sweep")
    assert code == 0
    assert out.startswith("expired 1 holds, ")
    lines = progress_lines(err, "sweep")
    assert any("expiring holds 1 holds, " in line for line in lines)
    # Kinds of work with nothing due say nothing.
    assert not any("pruning fraud counters" in line for line in lines)


def test_the_nightly_fraud_scan_shows_its_scans(capsys, tmp_path):
    out, err, code = both_ways(capsys, tmp_path, lambda hub: None, "fraud", "scan")
    assert code == 0
    assert out.startswith("nightly pass for ")
    lines = progress_lines(err, "fraud scan")
    assert any("slow farming 1/1 windows (100%)" in line for line in lines)
    assert any("dormant burns 1/1 windows (100%)" in line for line in lines)


def contacts(hub: bootstrap.Hub) -> None:
    contact = Contact.parse(name="Ada Lovelace", email="ada@example.org")
    for number in ("4000123412341234", "4000123412345678", "4000123412349999"):
        hub.partner_api().enroll(EnrollMember("coffee", uuid.uuid4().hex, (card(number),), contact))


def test_rekey_shows_the_contacts_resealed_of_those_under_other_keys(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DATA_KEY", secrets.token_hex(32))
    monkeypatch.setenv("HUB_DATA_KEYS_RETIRED", KEYS_ENV["HUB_DATA_KEY"])
    out, err, code = both_ways(capsys, tmp_path, contacts, "member", "rekey")
    assert code == 0
    assert out.startswith("3 contacts re-sealed")
    [line] = progress_lines(err, "member rekey")
    assert "re-sealing contacts 3/3 contacts (100%)" in line
    for key in KEYS_ENV.values():
        assert key not in err


def dead_letters(hub: bootstrap.Hub) -> None:
    """Two dead letters of a partner that has no webhook now."""
    member = enroll(hub).member_id
    earn(hub, member, 1000)
    earn(hub, member, 2000)
    with hub.engine.begin() as connection:
        for event in store.after(connection, 0, 10, None)[-2:]:
            store.add_dead_letter(connection, "coffee", event.id, 3, "HTTP 503", datetime.now(UTC))


def test_a_dead_letters_replay_shows_the_letters_tried(capsys, tmp_path):
    argv = ("events", "dead-letters", "replay", "--all")
    out, err, code = both_ways(capsys, tmp_path, dead_letters, *argv)
    assert code == 1
    assert out.count("failed again: the partner has no webhook now") == 2
    lines = progress_lines(err, "dead-letters replay")
    assert "replaying dead letters 2/2 letters (100%)" in lines[-1]
    assert lines[-1].endswith("2 failed again")


def test_relay_once_counts_the_deliveries_of_its_backlog(capsys, tmp_path, receiver, monkeypatch):
    hook, ca_file = receiver

    def backlog(hub: bootstrap.Hub) -> None:
        hub.operator.set_webhook("coffee", hook.url, OPERATOR)
        enroll(hub)
        earn(hub, card(), 1000)

    db, _ = twins(tmp_path, backlog)
    monkeypatch.setenv("HUB_WEBHOOK_CA_FILE", str(ca_file))
    assert main(["relay", "--once", "--db", db]) == 0
    shown = capsys.readouterr()
    assert hook.received, shown
    delivered = int(shown.out.removeprefix("relayed ").removesuffix(" deliveries\n"))
    [line] = progress_lines(shown.err, "relay")
    assert f"relaying events {delivered} deliveries" in line
    assert main(["relay", "--once", "--no-progress", "--db", db]) == 0
    assert capsys.readouterr() == ("relayed 0 deliveries\n", "")
