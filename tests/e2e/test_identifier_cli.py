"""Phone regions and identifier forms from the command line: ``hub partner`` over gRPC as the
operator, ``hub member show`` on the operator's machine with the database and keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hub import bootstrap
from hub.domain.members import Identifier, IdentifierKind
from hub.services.commands import EnrollMember
from tests.e2e.operator_desk import ok, open_desk, refused
from tests.e2e.staff import StaffDesk
from tests.e2e.test_cli import PARTNER_FLAGS, hub_cli


@pytest.fixture
def desk(hub, tmp_path) -> Iterator[StaffDesk]:
    with open_desk(hub, tmp_path) as opened:
        yield opened


@pytest.fixture
def grocer_db(desk) -> str:
    """The hub's database, with partner grocer whose tills are in Russia."""
    added = ok(
        desk, "partner", "add", "grocer", "--name", "Grocer", *PARTNER_FLAGS, "--phone-region", "ru"
    )
    assert " RU " in added
    return desk.hub.settings.database_url


def _enroll_phone(hub: bootstrap.Hub, number: str) -> uuid.UUID:
    phone = Identifier.parse(IdentifierKind.PHONE, number)
    command = EnrollMember("grocer", uuid.uuid4().hex, (phone,))
    return hub.partner_api().enroll(command).member_id


@pytest.mark.slow
def test_member_show_reads_a_national_phone_in_the_region_it_is_given(hub, grocer_db):
    member_id = _enroll_phone(hub, "+79161234567")
    shown = hub_cli(
        *("member", "show", "--phone", "8 916 123-45-67", "--phone-region", "RU"),
        *("--db", grocer_db),
    )
    assert shown.returncode == 0, shown.stderr
    assert f"member {member_id}" in shown.stdout
    refused_show = hub_cli("member", "show", "--phone", "8 916 123-45-67", "--db", grocer_db)
    assert refused_show.returncode == 2
    assert "INVALID_IDENTIFIER" in refused_show.stderr
    assert "916" not in refused_show.stderr


def test_an_operator_changes_a_partners_phone_region(desk, grocer_db):
    cleared = ok(
        desk,
        *("partner", "set-phone-region", "grocer", "--phone-region", ""),
        *("--reason", "tills abroad"),
    )
    assert "+ only" in cleared
    error = refused(
        desk, *("partner", "set-phone-region", "grocer", "--phone-region", "XX", "--reason", "typo")
    )
    assert "INVALID_FIELD" in error
    assert "+ only" in ok(desk, "partner", "show", "grocer")
