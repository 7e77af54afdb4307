"""The light SDK, ``coalition-partner-sdk`` (sdk/pyproject.toml): its wheel holds the SDK and
the generated stubs, typed and versioned, and installs into a fresh virtualenv without the
hub's server dependencies, where it still talks to a real hub. Its base install has no
``cryptography``: verifying statements (``[statements]``) and reading the partner id from a
certificate (``[certificates]``) are extras, and say so when missing."""

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
from settlement.signing import StatementSigner
from tests.conftest import START, add_partner
from tests.e2e.mtls import COFFEE, Pki

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
DISTRIBUTION = "coalition-partner-sdk"
RUNTIME_DEPENDENCIES = {"grpcio", "protobuf", "googleapis-common-protos"}
"""What every install gets: the stubs import grpc, protobuf and google.api (annotations), and
errors decode google.rpc.Status details."""
EXTRAS = {"statements": {"cryptography"}, "certificates": {"cryptography"}}
NOT_IN_THE_BASE_INSTALL = ("cryptography", "grpc_status")
SERVER_ONLY = ("sqlalchemy", "psycopg", "alembic", "phonenumbers", "jinja2", "prometheus_client")
"""The hub's server dependencies: a partner installing the SDK gets none of them."""
HUB_PACKAGES = ("hub", "fraud", "settlement")
BUILD_TIMEOUT_S = 120
INSTALL_TIMEOUT_S = 300


