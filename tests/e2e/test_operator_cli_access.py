"""Who may run the operator's ``hub partner``, ``hub rules`` and ``hub member erase``: only a
person with an operator certificate, reaching the hub with nothing but that certificate; and
a profile that is missing or unreadable is said so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from hub.domain.principals import Principal
from tests.conftest import add_partner
from tests.e2e.operator_desk import open_desk, refused
from tests.e2e.staff import ADA, ANA, OLGA, StaffDesk
from tests.e2e.test_cli import PARTNER_FLAGS


@pytest.fixture
def desk(hub, tmp_path) -> Iterator[StaffDesk]:
    add_partner(hub, "coffee")
    with open_desk(hub, tmp_path) as opened:
        yield opened


@pytest.mark.parametrize("person", [ANA, OLGA], ids=["analyst", "officer"])
def test_an_analyst_or_officer_certificate_cannot_add_a_partner(desk, person: Principal):
    error = refused(desk, "partner", "add", "shop", "--name", "Shop", *PARTNER_FLAGS, person=person)
    assert "ROLE_NOT_ALLOWED" in error
    assert f"{person.role.value} role may not call" in error
    assert desk.hub.operator.list_partners()[0].partner.id == "coffee"
    assert len(desk.hub.operator.list_partners()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("rules", "cap", "daily", "--period", "day", "--points", "5", "--reason", "x"),
        ("member", "erase", "5f0e4bd6-8a8e-4c57-9d5c-3c7f2b0e9d11", "--reason", "x"),
        ("partner", "list"),
    ],
    ids=["rules", "erase", "list"],
)
def test_an_analyst_cannot_run_the_other_operator_commands_either(desk, argv):
    assert "ROLE_NOT_ALLOWED" in refused(desk, *argv, person=ANA)


def _hub(*argv: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``hub <argv>`` in a process of its own, with no ``HUB_*`` setting but ``settings``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-m", "hub", *argv],
        capture_output=True,
        text=True,
        env=env | settings,
        timeout=60,
    )


@pytest.mark.slow
def test_partner_list_needs_no_database_url_and_no_key(desk):
    profile = desk.profile(ADA)
    # A database URL that could not even be parsed, were anything to read it.
    listed = _hub("partner", "list", "--profile", str(profile), HUB_DATABASE_URL="mysql://x/y")
    assert listed.returncode == 0, listed.stderr
    assert "coffee" in listed.stdout


@pytest.mark.slow
def test_a_missing_profile_is_one_line_naming_it(tmp_path):
    missing = tmp_path / "nowhere.profile.toml"
    result = _hub("partner", "list", "--profile", str(missing))
    assert result.returncode == 2
    assert result.stderr == (
        f"hub: configuration: cannot read the profile {missing}: No such file or directory\n"
    )


@pytest.mark.slow
def test_a_profile_from_the_environment_that_is_not_toml_is_one_line(tmp_path):
    garbled = tmp_path / "ada.profile.toml"
    garbled.write_text("hub = localhost:50051\n")
    result = _hub("rules", "list", HUB_PROFILE=str(garbled))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"hub: configuration: the profile {garbled} is not TOML")


@pytest.mark.slow
def test_no_profile_and_no_flags_says_what_to_give():
    result = _hub("partner", "list")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "give --ca, --cert, --key or a profile" in line


def test_a_profile_whose_key_file_is_gone_is_one_line_naming_the_file(desk):
    profile = desk.profile(ADA)
    key = profile.parent / f"{ADA.role.value}-{ADA.name}.key"
    key.unlink()
    error = refused(desk, "partner", "list")
    assert error == f"hub: configuration: cannot read {key}: No such file or directory\n"
