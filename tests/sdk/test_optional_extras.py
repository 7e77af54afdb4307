"""``cryptography`` is optional: the SDK's base install imports, calls the hub and connects over
mutual TLS with a partner id it is given; verifying statements and reading the partner id from
a certificate say which extra to install. Here ``cryptography`` is hidden from the process;
tests/sdk/test_distribution.py checks the same in a virtualenv that never had it."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import partner_sdk
from partner_sdk import (
    AsyncHubClient,
    CertificateError,
    HubClient,
    HubError,
    MissingExtra,
    StatementSignatureInvalid,
)
from partner_sdk._extras import extra_required
from partner_sdk.statements import key_id, verify_statement
from settlement.signing import StatementSigner

from .fakes import NOW, FakePartnerService
from .pki import Pki

SDK = Path(partner_sdk.__file__).parent
HUB_SIGNER = StatementSigner(bytes(range(32)))


@contextmanager
def cryptography_missing() -> Iterator[None]:
    """As if ``cryptography`` were not installed: every import of it, or of a module importing
    it that is not yet loaded, fails with ``ModuleNotFoundError``."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in sys.modules if n.split(".")[0] == "cryptography"]:
            patch.setitem(sys.modules, name, None)
        patch.setitem(sys.modules, "cryptography", None)
        patch.delitem(sys.modules, "partner_sdk._certificates", raising=False)
        # `from partner_sdk import _certificates` finds a submodule loaded earlier in this
        # process as the package's attribute, whatever sys.modules says.
        patch.delattr(partner_sdk, "_certificates", raising=False)
        yield


