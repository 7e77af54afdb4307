"""The light SDK, ``coalition-partner-sdk`` (sdk/pyproject.toml): its wheel holds the SDK and
the generated stubs, typed and versioned, and installs into a fresh virtualenv without the
hub's server dependencies, where it still talks to a real hub."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import partner_sdk
from hub import bootstrap
from hub.api.server import start_server
from hub.domain.clock import ManualClock
from tests.conftest import START, add_partner

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
DISTRIBUTION = "coalition-partner-sdk"
RUNTIME_DEPENDENCIES = {
    "grpcio",
    "grpcio-status",
    "protobuf",
    "googleapis-common-protos",
    "cryptography",
}
SERVER_ONLY = ("sqlalchemy", "psycopg", "alembic", "phonenumbers", "jinja2", "prometheus_client")
"""The hub's server dependencies: a partner installing the SDK gets none of them."""
HUB_PACKAGES = ("hub", "fraud", "settlement")
BUILD_TIMEOUT_S = 120
INSTALL_TIMEOUT_S = 300


def _pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK's wheel, built from sdk/ as a partner's CI would."""
    out = tmp_path_factory.mktemp("wheel")
    # With hatchling installed (the test extra) the build needs no index.
    offline = ("--no-build-isolation",) if importlib.util.find_spec("hatchling") else ()
    _pip("wheel", "--no-deps", *offline, "--wheel-dir", str(out), str(REPOSITORY / "sdk"))
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def sdk_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtualenv holding the SDK's wheel and its dependencies only."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        timeout=BUILD_TIMEOUT_S,
    )
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--quiet", str(wheel))
    return python


def _run(python: Path, code: str) -> str:
    # From a folder without the repository's packages, so only what is installed imports.
    done = subprocess.run(
        [str(python), "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        cwd=python.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode())


def test_the_wheel_is_named_and_versioned_as_the_sdk_says(wheel):
    metadata = _metadata(wheel)

    assert (metadata["Name"], metadata["Version"]) == (DISTRIBUTION, partner_sdk.__version__)
    assert wheel.name == f"coalition_partner_sdk-{partner_sdk.__version__}-py3-none-any.whl"


def test_the_wheel_requires_grpc_protobuf_and_cryptography_only(wheel):
    required = {Requirement(text).name for text in _metadata(wheel).get_all("Requires-Dist")}

    assert required == RUNTIME_DEPENDENCIES


def test_the_wheel_holds_the_sdk_and_the_typed_stubs_and_no_hub_code(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    packages = {name.split("/")[0] for name in names if not name.startswith("coalition_partner")}

    assert packages == {"partner_sdk", "coalition"}
    assert {"partner_sdk/py.typed", "coalition/py.typed"} <= names
    assert {"partner_sdk/client.py", "coalition/hub/v1/partner_pb2.py"} <= names
    assert "coalition/hub/v1/partner_pb2.pyi" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_installed_sdk_imports_without_any_server_dependency(sdk_python):
    reached = _run(
        sdk_python,
        "import importlib.util, importlib.resources as r\n"
        "import partner_sdk, coalition.hub.v1.partner_pb2\n"
        "from partner_sdk import AsyncHubClient, HubClient\n"
        f"absent = [m for m in {SERVER_ONLY + HUB_PACKAGES!r} if importlib.util.find_spec(m)]\n"
        "typed = r.files('partner_sdk').joinpath('py.typed').is_file()\n"
        "print(partner_sdk.__version__, typed, absent)",
    )

    assert reached == f"{partner_sdk.__version__} True []"


@pytest.fixture
def clock() -> ManualClock:
    """The hub's clock (tests/sdk's own ``clock`` is the retry policy's fake)."""
    return ManualClock(START)


@pytest.fixture
def target(hub: bootstrap.Hub) -> Iterator[str]:
    add_partner(hub, "coffee")
    running = start_server(hub, "127.0.0.1:0")
    yield f"127.0.0.1:{running.port}"
    running.stop(grace_s=2)


def test_the_installed_sdk_enrolls_and_updates_a_contact_at_a_real_hub(sdk_python, target):
    reached = _run(
        sdk_python,
        "from partner_sdk import HubClient, Identifier\n"
        f"with HubClient({target!r}, partner_id='coffee') as hub:\n"
        "    member = hub.enroll(Identifier.card('4000 0000 0000 0001'))\n"
        "    updated = hub.update_member_contact(member.member_id, phone='+79001234567')\n"
        "    print(updated.member_id == member.member_id)",
    )

    assert reached == "True"
