"""``hub audit verify`` and ``hub audit list`` as operators run them, on a SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub import bootstrap
from hub.config import Settings
from hub.domain.audit import AuditEvent
from hub.services.audit import record
from tests.conftest import KEYS_ENV

pytestmark = pytest.mark.slow
AUDIT_KEY_HEX = KEYS_ENV["HUB_AUDIT_KEY"]


def hub_cli(*args: str, audit_key: str | None = AUDIT_KEY_HEX) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    if audit_key:
        env["HUB_AUDIT_KEY"] = audit_key
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "hub.db"


@pytest.fixture
def db(db_file: Path) -> str:
    """A migrated database holding three audit records: Alice's, Bob's, Alice's."""
    url = f"sqlite:///{db_file}"
    assert hub_cli("migrate", "--db", url).returncode == 0
    wired = bootstrap.build(Settings(database_url=url, audit_key_hex=AUDIT_KEY_HEX))
    events = [
        AuditEvent("cli:alice", "partner.add", "partner:coffee", "onboarding", {"currency": "EUR"}),
        AuditEvent("cli:bob", "partner.disable", "partner:coffee", "unpaid invoices\nsince May"),
        AuditEvent("cli:alice", "partner.enable", "partner:coffee", "invoices paid"),
    ]
    try:
        for one in events:
            with wired.uow_factory() as uow:
                record(uow, one, wired.clock.now())
                uow.commit()
    finally:
        wired.close()
    return url


def test_an_intact_audit_log_verifies(db):
    verified = hub_cli("audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("audit log ok: 3 records, head #3 mac ")


def test_the_audit_log_is_listed_newest_first_and_filtered(db):
    listed = hub_cli("audit", "list", "--db", db)
    bobs = hub_cli("audit", "list", "--actor", "cli:bob", "--db", db)
    newest = hub_cli("audit", "list", "--limit", "1", "--db", db)
    enables = hub_cli("audit", "list", "--action", "partner.enable", "--db", db)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["seq", "when", "actor", "action", "target", "reason"]
    assert [line.split()[0] for line in lines[2:]] == ["3", "2", "1"]
    assert "unpaid invoices since May" in listed.stdout  # one line per record
    assert [line.split()[0] for line in bobs.stdout.splitlines()[2:]] == ["2"]
    assert [line.split()[0] for line in newest.stdout.splitlines()[2:]] == ["3"]
    assert "partner.enable" in enables.stdout
    assert "partner.add" not in enables.stdout


def test_an_edited_audit_record_fails_verification_and_is_named(db, db_file):
    with sqlite3.connect(db_file) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET reason = 'routine check' WHERE seq = 2")
    verified = hub_cli("audit", "verify", "--db", db)
    assert verified.returncode == 1
    assert "audit log BROKEN: 1 break(s) in 3 records" in verified.stderr
    broken = [line.split() for line in verified.stderr.splitlines() if "edited" in line]
    assert broken[0][:2] == ["2", "edited"]


def test_a_deleted_audit_record_fails_verification(db, db_file):
    with sqlite3.connect(db_file) as connection:
        connection.execute("DROP TRIGGER audit_log_no_delete")
        connection.execute("DELETE FROM audit_log WHERE seq = 3")
    verified = hub_cli("audit", "verify", "--db", db)
    assert verified.returncode == 1
    assert "the head is at #3 but the chain ends at #2" in verified.stderr


def test_verifying_without_the_audit_key_says_how_to_set_it(db):
    verified = hub_cli("audit", "verify", "--db", db, audit_key=None)
    assert verified.returncode == 2
    assert "HUB_AUDIT_KEY is not set" in verified.stderr
    assert "hub keygen" in verified.stderr


def test_listing_more_than_the_limit_allows_is_refused(db):
    listed = hub_cli("audit", "list", "--limit", "100000", "--db", db)
    assert listed.returncode == 2
    assert "limit must be 1..1000" in listed.stderr
