"""``hub member show | erase | keys | rekey`` as operators run them: ``erase`` over gRPC with the
operator's certificate, the others as real processes with the database and the master keys."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Mapping

import pytest

from hub import bootstrap
from hub.adapters.migrate import upgrade
from hub.domain.contacts import Contact
from hub.services.commands import EnrollMember
from tests.conftest import KEYS_ENV, add_partner, settings_for
from tests.e2e.operator_desk import ok, open_desk, refused
from tests.e2e.staff import ADA
from tests.integration.helpers import card, earn

pytestmark = pytest.mark.slow
CARD_NUMBER = "4000123412341234"
CONTACT = Contact.parse(name="Ada Lovelace", email="ada@example.org", birth_date="1990-12-10")


def hub_cli(*args: str, env: Mapping[str, str] = KEYS_ENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env=os.environ | dict(env),
        timeout=60,
    )


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/hub.db"


@pytest.fixture
def member_id(db) -> str:
    """A member with a card, a contact and points, enrolled in-process with the suite's keys."""
    hub = bootstrap.build(settings_for(db))
    try:
        upgrade(hub.engine)
        add_partner(hub)
        command = EnrollMember("coffee", uuid.uuid4().hex, (card(CARD_NUMBER),), CONTACT)
        enrolled = hub.partner_api().enroll(command)
        earn(hub, card(CARD_NUMBER), 5_000)
        return str(enrolled.member_id)
    finally:
        hub.close()


def test_show_prints_the_decrypted_contact_without_echoing_the_card(db, member_id):
    shown = hub_cli("member", "show", "--card", CARD_NUMBER, "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert f"member {member_id}  active" in shown.stdout
    assert "contact: name Ada Lovelace" in shown.stdout
    assert "contact: email ada@example.org" in shown.stdout
    assert "contact: born 1990-12-10" in shown.stdout
    assert CARD_NUMBER not in shown.stdout + shown.stderr


def test_show_without_the_data_key_still_shows_the_member_and_says_why_the_contact_is_not(
    db, member_id
):
    env = dict(KEYS_ENV) | {"HUB_DATA_KEY": secrets.token_hex(32)}
    shown = hub_cli("member", "show", member_id, "--db", db, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "contact: unreadable" in shown.stdout
    assert "Ada" not in shown.stdout
    for key in env.values():
        assert key not in shown.stdout + shown.stderr


@pytest.fixture
def served_member_id(hub) -> str:
    """A member with a card, a contact and points, in the database of a hub the test serves."""
    add_partner(hub)
    command = EnrollMember("coffee", uuid.uuid4().hex, (card(CARD_NUMBER),), CONTACT)
    enrolled = hub.partner_api().enroll(command)
    earn(hub, card(CARD_NUMBER), 5_000)
    return str(enrolled.member_id)


def test_erase_deletes_personal_data_keeps_the_ledger_and_is_audited(
    hub, tmp_path, served_member_id
):
    member_id, db = served_member_id, hub.settings.database_url
    unexplained = hub_cli("member", "erase", member_id)
    assert unexplained.returncode == 2, "a reason is required"
    with open_desk(hub, tmp_path) as desk:
        erased = ok(desk, "member", "erase", member_id, "--reason", "GDPR request T-42")
        again = ok(desk, "member", "erase", member_id, "--reason", "GDPR request T-42")
        assert "MEMBER_NOT_FOUND" in refused(
            desk, "member", "erase", str(uuid.uuid4()), "--reason", "typo"
        )
    assert f"member {member_id} erased at" in erased
    assert "already erased" in again
    shown = hub_cli("member", "show", member_id, "--db", db)
    assert f"member {member_id}  erased" in shown.stdout
    assert "identifiers: none" in shown.stdout
    assert "contact: none kept" in shown.stdout
    assert "available 50 " in shown.stdout
    by_card = hub_cli("member", "show", "--card", CARD_NUMBER, "--db", db)
    assert (by_card.returncode, "MEMBER_NOT_FOUND" in by_card.stderr) == (2, True)
    assert CARD_NUMBER not in by_card.stderr
    assert hub_cli("ledger", "verify", "--db", db).returncode == 0

    [record] = hub.operator.list_audit(limit=5, action="member.erase")
    assert (record.event.actor, record.event.reason) == (ADA.uri, "GDPR request T-42")


def test_keys_and_rekey_guide_a_rotation(db, member_id):
    new_identifier_key, new_data_key = secrets.token_hex(32), secrets.token_hex(32)
    rotated = dict(KEYS_ENV) | {
        "HUB_IDENTIFIER_KEY": new_identifier_key,
        "HUB_IDENTIFIER_KEYS_RETIRED": KEYS_ENV["HUB_IDENTIFIER_KEY"],
        "HUB_DATA_KEY": new_data_key,
        "HUB_DATA_KEYS_RETIRED": KEYS_ENV["HUB_DATA_KEY"],
    }
    before = hub_cli("member", "keys", "--db", db, env=rotated)
    assert before.returncode == 0, before.stderr
    assert _rows(before.stdout) == {
        ("identifier", "current"): 0,
        ("identifier", "retired"): 1,
        ("contact", "current"): 0,
        ("contact", "retired"): 1,
    }

    rekeyed = hub_cli("member", "rekey", "--db", db, env=rotated)
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert "1 contacts re-sealed" in rekeyed.stdout
    after = hub_cli("member", "keys", "--db", db, env=rotated)
    assert _rows(after.stdout)[("contact", "current")] == 1
    assert _rows(after.stdout)[("contact", "retired")] == 0
    for key in rotated.values():
        assert key not in before.stdout + after.stdout + rekeyed.stdout + rekeyed.stderr

    dropped = rotated | {"HUB_DATA_KEYS_RETIRED": ""}
    shown = hub_cli("member", "show", member_id, "--db", db, env=dropped)
    assert "contact: name Ada Lovelace" in shown.stdout


def test_rekey_without_a_data_key_says_how_to_make_one(db, member_id):
    env = dict(KEYS_ENV) | {"HUB_DATA_KEY": ""}
    result = hub_cli("member", "rekey", "--db", db, env=env)
    assert result.returncode == 2
    assert "HUB_DATA_KEY" in result.stderr


def _rows(table: str) -> dict[tuple[str, str], int]:
    """``(data, state) -> rows`` from the ``hub member keys`` table."""
    lines = table.strip().splitlines()[2:]
    return {(cells[0], cells[2]): int(cells[3]) for cells in (line.split() for line in lines)}