def test_the_sdk_imports_without_cryptography() -> None:
    # In a process of its own: importing the SDK again here would give it new classes.
    code = (
        "import sys\n"
        "sys.modules['cryptography'] = None\n"
        "import partner_sdk, partner_sdk.aio, partner_sdk.offline\n"
        "print(sorted(n for n in sys.modules if n.startswith(('cryptography', 'grpc_status'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=SDK.parent,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['cryptography']"  # the None put there, nothing else


@pytest.mark.parametrize(
    "verify",
    [
        lambda: verify_statement(b"statement", b"signature", HUB_SIGNER.public_key_pem),
        lambda: key_id(HUB_SIGNER.public_key_pem),
    ],
    ids=["verify_statement", "key_id"],
)
def test_verifying_a_statement_without_cryptography_names_the_extra(verify) -> None:
    with cryptography_missing(), pytest.raises(MissingExtra) as raised:
        verify()

    assert str(raised.value) == (
        "verifying a statement's signature needs the 'cryptography' package, which the SDK's "
        "base install leaves out: pip install 'coalition-partner-sdk[statements]'"
    )
    assert (raised.value.extra, raised.value.name) == ("statements", "cryptography")


def test_a_missing_extra_is_an_import_error_not_a_forgery_nor_a_hub_error() -> None:
    # ``except StatementSignatureInvalid`` must not read "forged" into "cannot check".
    assert issubclass(MissingExtra, ImportError)
    assert not issubclass(MissingExtra, StatementSignatureInvalid | HubError)


def test_a_statement_verifies_with_cryptography_installed() -> None:
    data = b"coffee owes 730"

    verify_statement(data, HUB_SIGNER.sign(data), HUB_SIGNER.public_key_pem)


def test_connecting_without_cryptography_or_a_partner_id_names_the_extra(pki: Pki) -> None:
    files = pki.partner()

    with cryptography_missing(), pytest.raises(MissingExtra) as raised:
        HubClient.connect("127.0.0.1:1", **files.kwargs())

    assert raised.value.extra == "certificates"
    assert str(raised.value) == (
        "reading the partner id from the certificate needs the 'cryptography' package, which "
        "the SDK's base install leaves out: pip install 'coalition-partner-sdk[certificates]'"
        "; or pass partner_id= the partner your certificate names"
    )


def test_without_cryptography_a_given_partner_id_connects_over_mtls(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    files = pki.partner("coffee")

    with cryptography_missing():
        with HubClient.connect(tls_hub.target, partner_id="coffee", **files.kwargs()) as client:
            assert client.partner_id == "coffee"
            assert client.ping() == NOW
        assert "partner_sdk._certificates" not in sys.modules

    # The certificate, not metadata, names the partner, as with the checks.
    assert "x-hub-partner-id" not in tls_hub.received[0].metadata


@pytest.mark.asyncio
async def test_async_without_cryptography_a_given_partner_id_connects_over_mtls(
    pki: Pki, tls_hub: FakePartnerService
) -> None:
    files = pki.partner("tea")

    with cryptography_missing():
        client = AsyncHubClient.connect(tls_hub.target, partner_id="tea", **files.kwargs())
        async with client:
            assert client.partner_id == "tea"
            assert await client.ping() == NOW


def test_without_cryptography_files_that_are_not_pem_are_still_refused(
    pki: Pki, tmp_path: Path
) -> None:
    files = pki.partner()
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"\x30\x82 not pem at all")
    cases = [
        ({"certificate": files.private_key}, f"certificate {files.private_key} is not a PEM"),
        ({"private_key": files.certificate}, f"private key {files.certificate} is not a PEM"),
        ({"private_key": garbage}, f"private key {garbage} is not a PEM private key"),
        ({"ca": garbage}, f"CA certificate {garbage} is not a PEM certificate"),
    ]

    with cryptography_missing():
        for swapped, message in cases:
            arguments = {**files.kwargs(), **swapped}
            with pytest.raises(CertificateError) as raised:
                HubClient.connect("127.0.0.1:1", partner_id="coffee", **arguments)
            assert raised.value.message.startswith(message)


def test_without_cryptography_an_encrypted_key_is_still_refused(pki: Pki) -> None:
    files = pki.partner()
    files.encrypt_private_key()

    with cryptography_missing(), pytest.raises(CertificateError, match="is encrypted"):
        HubClient.connect("127.0.0.1:1", partner_id="coffee", **files.kwargs())


def test_with_cryptography_a_given_partner_id_must_be_the_certificates(pki: Pki) -> None:
    files = pki.partner("coffee")

    with pytest.raises(CertificateError) as raised:
        HubClient.connect("127.0.0.1:1", partner_id="tea", **files.kwargs())

    assert raised.value.message == (
        f"certificate {files.certificate} names partner 'coffee', not 'tea'"
    )


def test_with_cryptography_a_given_partner_id_still_gets_every_check(pki: Pki) -> None:
    files = pki.partner("coffee", ca=pki.other_ca)

    with pytest.raises(CertificateError, match="is not signed by the CA in"):
        HubClient.connect("127.0.0.1:1", partner_id="coffee", **files.kwargs())


def test_a_given_partner_id_must_look_like_one(pki: Pki) -> None:
    with pytest.raises(ValueError, match="is not a partner id"):
        HubClient.connect("127.0.0.1:1", partner_id="Coffee Shop", **pki.partner().kwargs())


def test_only_a_missing_cryptography_becomes_a_missing_extra() -> None:
    # Another module failing to import is a bug to see as it is, not an extra to install.
    with (
        pytest.raises(ModuleNotFoundError) as raised,
        extra_required(feature="checking", extra="statements"),
    ):
        import cryptography_lookalike  # type: ignore[import-not-found]  # noqa: F401

    assert not isinstance(raised.value, MissingExtra)


def _top_level_imports(path: Path) -> set[str]:
    """The modules ``path`` imports when it is imported (not those its functions import)."""
    tree = ast.parse(path.read_text())
    modules = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_only_the_certificate_checks_import_cryptography_when_imported() -> None:
    importing = {
        path.name
        for path in SDK.glob("*.py")
        if any(m.split(".")[0] == "cryptography" for m in _top_level_imports(path))
    }

    # partner_sdk._tls imports _certificates in a function, when cryptography is there.
    assert importing == {"_certificates.py"}
    assert "partner_sdk._certificates" not in _top_level_imports(SDK / "_tls.py")


def test_the_sdk_decodes_error_details_without_grpcio_status() -> None:
    imported = set().union(*(_top_level_imports(path) for path in SDK.glob("*.py")))

    assert {m for m in imported if m.split(".")[0] == "grpc_status"} == set()
