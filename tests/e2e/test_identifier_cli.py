"""Phone regions and identifier forms from the command line: real ``hub`` processes on SQLite."""

from __future__ import annotations

import uuid

import pytest

from hub import bootstrap
from hub.domain.members import Identifier, IdentifierKind
from hub.services.commands import EnrollMember
from tests.conftest import settings_for
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def grocer_db(tmp_path) -> str:
    db = f"sqlite:///{tmp_path}/hub.db"
    assert hub_cli("migrate", "--db", db).returncode == 0
    added = hub_cli(
        *("partner", "add", "grocer", "--name", "Grocer", *PARTNER_FLAGS),
        *("--phone-region", "ru", "--db", db),
    )
    assert added.returncode == 0, added.stderr
    assert " RU " in added.stdout
    return db


def _enroll_phone(db: str, number: str) -> uuid.UUID:
    hub = bootstrap.build(settings_for(db))
    try:
        phone = Identifier.parse(IdentifierKind.PHONE, number)
        command = EnrollMember("grocer", uuid.uuid4().hex, (phone,))
        return hub.partner_api().enroll(command).member_id
    finally:
        hub.close()


def test_member_show_reads_a_national_phone_in_the_region_it_is_given(grocer_db):
    member_id = _enroll_phone(grocer_db, "+79161234567")
    shown = hub_cli(
        *("member", "show", "--phone", "8 916 123-45-67", "--phone-region", "RU"),
        *("--db", grocer_db),
    )
    assert shown.returncode == 0, shown.stderr
    assert f"member {member_id}" in shown.stdout
    refused = hub_cli("member", "show", "--phone", "8 916 123-45-67", "--db", grocer_db)
    assert refused.returncode == 2
    assert "INVALID_IDENTIFIER" in refused.stderr
    assert "916" not in refused.stderr


def test_an_operator_changes_a_partners_phone_region(grocer_db):
    cleared = hub_cli(
        *("partner", "set-phone-region", "grocer", "--phone-region", ""),
        *("--reason", "tills abroad", "--db", grocer_db),
    )
    assert cleared.returncode == 0, cleared.stderr
    assert "+ only" in cleared.stdout
    refused = hub_cli(
        *("partner", "set-phone-region", "grocer", "--phone-region", "XX"),
        *("--reason", "typo", "--db", grocer_db),
    )
    assert refused.returncode == 2
    assert "INVALID_FIELD" in refused.stderr
    assert "+ only" in hub_cli("partner", "show", "grocer", "--db", grocer_db).stdout