def _pip(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK's wheel, built from sdk/ as a partner's CI would."""
    out = tmp_path_factory.mktemp("wheel")
    # With hatchling installed (the test extra) the build needs no index.
    offline = ("--no-build-isolation",) if importlib.util.find_spec("hatchling") else ()
    _pip("wheel", "--no-deps", *offline, "--wheel-dir", str(out), str(REPOSITORY / "sdk"))
    (built,) = out.glob("*.whl")
    return built


def _virtualenv(requirement: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtualenv holding ``requirement`` and its dependencies only."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        timeout=BUILD_TIMEOUT_S,
    )
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--quiet", requirement)
    return python


@pytest.fixture(scope="module")
def sdk_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK's base install, as ``pip install coalition-partner-sdk`` makes it."""
    return _virtualenv(str(wheel), tmp_path_factory)


@pytest.fixture(scope="module")
def sdk_statements_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDK with its ``statements`` extra: ``coalition-partner-sdk[statements]``."""
    return _virtualenv(f"{wheel}[statements]", tmp_path_factory)


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


def _pip_show(python: Path) -> dict[str, str]:
    shown = _pip("--python", str(python), "show", DISTRIBUTION)
    fields = (line.partition(": ") for line in shown.splitlines() if ": " in line)
    return {key: value for key, _, value in fields}


def _requirements(metadata: Message, extra: str | None) -> set[str]:
    """The names ``metadata`` requires with ``extra`` installed (None: the base install)."""
    required = (Requirement(text) for text in metadata.get_all("Requires-Dist") or [])
    environment = {"extra": extra or ""}
    return {
        r.name
        for r in required
        if r.marker is None or (extra is not None and r.marker.evaluate(environment))
    }


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode())


def test_the_wheel_is_named_and_versioned_as_the_sdk_says(wheel):
    metadata = _metadata(wheel)

    assert (metadata["Name"], metadata["Version"]) == (DISTRIBUTION, partner_sdk.__version__)
    assert wheel.name == f"coalition_partner_sdk-{partner_sdk.__version__}-py3-none-any.whl"


def test_the_wheel_requires_grpc_and_the_protos_only(wheel):
    metadata = _metadata(wheel)

    assert _requirements(metadata, None) == RUNTIME_DEPENDENCIES


def test_cryptography_comes_with_the_extras_that_need_it(wheel):
    metadata = _metadata(wheel)

    assert set(metadata.get_all("Provides-Extra") or []) == set(EXTRAS)
    for extra, added in EXTRAS.items():
        assert _requirements(metadata, extra) == RUNTIME_DEPENDENCIES | added


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


def test_the_base_install_has_neither_cryptography_nor_grpcio_status(sdk_python):
    shown = _pip_show(sdk_python)
    absent = _run(
        sdk_python,
        "import importlib.util\n"
        f"print([m for m in {NOT_IN_THE_BASE_INSTALL!r} if importlib.util.find_spec(m)])",
    )

    assert (shown["Name"], shown["Version"]) == (DISTRIBUTION, partner_sdk.__version__)
    assert set(shown["Requires"].split(", ")) == RUNTIME_DEPENDENCIES
    assert absent == "[]"


def test_the_installed_version_is_the_sdks_own(sdk_python):
    reached = _run(
        sdk_python,
        "import importlib.metadata, partner_sdk\n"
        f"print(importlib.metadata.version({DISTRIBUTION!r}) == partner_sdk.__version__,"
        " partner_sdk.__version__)",
    )

    assert reached == f"True {partner_sdk.__version__}"


def _statement_check(statement: dict[str, object], public_key_pem: bytes) -> str:
    """Code verifying ``statement``, then a copy with one byte of its JSON changed."""
    return (
        "import dataclasses, datetime\n"
        "from partner_sdk import MissingExtra, Statement, StatementSignatureInvalid\n"
        f"statement = Statement(business_date=datetime.date(2026, 11, 22), **{statement!r})\n"
        "try:\n"
        f"    statement.verify({public_key_pem!r})\n"
        "    forged = dataclasses.replace(statement, json=statement.json.replace(b'7', b'8'))\n"
        "    try:\n"
        f"        forged.verify({public_key_pem!r})\n"
        "    except StatementSignatureInvalid:\n"
        "        print('verified; forgery detected')\n"
        "except MissingExtra as error:\n"
        "    print(type(error).__name__, isinstance(error, ImportError), error.extra, error)\n"
    )


def _signed_statement() -> tuple[dict[str, object], bytes]:
    signer = StatementSigner(bytes(range(32)))
    json_bytes, csv_bytes = b'{"partner":"coffee","net_minor":730}', b"net_minor\r\n730\r\n"
    statement = {
        "partner_id": "coffee",
        "json": json_bytes,
        "json_signature": signer.sign(json_bytes),
        "csv": csv_bytes,
        "csv_signature": signer.sign(csv_bytes),
        "signing_key_id": signer.key_id,
    }
    return statement, signer.public_key_pem


def test_the_base_install_says_which_extra_verifies_statements(sdk_python):
    reached = _run(sdk_python, _statement_check(*_signed_statement()))

    assert reached == (
        "MissingExtra True statements verifying a statement's signature needs the "
        "'cryptography' package, which the SDK's base install leaves out: "
        "pip install 'coalition-partner-sdk[statements]'"
    )


def test_with_the_statements_extra_statements_verify(sdk_statements_python):
    reached = _run(sdk_statements_python, _statement_check(*_signed_statement()))

    assert reached == "verified; forgery detected"


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


@pytest.fixture(scope="module")
def coalition_ca() -> Pki:
    return Pki()


@pytest.fixture
def mtls_target(hub: bootstrap.Hub, coalition_ca: Pki) -> Iterator[str]:
    """A real hub serving mutual TLS, with partner coffee."""
    add_partner(hub, "coffee")
    running = start_server(hub, "127.0.0.1:0", tls=coalition_ca.server_tls())
    yield f"localhost:{running.port}"
    running.stop(grace_s=2)


def test_the_base_install_connects_over_mtls_given_its_partner_id(
    sdk_python, mtls_target, hub, coalition_ca, tmp_path
):
    certificate, key = coalition_ca.enrol(hub, COFFEE).write(tmp_path, "coffee")
    ca = tmp_path / "ca.crt"
    ca.write_bytes(coalition_ca.authority.certificate_pem)
    files = f"certificate={str(certificate)!r}, private_key={str(key)!r}, ca={str(ca)!r}"

    reached = _run(
        sdk_python,
        "from partner_sdk import HubClient, Identifier, MissingExtra\n"
        "try:\n"
        f"    HubClient.connect({mtls_target!r}, {files})\n"
        "except MissingExtra as error:\n"
        "    print(error.extra)\n"
        f"with HubClient.connect({mtls_target!r}, partner_id='coffee', {files}) as hub:\n"
        "    member = hub.enroll(Identifier.card('4000 0000 0000 0002'))\n"
        "    print(hub.partner_id, hub.balance(member.member_id).available_points)",
    )

    assert reached.splitlines() == ["certificates", "coffee 0"]
